import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bigIntToIp, canonicalIp, ipToBigInt, isBuggyLooking, IpamRangeError, parseRange, rangeSize, rangesOverlap } from '../../src/ipam/ranges.ts';

test('parses CIDRs, ranges and single addresses of both families', () => {
  const cases: [string, string, bigint][] = [
    ['10.0.0.0/24', 'IPv4', 256n],
    ['10.0.0.10-10.0.0.20', 'IPv4', 11n],
    ['10.0.0.7', 'IPv4', 1n],
    ['2001:db8::/120', 'IPv6', 256n],
    ['2001:db8::10 - 2001:db8::1f', 'IPv6', 16n],
    ['2001:db8::/64', 'IPv6', 1n << 64n],
  ];
  for (const [text, family, size] of cases) {
    const r = parseRange(text);
    assert.equal(r.family, family, text);
    assert.equal(rangeSize(r), size, text);
  }
});

test('rejects malformed ranges with a typed error', () => {
  for (const bad of ['10.0.0.1/24', '10.0.0.0/33', '10.0.0.9-10.0.0.1', '10.0.0.1-2001:db8::1', 'pool', '2001:db8::/129', '10.0.0.0/abc']) {
    assert.throws(() => parseRange(bad), (e: unknown) => e instanceof IpamRangeError && e.code === 'ERR_IPAM_RANGE', bad);
  }
});

test('IPv6 text round-trips in RFC 5952 form', () => {
  for (const [input, canon] of [
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['fe80::1:2', 'fe80::1:2'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ] as const) {
    assert.equal(canonicalIp(input), canon, input);
    assert.equal(bigIntToIp(ipToBigInt(canon), 'IPv6'), canon);
  }
  assert.equal(canonicalIp('10.1.2.3'), '10.1.2.3');
  assert.equal(canonicalIp('nope'), undefined);
});

test('overlap and .0/.255 detection', () => {
  assert.equal(rangesOverlap(parseRange('10.0.0.0/24'), parseRange('10.0.0.255-10.0.1.5')), true);
  assert.equal(rangesOverlap(parseRange('10.0.0.0/24'), parseRange('10.0.1.0/24')), false);
  assert.equal(rangesOverlap(parseRange('10.0.0.0/24'), parseRange('::/0')), false);
  assert.equal(isBuggyLooking('IPv4', ipToBigInt('10.0.1.0')), true);
  assert.equal(isBuggyLooking('IPv4', ipToBigInt('10.0.1.255')), true);
  assert.equal(isBuggyLooking('IPv4', ipToBigInt('10.0.1.1')), false);
  assert.equal(isBuggyLooking('IPv6', ipToBigInt('2001:db8::ff')), false);
});
