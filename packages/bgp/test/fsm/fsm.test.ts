// RFC 4271 §8.2.2 state × event tables for the pure FSM: every one of the six states against every
// event (the tables are checked for completeness), then the NOTIFICATION ⇒ Idle invariant over random
// event sequences, and the behaviours around them (hold negotiation, fallback, damping counters).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { step } from '../../src/fsm/fsm.ts';
import { initialFsmState, resolveFsmConfig, type FsmEventType, type FsmState } from '../../src/fsm/types.ts';
import { allEventTypes, cfg, peerOpen, render, sampleEvents, statesByName } from './fixtures.ts';

type Row = readonly [next: FsmState['name'], actions: readonly string[]];
type Table = Readonly<Record<FsmEventType, Row>>;

const fail = ['close', 'stop-all', 'start:idle-hold', 'down'] as const;
const notify = (c: string) => [`notify:${c}`, ...fail] as const;
const ignored = (s: FsmState['name']): Row => [s, []];
const startActive = ['stop:idle-hold', 'start:connect-retry', 'connect'];
const startPassive = ['stop:idle-hold', 'start:connect-retry'];

const idleTable: Table = {
  ManualStart: ['Connect', startActive],
  AutomaticStart: ['Connect', startActive],
  ManualStart_with_PassiveTcpEstablishment: ['Active', startPassive],
  AutomaticStart_with_PassiveTcpEstablishment: ['Active', startPassive],
  ManualStop: ['Idle', ['stop:idle-hold']],
  AutomaticStop: ignored('Idle'),
  ConnectRetryTimer_Expires: ignored('Idle'),
  HoldTimer_Expires: ignored('Idle'),
  KeepaliveTimer_Expires: ignored('Idle'),
  IdleHoldTimer_Expires: ['Connect', startActive],
  SendHoldTimer_Expires: ignored('Idle'),
  StableTimer_Expires: ignored('Idle'),
  Tcp_CR_Acked: ignored('Idle'),
  TcpConnectionConfirmed: ignored('Idle'),
  TcpConnectionFails: ignored('Idle'),
  BGPOpen: ignored('Idle'),
  BGPHeaderErr: ignored('Idle'),
  BGPOpenMsgErr: ignored('Idle'),
  OpenCollisionDump: ignored('Idle'),
  NotifMsgVerErr: ignored('Idle'),
  NotifMsg: ignored('Idle'),
  KeepAliveMsg: ignored('Idle'),
  UpdateMsg: ignored('Idle'),
  UpdateMsgErr: ignored('Idle'),
  RouteRefresh: ignored('Idle'),
};

function connectingTable(name: 'Connect' | 'Active'): Table {
  return {
    ManualStart: ignored(name),
    AutomaticStart: ignored(name),
    ManualStart_with_PassiveTcpEstablishment: ignored(name),
    AutomaticStart_with_PassiveTcpEstablishment: ignored(name),
    ManualStop: ['Idle', ['close', 'stop-all', 'down']],
    AutomaticStop: ['Idle', fail],
    ConnectRetryTimer_Expires: ['Connect', ['close', 'start:connect-retry', 'connect']],
    HoldTimer_Expires: ['Idle', fail],
    KeepaliveTimer_Expires: ['Idle', fail],
    IdleHoldTimer_Expires: ['Idle', fail],
    SendHoldTimer_Expires: ['Idle', fail],
    StableTimer_Expires: ignored(name),
    Tcp_CR_Acked: ['OpenSent', ['stop:connect-retry', 'open', 'start:hold']],
    TcpConnectionConfirmed: ['OpenSent', ['stop:connect-retry', 'open', 'start:hold']],
    // Connect: retry with backoff from Active (BIRD/OpenBGPD); Active: §8.2.2 → Idle.
    TcpConnectionFails: name === 'Connect' ? ['Active', ['close', 'start:connect-retry']] : ['Idle', fail],
    BGPOpen: ['Idle', fail],
    BGPHeaderErr: ['Idle', fail],
    BGPOpenMsgErr: ['Idle', fail],
    OpenCollisionDump: ['Idle', fail],
    NotifMsgVerErr: ['Idle', fail],
    NotifMsg: ['Idle', fail],
    KeepAliveMsg: ['Idle', fail],
    UpdateMsg: ['Idle', fail],
    UpdateMsgErr: ['Idle', fail],
    RouteRefresh: ['Idle', fail],
  };
}

