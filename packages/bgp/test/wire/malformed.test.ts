// The malformed-message corpus for headers, OPEN, NOTIFICATION and ROUTE-REFRESH: every row goes through
// the framer and the decoder (and checkOpen for policy rows) and must produce exactly its NOTIFICATION.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Framer } from '../../src/wire/framer.ts';
import { decodeNotification } from '../../src/wire/notification.ts';
import { checkOpen } from '../../src/wire/open-check.ts';
import { decodeOpen } from '../../src/wire/open.ts';
import { decodeRouteRefresh } from '../../src/wire/route-refresh.ts';
import { assertNotification, expectNotification, hex } from '../support/wire-fixture.ts';
import { malformedHeaders } from './fixtures/malformed-header.ts';
import { acceptableOpens, malformedOpens } from './fixtures/malformed-open.ts';

/** Frames and decodes the non-UPDATE message in `bytes` (UPDATE bodies belong to update.ts). */
function decodeBytes(bytes: Uint8Array): unknown {
  const framer = new Framer();
  framer.push(bytes);
  const frame = framer.next();
  assert.ok(frame !== undefined, 'a whole message');
  switch (frame.type) {
    case 1: return decodeOpen(frame.message, 19, frame.length);
    case 3: return decodeNotification(frame.message, 19, frame.length);
    case 5: return decodeRouteRefresh(frame.message);
    default: return frame;
  }
}

describe('malformed headers and per-type lengths', () => {
  test('corpus is not empty', () => assert.ok(malformedHeaders.length >= 20));
  for (const c of malformedHeaders) {
    test(`${c.name} → ${c.code}/${c.subcode} (RFC ${c.rfc})`, () => {
      assertNotification(expectNotification(() => decodeBytes(hex(c.hex))), c);
    });
  }
});

describe('malformed and unacceptable OPENs', () => {
  test('corpus is not empty and covers every OPEN subcode vipd sends', () => {
    const seen = new Set(malformedOpens.map((c) => `${c.code}/${c.subcode}`));
    for (const k of ['2/0', '2/1', '2/2', '2/3', '2/4', '2/6', '2/7', '2/11']) assert.ok(seen.has(k), k);
  });
  for (const c of malformedOpens) {
    test(`${c.name} → ${c.code}/${c.subcode} (RFC ${c.rfc})`, () => {
      const bytes = hex(c.hex);
      if (c.policy === undefined) {
        assertNotification(expectNotification(() => decodeBytes(bytes)), c);
        return;
      }
      const open = decodeBytes(bytes) as ReturnType<typeof decodeOpen>;
      const err = checkOpen(open, c.policy);
      assert.ok(err !== undefined, 'checkOpen must reject');
      assertNotification(err, c);
    });
  }
  for (const c of acceptableOpens) {
    test(`acceptable: ${c.name}`, () => {
      const open = decodeBytes(hex(c.hex)) as ReturnType<typeof decodeOpen>;
      assert.equal(checkOpen(open, c.policy), undefined);
    });
  }
});

describe('checkOpen on a hand-built model', () => {
  test('a BGP identifier that is not a dotted quad is 2/3, not a TypeError', () => {
    const err = checkOpen({ type: 'open', version: 4, myAs: 65000, holdTimeSec: 90, bgpId: 'x', capabilities: [], otherParams: [] });
    assert.ok(err !== undefined);
    assert.deepStrictEqual([err.notifCode, err.notifSubcode], [2, 3]);
  });
});
