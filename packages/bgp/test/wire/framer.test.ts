// Framer (RFC 4271 §4.1 / §6.1, RFC 8654): every split of a multi-message stream yields the same
// messages; whole messages come out as views of the pushed chunk; the header is checked before the body
// is buffered; the maximum switches at run time.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Framer } from '../../src/wire/framer.ts';
import { encodeKeepalive } from '../../src/wire/keepalive.ts';
import { encodeNotification, makeNotification } from '../../src/wire/notification.ts';
import { encodeOpen } from '../../src/wire/open.ts';
import { encodeRouteRefresh } from '../../src/wire/route-refresh.ts';
import { assertNotification, expectNotification, hex, toHex } from '../support/wire-fixture.ts';

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A raw UPDATE-typed frame of `length` bytes (the framer does not look inside bodies). */
function rawUpdate(length: number, fill: number): Uint8Array {
  const b = new Uint8Array(length).fill(fill);
  b.fill(0xff, 0, 16);
  b[16] = length >>> 8;
  b[17] = length & 0xff;
  b[18] = 2;
  return b;
}

const messages = [
  encodeOpen({
    version: 4, myAs: 65001, holdTimeSec: 9, bgpId: '10.0.0.2', otherParams: [],
    capabilities: [{ kind: 'multiprotocol', afi: 2, safi: 1 }, { kind: 'unknown', code: 200, value: new Uint8Array(300 % 256).fill(7) }],
  }),
  encodeKeepalive(),
  rawUpdate(23, 0),
  rawUpdate(600, 0x5a),
  encodeRouteRefresh({ afi: 2, subtype: 1, safi: 1 }),
  encodeKeepalive(),
  encodeNotification(makeNotification(6, 2, undefined, 'bye')),
];
const stream = concat(messages);
const expected = messages.map(toHex);

function run(chunks: readonly Uint8Array[]): string[] {
  const f = new Framer();
  const out: string[] = [];
  for (const c of chunks) {
    f.push(c);
    for (const frame of f.drain()) {
      assert.equal(frame.length, frame.message.length);
      assert.equal(frame.type, frame.message[18]);
      assert.equal(toHex(frame.body), toHex(frame.message.subarray(19)));
      out.push(toHex(frame.message));
    }
  }
  assert.equal(f.bufferedBytes, 0);
  return out;
}

describe('framer splits', () => {
  test('the whole stream in one chunk', () => assert.deepStrictEqual(run([stream]), expected));

  test('every split offset into two chunks', () => {
    for (let i = 0; i <= stream.length; i++) {
      assert.deepStrictEqual(run([stream.subarray(0, i), stream.subarray(i)]), expected, `split at ${i}`);
    }
  });

  test('every pair of split offsets around the header region of each message', () => {
    let checked = 0;
    let off = 0;
    for (const m of messages) {
      for (let a = off; a < off + 22 && a <= stream.length; a++) {
        for (let b = a; b < a + 24 && b <= stream.length; b++) {
          assert.deepStrictEqual(run([stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]), expected, `${a}/${b}`);
          checked++;
        }
      }
      off += m.length;
    }
    assert.ok(checked > 500);
  });

  test('one byte at a time', () => {
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    assert.deepStrictEqual(run(chunks), expected);
  });

  test('coalesced: two streams back to back, cut in odd places', () => {
    const twice = concat([stream, stream]);
    for (const size of [7, 19, 20, 64, 333, 1000]) {
      const chunks = [];
      for (let i = 0; i < twice.length; i += size) chunks.push(twice.subarray(i, i + size));
      assert.deepStrictEqual(run(chunks), [...expected, ...expected], `chunk size ${size}`);
    }
  });

  test('whole messages in a chunk are views of it (no copy)', () => {
    const f = new Framer();
    f.push(stream);
    for (const frame of f.drain()) assert.equal(frame.message.buffer, stream.buffer);
  });

  test('pull API: next() returns one frame at a time and undefined when it needs more', () => {
    const f = new Framer();
    f.push(stream.subarray(0, messages[0]!.length + 5));
    assert.equal(toHex(f.next()!.message), expected[0]);
    assert.equal(f.next(), undefined);
    assert.equal(f.bufferedBytes, 5);
  });
});

describe('framer checks the header before buffering', () => {
  test('an oversized length fails on the 19th byte, with nothing buffered beyond the header', () => {
    const f = new Framer();
    const h = hex('ffffffffffffffffffffffffffffffff 1001 02');
    f.push(h.subarray(0, 18));
    assert.equal(f.next(), undefined);
    assert.equal(f.bufferedBytes, 18);
    f.push(h.subarray(18));
    assertNotification(expectNotification(() => f.next()), { code: 1, subcode: 2, data: '1001' });
  });

  test('a failed framer stays failed and rethrows the same error', () => {
    const f = new Framer();
    f.push(hex('00ffffffffffffffffffffffffffffff 0013 04'));
    const e1 = expectNotification(() => f.next());
    f.push(encodeKeepalive());
    assert.equal(expectNotification(() => f.next()), e1);
  });

  test('a message straddling chunks is assembled in a buffer of exactly its length', () => {
    const f = new Framer();
    const m = rawUpdate(4096, 1);
    f.push(m.subarray(0, 100));
    assert.equal(f.next(), undefined);
    f.push(m.subarray(100));
    const frame = f.next()!;
    assert.equal(frame.message.buffer.byteLength, 4096);
  });
});

describe('framer maximum length (RFC 8654)', () => {
  test('4097 bytes is rejected by default and accepted with extended messages', () => {
    const m = rawUpdate(4097, 3);
    const f = new Framer();
    f.push(m);
    assertNotification(expectNotification(() => f.next()), { code: 1, subcode: 2, data: '1001' });
    const g = new Framer({ extendedMessage: true });
    g.push(m);
    assert.equal(g.next()!.length, 4097);
    assert.equal(g.maxMessageLength, 65535);
  });

  test('switching after the OPEN applies to the next frame cut from the same chunk', () => {
    const f = new Framer();
    f.push(concat([messages[0]!, rawUpdate(65535, 9)]));
    assert.equal(f.next()!.type, 1);
    f.setExtendedMessage(true);
    assert.equal(f.next()!.length, 65535);
  });
});