/** Rows shared by OpenSent, OpenConfirm and Established; `fsm` is the RFC 6608 subcode of the state. */
function connectedRows(name: 'OpenSent' | 'OpenConfirm' | 'Established', fsm: string) {
  return {
    ManualStart: ignored(name),
    AutomaticStart: ignored(name),
    ManualStart_with_PassiveTcpEstablishment: ignored(name),
    AutomaticStart_with_PassiveTcpEstablishment: ignored(name),
    ManualStop: ['Idle', ['notify:6/2', 'close', 'stop-all', 'down']],
    AutomaticStop: ['Idle', notify('6/1')],
    ConnectRetryTimer_Expires: ['Idle', notify(fsm)],
    HoldTimer_Expires: ['Idle', notify('4/0')],
    IdleHoldTimer_Expires: ['Idle', notify(fsm)],
    SendHoldTimer_Expires: ['Idle', notify('8/0')],
    StableTimer_Expires: ignored(name),
    Tcp_CR_Acked: ignored(name),
    TcpConnectionConfirmed: ignored(name),
    TcpConnectionFails: ['Idle', fail],
    BGPHeaderErr: ['Idle', notify('1/2')],
    BGPOpenMsgErr: ['Idle', notify('2/2')],
    OpenCollisionDump: ['Idle', notify('6/7')],
    NotifMsgVerErr: ['Idle', fail],
    NotifMsg: ['Idle', fail],
  } satisfies Partial<Record<FsmEventType, Row>>;
}

const openSentTable: Table = {
  ...connectedRows('OpenSent', '5/1'),
  KeepaliveTimer_Expires: ['Idle', notify('5/1')],
  TcpConnectionFails: ['Active', ['close', 'stop-all', 'start:connect-retry']],
  BGPOpen: ['OpenConfirm', ['keepalive', 'start:keepalive', 'start:hold']],
  KeepAliveMsg: ['Idle', notify('5/1')],
  UpdateMsg: ['Idle', notify('5/1')],
  UpdateMsgErr: ['Idle', notify('5/1')],
  RouteRefresh: ['Idle', notify('5/1')],
};

const openConfirmTable: Table = {
  ...connectedRows('OpenConfirm', '5/2'),
  KeepaliveTimer_Expires: ['OpenConfirm', ['keepalive', 'start:keepalive']],
  BGPOpen: ['Idle', notify('5/2')],
  KeepAliveMsg: ['Established', ['start:hold', 'start:send-hold', 'start:stable', 'established']],
  UpdateMsg: ['Idle', notify('5/2')],
  UpdateMsgErr: ['Idle', notify('5/2')],
  RouteRefresh: ['Idle', notify('5/2')],
};

const establishedTable: Table = {
  ...connectedRows('Established', '5/3'),
  KeepaliveTimer_Expires: ['Established', ['keepalive', 'start:keepalive']],
  BGPOpen: ['Idle', notify('5/3')],
  KeepAliveMsg: ['Established', ['start:hold']],
  UpdateMsg: ['Established', ['start:hold', 'deliver']],
  UpdateMsgErr: ['Idle', notify('3/1')],
  RouteRefresh: ['Established', ['start:hold', 'deliver']],
};

const tables: Readonly<Record<FsmState['name'], Table>> = {
  Idle: idleTable,
  Connect: connectingTable('Connect'),
  Active: connectingTable('Active'),
  OpenSent: openSentTable,
  OpenConfirm: openConfirmTable,
  Established: establishedTable,
};

test('the tables cover every state × event (6 × 25)', () => {
  assert.equal(allEventTypes.length, 25);
  let rows = 0;
  for (const [state, table] of Object.entries(tables)) {
    for (const ev of allEventTypes) {
      assert.ok(table[ev] !== undefined, `${state} × ${ev} has a row`);
      rows++;
    }
  }
  assert.equal(rows, 150);
});

