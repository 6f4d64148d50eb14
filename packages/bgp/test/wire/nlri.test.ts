// NLRI prefixes (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3, RFC 7606 §5.3) and their text forms
// (RFC 4291 §2.2 in, RFC 5952 §4 out).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BgpNotificationError } from '../../src/wire/errors.ts';
import { decodePrefixes, formatIpv6, formatPrefix, parsePrefix, prefixEquals, PrefixParseError, writePrefix } from '../../src/wire/nlri.ts';
import type { Prefix } from '../../src/wire/types.ts';
import { hex, toHex } from '../support/wire-fixture.ts';

function decode(h: string, afi: 1 | 2, addPath = false): Prefix[] {
  const b = hex(h);
  const out: Prefix[] = [];
  decodePrefixes(b, 0, b.length, afi, addPath, out);
  return out;
}

function encode(list: Prefix[], addPath = false): string {
  const buf = new Uint8Array(1000);
  let pos = 0;
  for (const p of list) pos = writePrefix(buf, pos, p, addPath);
  return toHex(buf.subarray(0, pos));
}

describe('prefix wire form', () => {
  const cases: [string, string][] = [
    ['0.0.0.0/0', '00'],
    ['10.0.0.0/8', '080a'],
    ['10.128.0.0/9', '090a80'],
    ['192.0.2.0/24', '18c00002'],
    ['192.0.2.1/32', '20c0000201'],
    ['::/0', '00'],
    ['2001:db8::/32', '2020010db8'],
    ['2001:db8:8000::/33', '2120010db880'],
    ['2001:db8::1/128', '8020010db8000000000000000000000001'],
  ];
  for (const [text, wire] of cases) {
    test(`${text} ⇄ ${wire}`, () => {
      const pfx = parsePrefix(text);
      assert.equal(encode([pfx]), wire);
      assert.deepStrictEqual(decode(wire, pfx.afi), [pfx]);
      assert.equal(formatPrefix(decode(wire, pfx.afi)[0]!), text);
    });
  }
  test('trailing bits after the length are ignored on decode and zero on encode (RFC 4271 §4.3)', () => {
    const [pfx] = decode('09 0aff', 1);
    assert.equal(formatPrefix(pfx!), '10.128.0.0/9');
    assert.equal(encode([{ afi: 1, length: 9, addr: Uint8Array.of(10, 0xff, 0xff, 0xff) }]), '090a80');
  });
  test('add-path: a 4-octet path identifier before each prefix (RFC 7911 §3)', () => {
    const list = decode('00000001 20 0a000001 ffffffff 18 0a0001', 1, true);
    assert.deepStrictEqual(list.map((x) => [formatPrefix(x), x.pathId]), [['10.0.0.1/32', 1], ['10.0.1.0/24', 0xffffffff]]);
    assert.equal(encode(list, true), '00000001200a000001ffffffff180a0001');
  });
  const bad: [string, string, 1 | 2, boolean][] = [
    ['IPv4 length 33', '21 0a000000 00', 1, false],
    ['IPv6 length 129', '81' + '00'.repeat(17), 2, false],
    ['prefix overruns the field', '18 0a00', 1, false],
    ['length octet missing after a path id', '00000001', 1, true],
    ['path id truncated', '000000', 1, true],
  ];
  for (const [name, h, afi, ap] of bad) {
    test(`syntactically incorrect (RFC 7606 §5.3): ${name} → 3/10`, () => {
      assert.throws(() => decode(h, afi, ap), (e: unknown) => e instanceof BgpNotificationError && e.notifCode === 3 && e.notifSubcode === 10);
    });
  }
});

describe('prefix text', () => {
  test('RFC 5952 canonical IPv6 text', () => {
    const f = (s: string) => formatIpv6(parsePrefix(s).addr);
    assert.equal(f('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(f('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(f('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(f('::'), '::');
    assert.equal(f('::1'), '::1');
    assert.equal(f('fe80::'), 'fe80::');
    assert.equal(f('::ffff:192.0.2.1'), '::ffff:192.0.2.1'); // RFC 5952 §5
    assert.equal(f('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
    assert.equal(f('1:0:0:2:0:0:3:4'), '1::2:0:0:3:4');
  });
  test('bare address is a host prefix; host bits are zeroed', () => {
    assert.equal(formatPrefix(parsePrefix('10.0.0.1')), '10.0.0.1/32');
    assert.equal(formatPrefix(parsePrefix('2001:db8::1')), '2001:db8::1/128');
    assert.equal(formatPrefix(parsePrefix('10.1.2.3/8')), '10.0.0.0/8');
    assert.equal(formatPrefix(parsePrefix('2001:db8:ffff::1/33')), '2001:db8:8000::/33');
  });
  for (const bad of ['', '10.0.0', '10.0.0.256/32', '10.0.0.01/32', '10.0.0.1/33', '10.0.0.1/', '10.0.0.1/-1', '::1/129', '1:2:3:4:5:6:7:8:9', '1::2::3', 'x::1', '10.0.0.1/3 2']) {
    test(`rejects ${JSON.stringify(bad)} with ERR_BAD_PREFIX`, () => {
      assert.throws(() => parsePrefix(bad), (e: unknown) => e instanceof PrefixParseError && e.code === 'ERR_BAD_PREFIX');
    });
  }
  test('prefixEquals compares family, length, significant bits and path id', () => {
    assert.ok(prefixEquals(parsePrefix('10.0.0.0/8'), { afi: 1, length: 8, addr: Uint8Array.of(10, 0, 0, 0) }));
    assert.ok(!prefixEquals(parsePrefix('10.0.0.0/8'), parsePrefix('10.0.0.0/9')));
    assert.ok(!prefixEquals(parsePrefix('10.0.0.0/8'), { ...parsePrefix('10.0.0.0/8'), pathId: 1 }));
  });
});
