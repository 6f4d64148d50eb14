// The RFC 7606 corpus (fixtures/malformed-update.ts): every row is framed, decoded with decodeUpdate
// and must give exactly its expected outcome — a session reset with the row's NOTIFICATION, or the
// UPDATE with exactly the row's (approach, attribute) outcomes and the attribute discarded or kept.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DecodeContext, UpdateMessage } from '../../src/wire/types.ts';
import { decodeUpdate } from '../../src/wire/update.ts';
import { expectNotification, frameOne, hex } from '../support/wire-fixture.ts';
import { malformedUpdates } from './fixtures/malformed-update.ts';
import type { MalformedUpdateCase } from './fixtures/malformed-update.ts';

function decode(c: MalformedUpdateCase): UpdateMessage {
  const ctx: DecodeContext = {
    fourOctetAs: c.session?.fourOctetAs ?? true,
    extendedMessage: false,
    addPathReceive: new Set(c.session?.addPath ?? []),
    isIbgp: c.session?.isIbgp ?? false,
  };
  const f = frameOne(hex(c.hex));
  return decodeUpdate(f.message, 19, f.message.length, ctx);
}

describe('RFC 7606 UPDATE corpus', () => {
  test('corpus covers resets, treat-as-withdraw and attribute discard', () => {
    assert.ok(malformedUpdates.length > 60);
    const kinds = new Set(malformedUpdates.map((c) => ('reset' in c.expect ? 'reset' : c.expect.outcomes[0]?.[0] ?? 'accept')));
    assert.deepStrictEqual([...kinds].sort(), ['accept', 'attribute-discard', 'reset', 'treat-as-withdraw']);
  });
  for (const c of malformedUpdates) {
    const e = c.expect;
    const label = 'reset' in e ? `session reset ${e.reset.code}/${e.reset.subcode}` : e.outcomes.map((o) => `${o[0]} ${o[1]}`).join(', ') || 'accepted';
    test(`${c.name} → ${label} (RFC ${c.rfc})`, () => {
      if ('reset' in e) {
        const err = expectNotification(() => decode(c));
        assert.deepStrictEqual({ code: err.notifCode, subcode: err.notifSubcode }, e.reset);
        return;
      }
      const u = decode(c);
      assert.deepStrictEqual(u.outcomes.map((o) => [o.action, o.attrCode]), e.outcomes.map((o) => [...o]));
      const attrs = u.attributes as Record<string, unknown>;
      for (const k of e.absent ?? []) assert.equal(attrs[k], undefined, `${k} discarded`);
      for (const [k, v] of Object.entries(e.present ?? {})) {
        if (k === 'mpReachCount') assert.equal(u.attributes.mpReach?.nlri.length, v);
        else if (k === 'unknownCodes') assert.deepStrictEqual(u.attributes.unknown?.map((x) => x.code), v);
        else assert.deepStrictEqual(attrs[k], v, k);
      }
    });
  }
});

test('a body shorter than its two length fields (the framer normally stops it first) → 3/1', () => {
  const ctx: DecodeContext = { fourOctetAs: true, extendedMessage: false, addPathReceive: new Set(), isIbgp: false };
  for (const body of [[], [0], [0, 0, 0]]) {
    const err = expectNotification(() => decodeUpdate(Uint8Array.from(body), 0, body.length, ctx));
    assert.deepStrictEqual([err.notifCode, err.notifSubcode], [3, 1]);
  }
});