for (const [stateName, table] of Object.entries(tables) as [FsmState['name'], Table][]) {
  test(`FSM table: ${stateName}`, () => {
    for (const ev of allEventTypes) {
      const [next, actions] = table[ev];
      const r = step(statesByName[stateName], sampleEvents[ev], cfg);
      assert.deepEqual({ ev, state: r.state.name, actions: render(r.actions) }, { ev, state: next, actions: [...actions] });
    }
  });
}

test('invariant: a step that sends a NOTIFICATION ends in Idle; Idle never sends OPEN/KEEPALIVE', () => {
  const names = Object.keys(statesByName) as FsmState['name'][];
  fc.assert(
    fc.property(fc.constantFrom(...names), fc.array(fc.constantFrom(...allEventTypes), { maxLength: 40 }), (start, evs) => {
      let s = statesByName[start];
      for (const ev of evs) {
        const r = step(s, sampleEvents[ev], cfg);
        const types = r.actions.map((a) => a.type);
        if (types.includes('send-notification')) assert.equal(r.state.name, 'Idle');
        if (r.state.name === 'Idle') {
          assert.ok(!types.includes('send-open') && !types.includes('send-keepalive') && !types.includes('established'));
        }
        if (types.includes('established')) assert.equal(r.state.name, 'Established');
        s = r.state;
      }
    }),
    { numRuns: 500 },
  );
});

test('step is pure: same inputs give equal outputs', () => {
  for (const s of Object.values(statesByName)) {
    for (const ev of allEventTypes) assert.deepEqual(step(s, sampleEvents[ev], cfg), step(s, sampleEvents[ev], cfg));
  }
});

test('full happy path: Idle → Connect → OpenSent → OpenConfirm → Established with negotiated timers', () => {
  let s = initialFsmState(7);
  for (const ev of ['ManualStart', 'Tcp_CR_Acked'] as const) s = step(s, sampleEvents[ev], cfg).state;
  const toConfirm = step(s, { type: 'BGPOpen', open: peerOpen({ holdTimeSec: 30 }) }, cfg);
  assert.equal(toConfirm.state.name, 'OpenConfirm');
  assert.deepEqual(
    toConfirm.actions.filter((a) => a.type === 'start-timer').map((a) => (a.type === 'start-timer' ? [a.timer, a.ms] : [])),
    [['keepalive', 10_000], ['hold', 30_000]],
  );
  const est = step(toConfirm.state, { type: 'KeepAliveMsg' }, cfg);
  assert.equal(est.state.name, 'Established');
  const e = est.actions.find((a) => a.type === 'established');
  assert.ok(e !== undefined && e.type === 'established');
  assert.equal(e.negotiated.holdTimeSec, 30);
  assert.equal(e.negotiated.keepaliveSec, 10);
  const sendHold = est.actions.find((a) => a.type === 'start-timer' && a.timer === 'send-hold');
  assert.ok(sendHold !== undefined && sendHold.type === 'start-timer' && sendHold.ms === 480_000, 'RFC 9687: max(8 min, 2 × hold)');
});

test('hold time 0 negotiated: no keepalive or hold timer in OpenConfirm and Established', () => {
  const r = step(statesByName.OpenSent, { type: 'BGPOpen', open: peerOpen({ holdTimeSec: 0 }) }, cfg);
  assert.deepEqual(render(r.actions), ['keepalive', 'stop:hold']);
  const est = step(r.state, { type: 'KeepAliveMsg' }, cfg);
  assert.deepEqual(render(est.actions), ['start:stable', 'established']);
  assert.deepEqual(render(step(est.state, { type: 'UpdateMsg' }, cfg).actions), ['deliver']);
});

