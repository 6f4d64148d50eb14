// BFD Control packet codec (RFC 5880 §4.1): commented golden vectors decode and re-encode byte for byte,
// fast-check round trip, and every §6.8.6 stateless check raises BfdPacketError with its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BfdPacketError, decodeBfdPacket, encodeBfdPacket, BFD_STATE_NAMES, type BfdPacket } from '../../src/bfd/packet.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex'));

const base: BfdPacket = {
  diag: 0, state: 'Down', poll: false, final: false, cpiIndependent: false, demand: false, multipoint: false, detectMult: 3,
  myDiscriminator: 1, yourDiscriminator: 0, desiredMinTxUs: 1_000_000, requiredMinRxUs: 300_000, requiredMinEchoRxUs: 0,
};

const GOLDEN: readonly { name: string; bytes: string; packet: BfdPacket }[] = [
  {
    name: 'Down, first packet (slow 1 s tx, wants 300 ms rx)',
    bytes: `20        # version 1, diag 0
            40        # state Down (01), no flags
            03        # detect mult 3
            18        # length 24
            00000001  # my discriminator 1
            00000000  # your discriminator 0
            000f4240  # desired min tx 1,000,000 us
            000493e0  # required min rx 300,000 us
            00000000  # required min echo rx 0`,
    packet: base,
  },
  {
    name: 'Up with Poll (timer change to 100 ms)',
    bytes: `20 e0 03 18   # v1 diag 0; state Up (11) + P (0x20)
            9a3c0001 0badf00d 000186a0 000186a0 00000000`,
    packet: { ...base, state: 'Up', poll: true, myDiscriminator: 0x9a3c0001, yourDiscriminator: 0x0badf00d, desiredMinTxUs: 100_000, requiredMinRxUs: 100_000 },
  },
  {
    name: 'Up with Final, C bit, detect mult 5',
    bytes: `20 d8 05 18   # state Up + F (0x10) + C (0x08)
            00000002 00000003 000493e0 000493e0 00000000`,
    packet: { ...base, state: 'Up', final: true, cpiIndependent: true, detectMult: 5, myDiscriminator: 2, yourDiscriminator: 3, desiredMinTxUs: 300_000 },
  },
  {
    name: 'Down, diag 1 (control detection time expired)',
    bytes: `21 40 03 18 00000007 00000000 000f4240 000493e0 00000000`,
    packet: { ...base, diag: 1, myDiscriminator: 7 },
  },
  {
    name: 'AdminDown, diag 7',
    bytes: `27 00 03 18 00000007 00000009 000f4240 000493e0 00000000`,
    packet: { ...base, diag: 7, state: 'AdminDown', myDiscriminator: 7, yourDiscriminator: 9 },
  },
  {
    name: 'simple password authentication section (§4.2: type 1, len 7, key id 1, "abcd")',
    bytes: `20 44 03 1f   # state Down + A (0x04), length 31
            00000001 00000000 000f4240 000493e0 00000000
            01 07 01 61626364`,
    packet: { ...base, auth: { type: 1, data: Uint8Array.from([1, 0x61, 0x62, 0x63, 0x64]) } },
  },
];

test('golden vectors decode and re-encode byte for byte', () => {
  assert.ok(GOLDEN.length > 0);
  for (const g of GOLDEN) {
    const bytes = hex(g.bytes);
    assert.deepEqual(decodeBfdPacket(bytes), g.packet, g.name);
    assert.deepEqual(encodeBfdPacket(g.packet), bytes, g.name);
  }
});

const MALFORMED: readonly { name: string; bytes: string; reason: BfdPacketError['reason'] }[] = [
  { name: 'too short', bytes: '20 40 03 18 00000001', reason: 'short' },
  { name: 'version 0', bytes: '00 40 03 18 00000001 00000000 000f4240 000493e0 00000000', reason: 'version' },
  { name: 'version 2', bytes: '40 40 03 18 00000001 00000000 000f4240 000493e0 00000000', reason: 'version' },
  { name: 'length 23', bytes: '20 40 03 17 00000001 00000000 000f4240 000493e0 00000000', reason: 'length' },
  { name: 'length beyond payload', bytes: '20 40 03 20 00000001 00000000 000f4240 000493e0 00000000', reason: 'length' },
  { name: 'A bit with length 24', bytes: '20 44 03 18 00000001 00000000 000f4240 000493e0 00000000', reason: 'length' },
  { name: 'detect mult 0', bytes: '20 40 00 18 00000001 00000000 000f4240 000493e0 00000000', reason: 'detect-mult' },
  { name: 'multipoint', bytes: '20 41 03 18 00000001 00000000 000f4240 000493e0 00000000', reason: 'multipoint' },
  { name: 'my discriminator 0', bytes: '20 40 03 18 00000000 00000000 000f4240 000493e0 00000000', reason: 'my-discriminator' },
  { name: 'auth len past length', bytes: '20 44 03 1a 00000001 00000000 000f4240 000493e0 00000000 01 09', reason: 'auth-length' },
];

test('malformed packets raise BfdPacketError with the RFC 5880 §6.8.6 reason', () => {
  assert.ok(MALFORMED.length > 0);
  for (const m of MALFORMED) {
    assert.throws(() => decodeBfdPacket(hex(m.bytes)), (e: unknown) => e instanceof BfdPacketError && e.code === 'ERR_BFD_PACKET' && e.reason === m.reason, m.name);
  }
});

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const arbPacket: fc.Arbitrary<BfdPacket> = fc.record({
  diag: fc.integer({ min: 0, max: 31 }),
  state: fc.constantFrom(...BFD_STATE_NAMES),
  poll: fc.boolean(), final: fc.boolean(), cpiIndependent: fc.boolean(), demand: fc.boolean(),
  multipoint: fc.constant(false),
  detectMult: fc.integer({ min: 1, max: 255 }),
  myDiscriminator: fc.integer({ min: 1, max: 0xffffffff }),
  yourDiscriminator: u32, desiredMinTxUs: u32, requiredMinRxUs: u32, requiredMinEchoRxUs: u32,
  auth: fc.option(fc.record({ type: fc.integer({ min: 1, max: 5 }), data: fc.uint8Array({ maxLength: 28 }) }), { nil: undefined }),
}).map(({ auth, ...rest }) => (auth === undefined ? { ...rest } : { ...rest, auth: { type: auth.type, data: auth.data } }));

test('decode(encode(p)) = p for any valid packet', () => {
  fc.assert(fc.property(arbPacket, (p) => {
    assert.deepEqual(decodeBfdPacket(encodeBfdPacket(p)), p);
  }), { numRuns: 500 });
});

test('random and mutated bytes yield a packet or a BfdPacketError, nothing else', () => {
  const mutated = arbPacket.chain((p) => {
    const b = encodeBfdPacket(p);
    return fc.tuple(fc.integer({ min: 0, max: b.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: b.length })).map(([i, v, cut]) => {
      const c = b.slice(0, cut);
      if (i < c.length) c[i] = v;
      return c;
    });
  });
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => {
    try {
      decodeBfdPacket(bytes);
    } catch (e) {
      assert.ok(e instanceof BfdPacketError);
    }
  }), { numRuns: 1000 });
});
