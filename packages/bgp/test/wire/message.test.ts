// decodeMessage / encodeMessage dispatch (RFC 4271 §4): every message type through framer → decode →
// encode gives back the same bytes, UPDATE included (routed to update.ts).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Framer } from '../../src/wire/framer.ts';
import { decodeMessage, encodeMessage } from '../../src/wire/message.ts';
import type { BgpMessage } from '../../src/wire/types.ts';
import { DEFAULT_DECODE_CONTEXT, DEFAULT_ENCODE_CONTEXT } from '../../src/wire/types.ts';
import { assertNotification, expectNotification, hex, toHex } from '../support/wire-fixture.ts';

const M = 'ffffffffffffffffffffffffffffffff';
const stream = [
  `${M} 001d 01 | 04 fde8 005a 0a000001 00            # OPEN AS 65000, hold 90`,
  `${M} 0013 04                                        # KEEPALIVE`,
  `${M} 0017 02 | 0000 0000                            # UPDATE: End-of-RIB IPv4 unicast`,
  `${M} 0017 05 | 0001 00 01                           # ROUTE-REFRESH IPv4 unicast`,
  `${M} 0015 03 | 06 03                                # NOTIFICATION Cease / Peer De-configured`,
];

describe('decodeMessage / encodeMessage', () => {
  test('each type decodes to its kind and re-encodes to the same bytes', () => {
    const framer = new Framer();
    framer.push(hex(stream.join('\n')));
    const kinds: string[] = [];
    const frames = framer.drain();
    assert.equal(frames.length, stream.length);
    for (const [i, frame] of frames.entries()) {
      const msg: BgpMessage = decodeMessage(frame, DEFAULT_DECODE_CONTEXT);
      kinds.push(msg.type);
      assert.equal(toHex(encodeMessage(msg, DEFAULT_ENCODE_CONTEXT)), toHex(hex(stream[i]!)));
    }
    assert.deepStrictEqual(kinds, ['open', 'keepalive', 'update', 'route-refresh', 'notification']);
  });

  test('a hand-made frame of unknown type is 1/3', () => {
    const message = hex(`${M} 0013 09`);
    const err = expectNotification(() => decodeMessage({ type: 9, length: 19, message, body: message.subarray(19) }));
    assertNotification(err, { code: 1, subcode: 3, data: '09' });
  });
});

describe('decoded values own their bytes', () => {
  test('from a Node Buffer chunk, NOTIFICATION data and unknown capabilities are copies, not views', () => {
    const chunk = Buffer.from(hex(`${M} 0017 03 | 06 02 | 01 41   ${M} 0021 01 | 04 fde8 005a 0a000001 04 02 02 8000`).buffer);
    const framer = new Framer();
    framer.push(chunk);
    const [n, o] = framer.drain().map((f) => decodeMessage(f));
    assert.ok(n?.type === 'notification' && o?.type === 'open');
    assert.notEqual(n.data.buffer, chunk.buffer);
    assert.equal(Object.getPrototypeOf(n.data), Uint8Array.prototype);
    const cap = o.capabilities[0]!;
    assert.ok(cap.kind === 'unknown');
    assert.notEqual(cap.value.buffer, chunk.buffer);
  });
});
