// KEEPALIVE golden vector (RFC 4271 §4.4): the header alone, 19 bytes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeKeepalive, encodeKeepalive } from '../../src/wire/keepalive.ts';
import type { KeepaliveMessage } from '../../src/wire/types.ts';
import { defineWireCases, frameOne } from '../support/wire-fixture.ts';

const codec = {
  decode(bytes: Uint8Array): KeepaliveMessage {
    const f = frameOne(bytes);
    assert.equal(f.type, 4);
    assert.equal(f.body.length, 0);
    return decodeKeepalive();
  },
  encode: () => encodeKeepalive(),
};

describe('KEEPALIVE golden vector', () => {
  const n = defineWireCases(codec, [
    { name: 'KEEPALIVE', hex: 'ffffffffffffffffffffffffffffffff # marker\n 0013 # length 19\n 04 # type KEEPALIVE', message: { type: 'keepalive' } },
  ]);
  test('count', () => assert.equal(n, 1));
  test('each encode is a fresh buffer', () => {
    const a = encodeKeepalive();
    a[0] = 0;
    assert.equal(encodeKeepalive()[0], 0xff);
  });
});
