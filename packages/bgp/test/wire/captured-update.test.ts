// Real routers' UPDATEs (packages/bgp/test/fixtures/captured/*.json, captured with tcpdump from BIRD,
// FRR, GoBGP and ExaBGP sessions by e2e/tools/capture-fixtures.ts): every one decodes with the
// session context taken from the same scenario's OPENs, carries no RFC 7606 outcome, and re-encodes
// to its own bytes up to cosmetic differences (attribute order, Extended Length on short values),
// which are checked independently of the codec by re-serialising the raw attribute TLVs.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeOpen } from '../../src/wire/open.ts';
import type { Capability, DecodeContext, EncodeContext, OpenMessage } from '../../src/wire/types.ts';
import { decodeUpdate, encodeUpdate } from '../../src/wire/update.ts';
import { hex, toHex } from '../support/wire-fixture.ts';

interface Captured {
  readonly file: string;
  readonly source: string;
  readonly direction: string;
  readonly scenario: string;
  readonly hex: string;
}

const DIR = join(import.meta.dirname, '../fixtures/captured');
const fixtures: Captured[] = existsSync(DIR)
  ? readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({ file: f, ...(JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Omit<Captured, 'file'>) }))
  : [];

const typeOf = (c: Captured) => hex(c.hex)[18];
/** "bird → frr (…)" → "bird". */
const sender = (c: Captured) => c.direction.split(' ')[0]!;

/** "bird → frr (10.0.0.1:179 → 10.0.0.2:4000)" → ["10.0.0.1:179", "10.0.0.2:4000"]. */
function flowOf(c: Captured): [string, string] | undefined {
  const m = /\(([^ ]+) → ([^ )]+)\)/.exec(c.direction);
  return m === null ? undefined : [m[1]!, m[2]!];
}

function openOf(c: Captured): OpenMessage {
  const b = hex(c.hex);
  return decodeOpen(b, 19, b.length);
}

/**
 * The OPENs of the session an UPDATE was sent on: matched by TCP flow (the sender's OPEN on the same
 * flow, the receiver's on the reverse flow); an OPEN missing because identical bytes were kept under
 * another fixture falls back to the same router's OPEN in the scenario.
 */
function opensFor(c: Captured): { from?: OpenMessage; to?: OpenMessage } {
  const opens = fixtures.filter((o) => o.scenario === c.scenario && typeOf(o) === 1);
  const flow = flowOf(c);
  const same = (o: Captured, a: string, b: string) => {
    const f = flowOf(o);
    return f !== undefined && f[0] === a && f[1] === b;
  };
  let from = flow && opens.find((o) => same(o, flow[0], flow[1]));
  let to = flow && opens.find((o) => same(o, flow[1], flow[0]));
  from ??= opens.find((o) => sender(o) === sender(c));
  to ??= opens.find((o) => sender(o) !== sender(c));
  return { from: from && openOf(from), to: to && openOf(to) };
}

const caps = (o: OpenMessage | undefined) => o?.capabilities ?? [];
const has = (o: OpenMessage | undefined, kind: Capability['kind']) => caps(o).some((c) => c.kind === kind);
const asOf = (o: OpenMessage | undefined) => {
  const four = caps(o).find((c) => c.kind === 'four-octet-as');
  return four !== undefined && four.kind === 'four-octet-as' ? four.asn : o?.myAs;
};

/** The negotiated state for UPDATEs sent by `from` in `scenario` (RFC 6793 §4, RFC 8654, RFC 7911 §4). */
function contexts(c: Captured): { d: DecodeContext; e: EncodeContext; known: boolean } {
  const { from, to } = opensFor(c);
  const known = from !== undefined && to !== undefined;
  const fourOctetAs = known ? has(from, 'four-octet-as') && has(to, 'four-octet-as') : true;
  const extendedMessage = known && has(from, 'extended-message') && has(to, 'extended-message');
  const addPath = new Set<string>();
  if (known) {
    for (const cap of caps(from)) {
      if (cap.kind !== 'add-path') continue;
      for (const e of cap.entries) {
        const peer = caps(to).find((x) => x.kind === 'add-path');
        const peerEntry = peer?.kind === 'add-path' ? peer.entries.find((x) => x.afi === e.afi && x.safi === e.safi) : undefined;
        if ((e.sendReceive & 2) !== 0 && peerEntry !== undefined && (peerEntry.sendReceive & 1) !== 0) addPath.add(`${e.afi}/${e.safi}`);
      }
    }
  }
  const isIbgp = known && asOf(from) === asOf(to);
  return {
    d: { fourOctetAs, extendedMessage, addPathReceive: addPath, isIbgp },
    e: { fourOctetAs, extendedMessage, addPathSend: addPath },
    known,
  };
}

