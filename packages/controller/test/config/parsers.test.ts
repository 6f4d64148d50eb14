// Config parsers: defaults, warnings, cross-object checks, conditions and the typed error, plus the
// IP / community / selector helpers they rely on.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isIPv4 } from 'node:net';
import fc from 'fast-check';
import { WellKnownCommunity } from '@vipd/bgp/wire/constants.ts';
import { parseCommunity, parseLargeCommunity, formatCommunity } from '../../src/config/communities.ts';
import {
  acceptedCondition, ConfigValidationError, crossCheck, DEFAULT_SETTINGS, findPoolOverlaps, parseBgpAdvertisement, parseBgpPeer,
  parseConfigObject, parseIpAddressPool, parseVipdSettings, poolOf, requireValid,
} from '../../src/config/index.ts';
import { canonicalIp, formatIp, parseIp, parseRange } from '../../src/config/ip.ts';
import { matchesSelector, parseSelector } from '../../src/config/selector.ts';
import type { Issue } from '../../src/config/issues.ts';

const peerObj = (spec: Record<string, unknown>) => ({ apiVersion: 'vipd.io/v1alpha1', kind: 'BGPPeer', metadata: { name: 'p', generation: 3 }, spec: { address: '192.0.2.1', asn: 65001, localAsn: 65000, ...spec } });
const poolObj = (name: string, addresses: string[]) => ({ apiVersion: 'vipd.io/v1alpha1', kind: 'IPAddressPool', metadata: { name }, spec: { addresses } });

describe('BGPPeer', () => {
  it('fills defaults: port 179, hold 90, keepalive hold/3, retry 120, both families, GR off', () => {
    const p = requireValid('BGPPeer', parseBgpPeer(peerObj({})));
    assert.deepEqual(
      [p.spec.port, p.spec.holdTimeSec, p.spec.keepaliveSec, p.spec.connectRetrySec, p.spec.families, p.spec.gracefulRestart, p.spec.passive],
      [179, 90, 30, 120, ['ipv4-unicast', 'ipv6-unicast'], { enabled: false, restartTimeSec: 120 }, false],
    );
    assert.equal(p.metadata.generation, 3);
  });
  it('hold 0 gives keepalive 0; hold 3 gives keepalive 1', () => {
    assert.equal(requireValid('p', parseBgpPeer(peerObj({ holdTimeSec: 0 }))).spec.keepaliveSec, 0);
    assert.equal(requireValid('p', parseBgpPeer(peerObj({ holdTimeSec: 3 }))).spec.keepaliveSec, 1);
  });
  it('keepalive above a third of hold time is accepted with a warning (RFC 4271 §4.4 suggests a third)', () => {
    const r = parseBgpPeer(peerObj({ holdTimeSec: 9, keepaliveSec: 4 }));
    assert.equal(r.ok, true);
    assert.deepEqual(r.warnings.map((w) => [w.path, w.reason]), [['spec.keepaliveSec', 'InvalidTimer']]);
    const c = acceptedCondition(r, 3);
    assert.equal(c.status, 'True');
    assert.match(c.message, /warning/);
  });
  it('keepalive 0 with a non-zero hold time is rejected', () => {
    const r = parseBgpPeer(peerObj({ holdTimeSec: 9, keepaliveSec: 0 }));
    assert.ok(!r.ok && r.errors[0]!.path === 'spec.keepaliveSec');
  });
  it('router ID must be a non-zero IPv4 address (RFC 6286)', () => {
    for (const routerId of ['0.0.0.0', '2001:db8::1']) {
      const r = parseBgpPeer(peerObj({ routerId }));
      assert.ok(!r.ok && r.errors.some((e) => e.path === 'spec.routerId' && e.reason === 'InvalidAddress'));
    }
    assert.equal(parseBgpPeer(peerObj({ routerId: '10.0.0.1' })).ok, true);
  });
  it('unspecified peer address is rejected', () => {
    assert.equal(parseBgpPeer(peerObj({ address: '::' })).ok, false);
  });
  it('multihop TTL on an iBGP peer warns', () => {
    const r = parseBgpPeer(peerObj({ asn: 65000, ebgpMultihopTtl: 3 }));
    assert.equal(r.ok, true);
    assert.equal(r.warnings[0]!.path, 'spec.ebgpMultihopTtl');
  });
  it('secret key defaults to "password"', () => {
    assert.deepEqual(requireValid('p', parseBgpPeer(peerObj({ passwordSecretRef: { name: 's' } }))).spec.passwordSecretRef, { name: 's', key: 'password' });
  });
  it('wrong apiVersion, kind, missing metadata, non-object input: typed issues, no throw', () => {
    for (const raw of [null, 42, 'x', [], { kind: 'BGPPeer' }, { ...peerObj({}), apiVersion: 'v1' }]) {
      const r = parseBgpPeer(raw);
      assert.equal(r.ok, false);
    }
  });
  it('random junk never throws (fast-check)', () => {
    fc.assert(fc.property(fc.anything(), fc.anything(), (spec, extra) => {
      for (const f of [parseBgpPeer, parseBgpAdvertisement, parseIpAddressPool, parseVipdSettings]) {
        f({ apiVersion: 'vipd.io/v1alpha1', kind: 'X', metadata: { name: 'x' }, spec });
        f(extra);
      }
    }), { numRuns: 300 });
  });
});

