// FSM failure classes: which NOTIFICATIONs earn the long (configuration-error) idle-hold before the
// automatic restart. Router daemon stops (BIRD Cease 6/2, FRR 8.4 Cease 6/3) must not: the data-path
// lab measured a one-minute VIP outage after a router restart when they did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureClassOf } from '../../src/fsm/fsm.ts';
import { CeaseSubcode, NotificationCode } from '../../src/wire/constants.ts';

const n = (code: number, subcode: number) => ({ code, subcode, data: new Uint8Array(0) });

test('router daemon stops are transient: Cease 6/2, 6/3, 6/4, 6/6 and a plain close', () => {
  assert.equal(failureClassOf(undefined), 'transient');
  for (const sub of [CeaseSubcode.ADMIN_SHUTDOWN, CeaseSubcode.PEER_DECONFIGURED, CeaseSubcode.ADMIN_RESET, CeaseSubcode.OTHER_CONFIG_CHANGE]) {
    assert.equal(failureClassOf(n(NotificationCode.CEASE, sub)), 'transient', `6/${sub}`);
  }
  assert.equal(failureClassOf(n(NotificationCode.HOLD_TIMER_EXPIRED, 0)), 'transient');
});

test('configuration faults wait the long idle-hold: OPEN errors, 6/1 max prefixes, 6/5 connection rejected', () => {
  assert.equal(failureClassOf(n(NotificationCode.OPEN_MESSAGE_ERROR, 2)), 'config');
  assert.equal(failureClassOf(n(NotificationCode.CEASE, CeaseSubcode.MAX_PREFIXES)), 'config');
  assert.equal(failureClassOf(n(NotificationCode.CEASE, CeaseSubcode.CONNECTION_REJECTED)), 'config');
});