/** Independent canonical form: attribute TLVs re-serialised MP_REACH, MP_UNREACH, then by type code,
 *  each with the shortest length field. Withdrawn routes and NLRI are kept as they are. */
function canonicalBytes(msg: Uint8Array): string {
  const body = msg.subarray(19);
  const wLen = (body[0]! << 8) | body[1]!;
  const aLen = (body[2 + wLen]! << 8) | body[3 + wLen]!;
  const attrs = body.subarray(4 + wLen, 4 + wLen + aLen);
  const tlvs: { flags: number; code: number; value: Uint8Array }[] = [];
  for (let o = 0; o < attrs.length; ) {
    const ext = (attrs[o]! & 0x10) !== 0;
    const len = ext ? (attrs[o + 2]! << 8) | attrs[o + 3]! : attrs[o + 2]!;
    const h = ext ? 4 : 3;
    tlvs.push({ flags: attrs[o]! & ~0x10, code: attrs[o + 1]!, value: attrs.subarray(o + h, o + h + len) });
    o += h + len;
  }
  const rank = (code: number) => (code === 14 ? -2 : code === 15 ? -1 : code);
  tlvs.sort((a, b) => rank(a.code) - rank(b.code));
  const parts: number[] = [];
  for (const t of tlvs) {
    if (t.value.length > 255) parts.push(t.flags | 0x10, t.code, t.value.length >> 8, t.value.length & 0xff, ...t.value);
    else parts.push(t.flags, t.code, t.value.length, ...t.value);
  }
  const out = [...body.subarray(0, 2 + wLen), parts.length >> 8, parts.length & 0xff, ...parts, ...body.subarray(4 + wLen + aLen)];
  const len = 19 + out.length;
  return toHex(Uint8Array.from([...msg.subarray(0, 16), len >> 8, len & 0xff, 2, ...out]));
}

const updates = fixtures.filter((c) => typeOf(c) === 2);

describe('captured UPDATEs from real routers', { skip: fixtures.length === 0 ? 'no captured fixtures yet (run e2e/tools/capture-fixtures.ts)' : false }, () => {
  test('there are captured UPDATEs from several implementations', () => {
    assert.ok(updates.length > 0);
    const senders = new Set(updates.map(sender));
    assert.ok(senders.size >= 2, `senders: ${[...senders].join(', ')}`);
  });
  let exact = 0;
  for (const c of updates) {
    test(`${c.file}: decodes cleanly and round-trips (${c.source})`, () => {
      const { d, e, known } = contexts(c);
      assert.ok(known, 'both OPENs of the session are among the fixtures (negotiated context known)');
      const bytes = hex(c.hex);
      const u = decodeUpdate(bytes, 19, bytes.length, d);
      assert.deepStrictEqual(u.outcomes, [], 'a real router sent a clean UPDATE');
      const again = encodeUpdate(u, e);
      assert.deepStrictEqual(decodeUpdate(again, 19, again.length, d), u, 'semantic round-trip');
      if (toHex(again) === toHex(bytes)) exact++;
      else assert.equal(toHex(again), canonicalBytes(bytes), 'differs from the capture only in attribute order / length form');
    });
  }
  test('captured UPDATEs re-encode byte for byte, or differ only cosmetically', (t) => {
    t.diagnostic(`${exact} of ${updates.length} captured UPDATEs re-encode byte for byte`);
    assert.ok(exact > 0, 'at least one capture re-encodes byte for byte');
  });
});
