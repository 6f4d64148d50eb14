import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familyOf, ipText, ipValue, isBuggyLooking, IpamRangeError, parsePoolRange, rangeSize, usableInRange } from '../../src/ipam/ranges.ts';

test('pool ranges: CIDRs, first-last ranges and single addresses of both families', () => {
  const cases: [string, string, bigint][] = [
    ['10.0.0.0/24', 'ipv4', 256n],
    ['10.0.0.10-10.0.0.20', 'ipv4', 11n],
    ['10.0.0.7', 'ipv4', 1n],
    ['2001:db8::/120', 'ipv6', 256n],
    ['2001:db8::10 - 2001:db8::1f', 'ipv6', 16n],
    ['2001:db8::/64', 'ipv6', 1n << 64n],
  ];
  for (const [text, family, size] of cases) {
    const r = parsePoolRange(text);
    assert.equal(r.family, family, text);
    assert.equal(rangeSize(r), size, text);
  }
  for (const bad of ['10.0.0.1/24', '10.0.0.0/33', '10.0.0.9-10.0.0.1', '10.0.0.1-2001:db8::1', 'pool']) {
    assert.throws(() => parsePoolRange(bad), (e: unknown) => e instanceof IpamRangeError && e.code === 'ERR_IPAM_RANGE', bad);
  }
});

test('Kubernetes family names and canonical text', () => {
  assert.equal(familyOf('10.1.2.3'), 'IPv4');
  assert.equal(familyOf('2001:DB8::1'), 'IPv6');
  assert.equal(familyOf('nope'), undefined);
  assert.equal(ipText('IPv6', ipValue('2001:DB8:0:0:0:0:0:1')!), '2001:db8::1');
});

test('.0/.255 avoidance, counted arithmetically', () => {
  assert.equal(isBuggyLooking('ipv4', ipValue('10.0.1.0')!), true);
  assert.equal(isBuggyLooking('ipv4', ipValue('10.0.1.255')!), true);
  assert.equal(isBuggyLooking('ipv4', ipValue('10.0.1.1')!), false);
  assert.equal(isBuggyLooking('ipv6', ipValue('2001:db8::ff')!), false);
  assert.equal(usableInRange(parsePoolRange('10.0.0.0/16'), true), 65536n - 512n);
  assert.equal(usableInRange(parsePoolRange('10.0.0.254-10.0.1.1'), true), 2n);
  assert.equal(usableInRange(parsePoolRange('0.0.0.0/24'), true), 254n);
  assert.equal(usableInRange(parsePoolRange('2001:db8::/120'), true), 256n);
});
