// NOTIFICATION golden vectors (RFC 4271 §4.5) and the RFC 8203 / RFC 9003 shutdown communication.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeNotification, encodeNotification, makeNotification } from '../../src/wire/notification.ts';
import type { NotificationMessage } from '../../src/wire/types.ts';
import { defineWireCases, frameOne } from '../support/wire-fixture.ts';

const codec = {
  decode(bytes: Uint8Array): NotificationMessage {
    const f = frameOne(bytes);
    assert.equal(f.type, 3);
    return decodeNotification(f.message, 19, f.length);
  },
  encode: encodeNotification,
};

const te = (s: string) => new TextEncoder().encode(s);

const cases = [
  {
    name: 'Cease / Administrative Shutdown with a message',
    hex: `ffffffffffffffffffffffffffffffff 0021 03 # header, length 33, NOTIFICATION
          06 02                                   # Cease, Administrative Shutdown
          0b 6d61696e74656e616e6365               # length 11, "maintenance"`,
    message: { type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(11, ...te('maintenance')), shutdownMessage: 'maintenance' },
  },
  {
    name: 'Cease / Administrative Reset with a UTF-8 message',
    hex: `ffffffffffffffffffffffffffffffff 001d 03 # length 29
          06 04                                   # Cease, Administrative Reset
          07 72c3a9696e6974                       # length 7, "réinit" (é is c3 a9)`,
    message: { type: 'notification', code: 6, subcode: 4, data: Uint8Array.of(7, ...te('réinit')), shutdownMessage: 'réinit' },
  },
  {
    name: 'Cease / Administrative Shutdown, invalid UTF-8: data kept, no message',
    hex: `ffffffffffffffffffffffffffffffff 0018 03 # length 24
          06 02 | 02 fffe                         # length 2, bytes that are not UTF-8`,
    message: { type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(2, 0xff, 0xfe) },
  },
  {
    name: 'Cease / Administrative Shutdown, length beyond data: no message',
    hex: `ffffffffffffffffffffffffffffffff 0018 03 | 06 02 | 09 4142 # claims 9 bytes, has 2`,
    message: { type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(9, 0x41, 0x42) },
  },
  {
    name: 'Cease / Administrative Shutdown, empty communication',
    hex: `ffffffffffffffffffffffffffffffff 0016 03 | 06 02 | 00 # length 0: no message`,
    message: { type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(0) },
  },
  {
    name: 'Hold Timer Expired, no data',
    hex: `ffffffffffffffffffffffffffffffff 0015 03 | 04 00`,
    message: { type: 'notification', code: 4, subcode: 0, data: new Uint8Array(0) },
  },
  {
    name: 'Header error / Bad Message Length with the length as data',
    hex: `ffffffffffffffffffffffffffffffff 0017 03 | 01 02 | 1001 # length 4097 was bad`,
    message: { type: 'notification', code: 1, subcode: 2, data: Uint8Array.of(0x10, 0x01) },
  },
  {
    name: 'OPEN error / Unsupported Version Number, largest supported 4',
    hex: `ffffffffffffffffffffffffffffffff 0017 03 | 02 01 | 0004`,
    message: { type: 'notification', code: 2, subcode: 1, data: Uint8Array.of(0, 4) },
  },
  {
    name: 'Cease / Maximum Number of Prefixes: AFI, SAFI, limit',
    hex: `ffffffffffffffffffffffffffffffff 001c 03 | 06 01 | 0001 01 000003e8 # IPv4 unicast, 1000`,
    message: { type: 'notification', code: 6, subcode: 1, data: Uint8Array.of(0, 1, 1, 0, 0, 3, 0xe8) },
  },
  {
    name: 'Cease / Hard Reset (RFC 8538)',
    hex: `ffffffffffffffffffffffffffffffff 0015 03 | 06 09`,
    message: { type: 'notification', code: 6, subcode: 9, data: new Uint8Array(0) },
  },
] as const satisfies readonly { name: string; hex: string; message: NotificationMessage }[];

describe('NOTIFICATION golden vectors', () => {
  const n = defineWireCases(codec, cases);
  test('count', () => assert.ok(n > 0));
});

describe('shutdown communication encoding', () => {
  test('makeNotification builds the RFC 9003 data from a message', () => {
    const m = makeNotification(6, 2, undefined, 'drain');
    assert.deepStrictEqual(m, { type: 'notification', code: 6, subcode: 2, data: Uint8Array.of(5, ...te('drain')), shutdownMessage: 'drain' });
    assert.deepStrictEqual(codec.decode(encodeNotification(m)), m);
  });
  test('a 255-byte message is the longest allowed', () => {
    const long = 'é'.repeat(127) + 'x';
    assert.equal(te(long).length, 255);
    assert.equal(codec.decode(encodeNotification(makeNotification(6, 4, undefined, long))).shutdownMessage, long);
    assert.throws(() => makeNotification(6, 4, undefined, long + 'y'), (e: unknown) => (e as { code?: string }).code === 'ERR_BGP_ENCODE');
  });
  test('other subcodes never carry a shutdown message', () => {
    const m = codec.decode(encodeNotification({ code: 6, subcode: 3, data: Uint8Array.of(2, 0x61, 0x62) }));
    assert.equal(m.shutdownMessage, undefined);
  });
  test('encode from shutdownMessage with empty data', () => {
    const bytes = encodeNotification({ code: 6, subcode: 2, data: new Uint8Array(0), shutdownMessage: 'hi' });
    assert.equal(codec.decode(bytes).shutdownMessage, 'hi');
  });
});