test('bad OPEN in OpenSent: NOTIFICATION from the OPEN check, then Idle with config-class damping', () => {
  const r = step(statesByName.OpenSent, { type: 'BGPOpen', open: peerOpen({ myAs: 65099, capabilities: [] }) }, cfg);
  assert.equal(r.state.name, 'Idle');
  assert.deepEqual(render(r.actions), ['notify:2/2', 'close', 'stop-all', 'start:idle-hold', 'down']);
  const idleHold = r.actions.find((a) => a.type === 'start-timer');
  assert.ok(idleHold?.type === 'start-timer' && idleHold.ms >= 45_000 && idleHold.ms <= 60_000, 'Bad Peer AS waits the long idle-hold');
});

test('ManualStop disables automatic restart; ManualStart re-enables it', () => {
  const stopped = step(statesByName.Established, { type: 'ManualStop' }, cfg).state;
  assert.equal(stopped.allowAutoStart, false);
  assert.deepEqual(render(step(stopped, { type: 'IdleHoldTimer_Expires' }, cfg).actions), []);
  assert.deepEqual(render(step(stopped, { type: 'AutomaticStart' }, cfg).actions), []);
  const started = step(stopped, { type: 'ManualStart' }, cfg).state;
  assert.equal(started.name, 'Connect');
  assert.equal(started.allowAutoStart, true);
});

test('passive configuration: start goes to Active, never connects, waits for the peer', () => {
  const pcfg = resolveFsmConfig({ ...cfg, passive: true });
  const r = step(initialFsmState(), { type: 'ManualStart' }, pcfg);
  assert.equal(r.state.name, 'Active');
  assert.deepEqual(render(r.actions), ['stop:idle-hold']);
  assert.deepEqual(render(step(r.state, { type: 'ConnectRetryTimer_Expires' }, pcfg).actions), []);
  const up = step(r.state, { type: 'TcpConnectionConfirmed' }, pcfg);
  assert.equal(up.state.name, 'OpenSent');
});

test('minimal-OPEN fallback: a 2/7 or 2/4 reply to our OPEN retries once without capabilities, and is remembered', () => {
  for (const subcode of [7, 4]) {
    const rejected = { type: 'NotifMsg', notification: { code: 2, subcode, data: new Uint8Array(0) } } as const;
    const r1 = step(statesByName.OpenSent, rejected, cfg);
    assert.equal(r1.state.name, 'Idle');
    assert.equal(r1.state.minimalOpen, true);
    assert.equal(r1.state.failures, 0, 'the first rejection is not a failure');
    // The retry sends the minimal OPEN.
    let s = step(r1.state, { type: 'IdleHoldTimer_Expires' }, cfg).state;
    const up = step(s, { type: 'Tcp_CR_Acked' }, cfg);
    assert.deepEqual(render(up.actions), ['stop:connect-retry', 'open-minimal', 'start:hold']);
    // Rejected again: a real (config-class) failure, and the flag stays.
    s = step(up.state, rejected, cfg).state;
    assert.equal(s.minimalOpen, true);
    assert.equal(s.failures, 1);
  }
});

test('damping counters: failures grow per fall to Idle and reset after the stable timer in Established', () => {
  let s = statesByName.Established;
  s = step(s, { type: 'HoldTimer_Expires' }, cfg).state;
  assert.equal(s.failures, 1);
  assert.equal(s.connectRetryCounter, 1);
  s = step({ ...s, name: 'Established', negotiated: statesByName.Established.negotiated }, { type: 'HoldTimer_Expires' }, cfg).state;
  assert.equal(s.failures, 2);
  const up = step({ ...s, name: 'Established', negotiated: statesByName.Established.negotiated }, { type: 'StableTimer_Expires' }, cfg);
  assert.equal(up.state.failures, 0);
  assert.equal(up.state.connectRetryCounter, 0);
});

test('NOTIFICATION received: Idle, no NOTIFICATION in reply; version error does not count as a failure', () => {
  const r = step(statesByName.Established, sampleEvents.NotifMsg, cfg);
  assert.ok(!render(r.actions).some((a) => a.startsWith('notify')));
  const down = r.actions.find((a) => a.type === 'down');
  assert.ok(down?.type === 'down' && down.reason.kind === 'notification-received' && down.reason.wasEstablished);
  assert.equal(step(statesByName.OpenSent, sampleEvents.NotifMsgVerErr, cfg).state.failures, 0);
});