describe('BGPAdvertisement', () => {
  it('resolves well-known names and sorts/dedups communities', () => {
    const a = requireValid('a', parseBgpAdvertisement({ apiVersion: 'vipd.io/v1alpha1', kind: 'BGPAdvertisement', metadata: { name: 'a' }, spec: { communities: ['NO_EXPORT', '65000:1', '65000:1', 'GRACEFUL_SHUTDOWN'] } }));
    assert.deepEqual(a.spec.communities, [65000 * 65536 + 1, WellKnownCommunity.GRACEFUL_SHUTDOWN, WellKnownCommunity.NO_EXPORT]);
    assert.equal(a.spec.asPathPrepend, 0);
  });
});

describe('IPAddressPool', () => {
  it('overlaps across pools are reported on the later pool by name', () => {
    const a = requireValid('a', parseIpAddressPool(poolObj('a', ['10.0.0.0/24'])));
    const b = requireValid('b', parseIpAddressPool(poolObj('b', ['10.0.1.0/24', '10.0.0.128-10.0.0.200'])));
    const c = requireValid('c', parseIpAddressPool(poolObj('c', ['2001:db8::/64'])));
    const out = findPoolOverlaps([c, b, a]);
    assert.deepEqual([...out.keys()], ['b']);
    assert.deepEqual(out.get('b')!.map((i: Issue) => [i.path, i.reason]), [['spec.addresses[1]', 'OverlappingRange']]);
  });
  it('poolOf finds the pool holding an address', () => {
    const a = requireValid('a', parseIpAddressPool(poolObj('a', ['10.0.0.0/24'])));
    const v6 = requireValid('v6', parseIpAddressPool(poolObj('v6', ['2001:db8::10-2001:db8::20'])));
    assert.equal(poolOf([a, v6], parseIp('2001:db8::1f')!)?.metadata.name, 'v6');
    assert.equal(poolOf([a, v6], parseIp('10.0.1.1')!), undefined);
  });
});

describe('VipdSettings', () => {
  it('an empty spec gives the documented defaults', () => {
    const s = requireValid('s', parseVipdSettings({ apiVersion: 'vipd.io/v1alpha1', kind: 'VipdSettings', metadata: { name: 'default' } }));
    assert.deepEqual(s.spec, DEFAULT_SETTINGS);
  });
});

describe('conditions and errors', () => {
  it('Accepted=False carries the first error reason and every error in the message', () => {
    const r = parseBgpPeer(peerObj({ holdTimeSec: 2, asn: 0 }));
    const c = acceptedCondition(r, 7);
    assert.equal(c.status, 'False');
    assert.equal(c.reason, 'InvalidASN');
    assert.equal(c.observedGeneration, 7);
    assert.match(c.message, /spec.holdTimeSec/);
  });
  it('requireValid throws a ConfigValidationError with a stable code and the issues', () => {
    assert.throws(() => requireValid('BGPPeer', parseBgpPeer(peerObj({ port: 70000 }))), (e: unknown) => e instanceof ConfigValidationError && e.code === 'VIPD_CONFIG_INVALID' && e.issues[0]!.path === 'spec.port');
  });
  it('parseConfigObject rejects unknown kinds', () => {
    const r = parseConfigObject({ apiVersion: 'vipd.io/v1alpha1', kind: 'Nope', metadata: { name: 'x' } });
    assert.ok(!r.ok && r.errors[0]!.path === 'kind');
  });
});

