// IP text helpers: strict parsing (typed errors, host bits), canonical keys (RFC 5952), the IPv4
// fast path agreeing with the general parser, and prefixFromKey round trips.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IpParseError, fillPrefixFromKey, formatIpv6, parseIpPrefix, parseIpv6Bytes, prefixFromKey } from '../src/ip.ts';

test('canonical keys', () => {
  const cases: [string, string][] = [
    ['192.0.2.1', '192.0.2.1/32'],
    ['192.0.2.1/32', '192.0.2.1/32'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8::1', '2001:db8::1/128'],
    ['2001:db8:0:0:0:0:0:1/128', '2001:db8::1/128'],
    ['2001:db8::/32', '2001:db8::/32'],
    ['::ffff:192.0.2.1/128', '::ffff:c000:201/128'],
    ['fd00:0:0:1::2/128', 'fd00:0:0:1::2/128'],
  ];
  for (const [text, key] of cases) assert.equal(parseIpPrefix(text).key, key, text);
});

test('bad input is a typed error', () => {
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4/33', '1.2.3.4/', '1.2.3.4/x', '1.2.3.4/24', ' 1.2.3.4', '1:2', 'fe80::1%eth0', '2001:db8::/129', '2001:db8::1/64']) {
    assert.throws(() => parseIpPrefix(bad), (e: unknown) => e instanceof IpParseError && e.code === 'ERR_BAD_IP', bad);
  }
  assert.equal(parseIpPrefix('192.0.2.1/24', true).key, '192.0.2.0/24');
});

test('IPv4 fast path and prefixFromKey agree with the bytes', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (word, len) => {
      const masked = len === 0 ? 0 : (word & (0xffffffff << (32 - len))) >>> 0;
      const text = `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${len}`;
      const p = parseIpPrefix(text);
      assert.equal(p.key, text);
      assert.equal(p.length, len);
      const k = prefixFromKey(p.key);
      assert.deepEqual([...k.addr], [...p.addr]);
      assert.equal(k.length, len);
    }),
  );
});

test('IPv6 format/parse round trip (RFC 5952)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      assert.deepEqual([...parseIpv6Bytes(formatIpv6(b))], [...b]);
    }),
  );
  assert.equal(formatIpv6(parseIpv6Bytes('2001:0:0:1:0:0:0:1')), '2001:0:0:1::1');
  const k = prefixFromKey('2001:db8::1/128');
  assert.equal(k.afi, 2);
  assert.equal(k.length, 128);
});

test('fillPrefixFromKey reuses one buffer for IPv4 and IPv6 keys', () => {
  const out = { afi: 1 as 1 | 2, length: 0, addr: new Uint8Array(16) };
  fillPrefixFromKey('2001:db8::1/128', out);
  assert.equal(out.afi, 2);
  assert.equal(out.addr[15], 1);
  fillPrefixFromKey('192.0.2.7/32', out);
  assert.deepEqual([out.afi, out.length, ...out.addr.subarray(0, 4)], [1, 32, 192, 0, 2, 7]);
  fillPrefixFromKey('10.0.0.0/8', out);
  assert.deepEqual([out.length, out.addr[0]], [8, 10]);
});