describe('IP helpers', () => {
  it('canonical text (RFC 5952 §4)', () => {
    assert.equal(canonicalIp('2001:DB8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
    assert.equal(canonicalIp('2001:db8:0:0:0:0:2:1'), '2001:db8::2:1');
    assert.equal(canonicalIp('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
    assert.equal(canonicalIp('::ffff:192.0.2.1'), '::ffff:c000:201');
    assert.equal(canonicalIp('010.0.0.1'), undefined);
    assert.equal(canonicalIp('fe80::1%eth0'), undefined);
  });
  it('format(parse(x)) round-trips for every 128-bit value (fast-check)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (value) => {
      const text = formatIp({ family: 'ipv6', value });
      assert.equal(parseIp(text)?.value, value);
    }), { numRuns: 500 });
  });
  it('IPv4 parsing agrees with node:net isIPv4 minus leading zeros (fast-check)', () => {
    const strict = (t: string) => isIPv4(t) && !t.split('.').some((p) => p.length > 1 && p.startsWith('0'));
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', ':', 'a'), maxLength: 16 }), (t) => {
      assert.equal(parseIp(t)?.family === 'ipv4', strict(t), t);
    }), { numRuns: 3000 });
    fc.assert(fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), (q) => {
      const p = parseIp(q.join('.'));
      assert.equal(p?.value, BigInt(((q[0] * 256 + q[1]) * 256 + q[2]) * 256 + q[3]));
      assert.equal(formatIp(p!), q.join('.'));
    }));
  });
  it('ranges', () => {
    assert.deepEqual(parseRange('10.0.0.0/8'), { ok: true, range: { family: 'ipv4', first: 0x0a000000n, last: 0x0affffffn } });
    assert.equal(parseRange('10.0.0.0/8 ').ok, false);
  });
});

describe('communities', () => {
  it('standard, large and names', () => {
    assert.equal(parseCommunity('65535:0'), WellKnownCommunity.GRACEFUL_SHUTDOWN);
    assert.equal(parseCommunity('65535:65536'), undefined);
    assert.equal(parseCommunity('01:1'), undefined);
    assert.equal(formatCommunity(parseCommunity('64512:100')!), '64512:100');
    assert.deepEqual(parseLargeCommunity('4294967295:0:1'), [4294967295, 0, 1]);
    assert.equal(parseLargeCommunity('1:2:3:4'), undefined);
  });
});

describe('label selectors', () => {
  it('matchLabels and every operator', () => {
    const issues: Issue[] = [];
    const sel = parseSelector({
      matchLabels: { a: '1' },
      matchExpressions: [
        { key: 'b', operator: 'In', values: ['x', 'y'] },
        { key: 'c', operator: 'NotIn', values: ['z'] },
        { key: 'd', operator: 'Exists' },
        { key: 'e', operator: 'DoesNotExist' },
      ],
    }, 's', issues);
    assert.deepEqual(issues, []);
    assert.equal(matchesSelector(sel, { a: '1', b: 'x', d: '' }), true);
    assert.equal(matchesSelector(sel, { a: '1', b: 'x', c: 'z', d: '' }), false);
    assert.equal(matchesSelector(sel, { a: '1', b: 'q', d: '' }), false);
    assert.equal(matchesSelector(sel, { a: '1', b: 'x', d: '', e: '' }), false);
    assert.equal(matchesSelector(sel, { a: '1', b: 'x' }), false);
    assert.equal(matchesSelector(parseSelector({}, 's', issues), {}), true);
  });
  it('Exists with values is an error', () => {
    const issues: Issue[] = [];
    parseSelector({ matchExpressions: [{ key: 'd', operator: 'Exists', values: ['x'] }] }, 's', issues);
    assert.deepEqual(issues.map((i) => i.reason), ['InvalidSelector']);
  });
});

describe('crossCheck', () => {
  it('pool overlaps are errors; unknown pool/peer references and duplicate peers are warnings', () => {
    const pa = requireValid('a', parseIpAddressPool(poolObj('a', ['10.0.0.0/24'])));
    const pb = requireValid('b', parseIpAddressPool(poolObj('b', ['10.0.0.0/25'])));
    const p1 = requireValid('p', parseBgpPeer({ ...peerObj({}), metadata: { name: 'p1' } }));
    const p2 = requireValid('p', parseBgpPeer({ ...peerObj({ address: '192.0.2.1' }), metadata: { name: 'p2' } }));
    const ad = requireValid('ad', parseBgpAdvertisement({ apiVersion: 'vipd.io/v1alpha1', kind: 'BGPAdvertisement', metadata: { name: 'ad' }, spec: { ipAddressPools: ['a', 'zz'], peers: ['p1', 'nope'] } }));
    const out = crossCheck({ peers: [p2, p1], advertisements: [ad], pools: [pb, pa] });
    assert.deepEqual([...out.keys()].sort(), ['BGPAdvertisement/ad', 'BGPPeer/p2', 'IPAddressPool/b']);
    assert.deepEqual(out.get('IPAddressPool/b')!.errors.map((i) => i.reason), ['OverlappingRange']);
    assert.deepEqual(out.get('BGPAdvertisement/ad')!.warnings.map((i) => i.path), ['spec.ipAddressPools[1]', 'spec.peers[1]']);
    assert.deepEqual(out.get('BGPPeer/p2')!.warnings.map((i) => i.reason), ['DuplicatePeer']);
  });
});
