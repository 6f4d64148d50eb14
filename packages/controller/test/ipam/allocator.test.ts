import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator, IpamFailure, poolSpecFromConfig, type AllocationRequest, type PoolSpec } from '../../src/ipam/allocator.ts';
import { parsePoolRange } from '../../src/ipam/ranges.ts';
import { findPoolOverlaps, parseIpAddressPool } from '../../src/config/ip-address-pool.ts';

function pool(name: string, ranges: string[], extra: Partial<PoolSpec> = {}): PoolSpec {
  return {
    name,
    ranges: ranges.map(parsePoolRange),
    autoAssign: true,
    avoidBuggyIPs: false,
    priority: 100,
    namespaces: [],
    namespaceSelectors: [],
    serviceSelectors: [],
    ...extra,
  };
}

function svc(key: string, extra: Partial<AllocationRequest> = {}): AllocationRequest {
  return {
    key,
    namespace: key.split('/')[0]!,
    serviceLabels: {},
    namespaceLabels: {},
    ipFamilies: ['IPv4'],
    familyPolicy: 'SingleStack',
    requestedIps: [],
    ports: [{ protocol: 'TCP', port: 80 }],
    trafficPolicy: 'Cluster',
    selectorKey: '{"app":"web"}',
    ...extra,
  };
}

function ok(r: ReturnType<Allocator['assign']>): readonly string[] {
  assert.equal(r.ok, true, r.ok ? '' : `${r.reason}: ${r.message}`);
  return r.ok ? r.ips : [];
}

function failed(r: ReturnType<Allocator['assign']>): string {
  assert.equal(r.ok, false, 'expected a failure');
  return r.ok ? '' : r.reason;
}

test('assigns unique addresses in order and is idempotent', () => {
  const a = new Allocator([pool('p', ['10.0.0.0/30'])]);
  assert.deepEqual(ok(a.assign(svc('ns/a'))), ['10.0.0.0']);
  assert.deepEqual(ok(a.assign(svc('ns/b'))), ['10.0.0.1']);
  const again = a.assign(svc('ns/a'));
  assert.deepEqual(ok(again), ['10.0.0.0']);
  assert.equal(again.ok && again.changed, false);
});

test('exhaustion is reported, and a release makes the address available again', () => {
  const a = new Allocator([pool('p', ['10.0.0.1-10.0.0.2'])]);
  ok(a.assign(svc('ns/a')));
  ok(a.assign(svc('ns/b')));
  assert.equal(failed(a.assign(svc('ns/c'))), IpamFailure.POOL_EXHAUSTED);
  a.release('ns/a');
  assert.deepEqual(ok(a.assign(svc('ns/c'))), ['10.0.0.1']);
});

test('avoidBuggyIPs skips .0 and .255 and counts them out of the total', () => {
  const a = new Allocator([pool('p', ['10.0.0.254-10.0.1.1'], { avoidBuggyIPs: true })]);
  assert.deepEqual(ok(a.assign(svc('ns/a'))), ['10.0.0.254']);
  assert.deepEqual(ok(a.assign(svc('ns/b'))), ['10.0.1.1']);
  assert.equal(failed(a.assign(svc('ns/c'))), IpamFailure.POOL_EXHAUSTED);
  assert.deepEqual(a.usage(), [{ pool: 'p', family: 'IPv4', total: 2n, used: 2 }]);
  const big = new Allocator([pool('q', ['10.0.0.0/16'], { avoidBuggyIPs: true })]);
  assert.equal(big.usage()[0]!.total, 65536n - 512n);
});

test('families: SingleStack v6, RequireDualStack, PreferDualStack degrading to the primary', () => {
  const a = new Allocator([pool('v4only', ['10.0.0.0/29'], { priority: 1 }), pool('dual', ['10.1.0.0/29', '2001:db8::/125'], { priority: 2 })]);
  assert.deepEqual(ok(a.assign(svc('ns/v6', { ipFamilies: ['IPv6'] }))), ['2001:db8::']);
  assert.deepEqual(ok(a.assign(svc('ns/ds', { ipFamilies: ['IPv4', 'IPv6'], familyPolicy: 'RequireDualStack' }))), ['10.1.0.0', '2001:db8::1']);
  // PreferDualStack prefers a pool that can give both families over a higher-priority v4-only pool.
  assert.deepEqual(ok(a.assign(svc('ns/pref', { ipFamilies: ['IPv6', 'IPv4'], familyPolicy: 'PreferDualStack' }))), ['2001:db8::2', '10.1.0.1']);
  const v4 = new Allocator([pool('v4only', ['10.0.0.0/29'])]);
  assert.deepEqual(ok(v4.assign(svc('ns/pref', { familyPolicy: 'PreferDualStack' }))), ['10.0.0.0']);
  assert.equal(failed(v4.assign(svc('ns/req', { familyPolicy: 'RequireDualStack' }))), IpamFailure.FAMILY_UNAVAILABLE);
  assert.equal(failed(v4.assign(svc('ns/bad', { ipFamilies: ['IPv4', 'IPv6'], familyPolicy: 'SingleStack' }))), IpamFailure.INVALID_REQUEST);
});

test('priority and scope pick the pool; autoAssign=false pools only serve explicit requests', () => {
  const a = new Allocator([
    pool('low', ['10.9.0.0/29'], { priority: 50 }),
    pool('high', ['10.1.0.0/29'], { priority: 10, namespaces: ['prod'] }),
    pool('manual', ['10.7.0.0/29'], { autoAssign: false }),
    pool('web', ['10.5.0.0/29'], { priority: 5, serviceSelectors: [{ matchLabels: { tier: 'web' }, matchExpressions: [] }] }),
    pool('team', ['10.6.0.0/29'], { priority: 6, namespaceSelectors: [{ matchLabels: {}, matchExpressions: [{ key: 'team', operator: 'In', values: ['blue'] }] }] }),
  ]);
  assert.deepEqual(ok(a.assign(svc('prod/a'))), ['10.1.0.0']);
  assert.deepEqual(ok(a.assign(svc('dev/a'))), ['10.9.0.0']);
  assert.deepEqual(ok(a.assign(svc('dev/w', { serviceLabels: { tier: 'web' } }))), ['10.5.0.0']);
  assert.deepEqual(ok(a.assign(svc('dev/t', { namespaceLabels: { team: 'blue' } }))), ['10.6.0.0']);
  assert.deepEqual(ok(a.assign(svc('dev/m', { requestedPool: 'manual' }))), ['10.7.0.0']);
  assert.equal(failed(a.assign(svc('dev/x', { requestedPool: 'nope' }))), IpamFailure.POOL_NOT_FOUND);
  assert.equal(failed(a.assign(svc('dev/y', { requestedPool: 'high' }))), IpamFailure.POOL_NOT_ALLOWED);
  const none = new Allocator([pool('only-prod', ['10.1.0.0/29'], { namespaces: ['prod'] })]);
  assert.equal(failed(none.assign(svc('dev/z'))), IpamFailure.NO_MATCHING_POOL);
});

test('requested IPs: inside a pool, not in use, one per family', () => {
  const a = new Allocator([pool('p', ['10.0.0.0/29', '2001:db8::/125'])]);
  assert.deepEqual(ok(a.assign(svc('ns/a', { requestedIps: ['10.0.0.5'] }))), ['10.0.0.5']);
  assert.equal(failed(a.assign(svc('ns/b', { requestedIps: ['10.0.0.5'] }))), IpamFailure.REQUESTED_IP_IN_USE);
  assert.equal(failed(a.assign(svc('ns/c', { requestedIps: ['192.0.2.1'] }))), IpamFailure.REQUESTED_IP_NOT_IN_POOL);
  assert.equal(failed(a.assign(svc('ns/d', { requestedIps: ['10.0.0.1', '10.0.0.2'] }))), IpamFailure.INVALID_REQUEST);
  assert.equal(failed(a.assign(svc('ns/e', { requestedIps: ['not-an-ip'] }))), IpamFailure.INVALID_REQUEST);
  assert.deepEqual(
    ok(a.assign(svc('ns/f', { requestedIps: ['10.0.0.6', '2001:DB8::6'], ipFamilies: ['IPv4', 'IPv6'], familyPolicy: 'RequireDualStack' }))),
    ['10.0.0.6', '2001:db8::6'],
  );
  // Automatic assignment never hands out a requested (held) address.
  const seen = new Set<string>();
  for (let i = 0; i < 5; i++) for (const ip of ok(a.assign(svc(`auto/s${i}`)))) seen.add(ip);
  assert.equal(seen.has('10.0.0.5'), false);
  assert.equal(seen.has('10.0.0.6'), false);
  // Changing the request moves the Service and frees the old address.
  assert.deepEqual(ok(a.assign(svc('ns/a', { requestedIps: ['2001:db8::3'], ipFamilies: ['IPv6'] }))), ['2001:db8::3']);
  assert.deepEqual(ok(a.assign(svc('ns/g', { requestedIps: ['10.0.0.5'] }))), ['10.0.0.5']);
});

test('sharing keys: compatible ports share, collisions and selector mismatches are refused', () => {
  const a = new Allocator([pool('p', ['10.0.0.0/29'])]);
  const http = svc('ns/http', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 80 }] });
  const https = svc('ns/https', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 443 }] });
  const ip = ok(a.assign(http));
  assert.deepEqual(ok(a.assign(https)), ip);
  assert.equal(failed(a.assign(svc('ns/clash', { sharingKey: 'k', requestedIps: [...ip], ports: [{ protocol: 'tcp', port: 80 }] }))), IpamFailure.PORT_COLLISION);
  assert.equal(failed(a.assign(svc('ns/nokey', { requestedIps: [...ip], ports: [{ protocol: 'UDP', port: 53 }] }))), IpamFailure.REQUESTED_IP_IN_USE);
  assert.equal(failed(a.assign(svc('ns/other', { sharingKey: 'x', requestedIps: [...ip], ports: [{ protocol: 'UDP', port: 53 }] }))), IpamFailure.REQUESTED_IP_IN_USE);
  // Same port, other protocol: fine.
  assert.deepEqual(ok(a.assign(svc('ns/dns', { sharingKey: 'k', ports: [{ protocol: 'UDP', port: 80 }] }))), ip);
  // Local policy needs the same pod selector.
  const b = new Allocator([pool('p', ['10.0.0.0/29'])]);
  const l1 = ok(b.assign(svc('ns/l1', { sharingKey: 's', trafficPolicy: 'Local', selectorKey: '{"app":"a"}' })));
  assert.equal(
    failed(b.assign(svc('ns/l2', { sharingKey: 's', trafficPolicy: 'Local', selectorKey: '{"app":"b"}', ports: [{ protocol: 'TCP', port: 81 }], requestedIps: [...l1] }))),
    IpamFailure.SHARING_SELECTOR_MISMATCH,
  );
  // Without an explicit IP, an incompatible sharer simply gets its own address.
  assert.notDeepEqual(ok(b.assign(svc('ns/l3', { sharingKey: 's', trafficPolicy: 'Local', selectorKey: '{"app":"b"}', ports: [{ protocol: 'TCP', port: 81 }] }))), l1);
  assert.deepEqual(ok(b.assign(svc('ns/l4', { sharingKey: 's', trafficPolicy: 'Local', selectorKey: '{"app":"a"}', ports: [{ protocol: 'TCP', port: 82 }] }))), l1);
});

test('restore rebuilds state before assigning, so nothing is handed out twice across a restart', () => {
  const first = new Allocator([pool('p', ['10.0.0.0/29'])]);
  const held = new Map<string, readonly string[]>();
  for (const k of ['ns/a', 'ns/b', 'ns/c']) held.set(k, ok(first.assign(svc(k))));
  first.release('ns/b');
  held.delete('ns/b');
  const second = new Allocator([pool('p', ['10.0.0.0/29'])]);
  for (const [k, ips] of held) ok(second.restore(svc(k), ips));
  const fresh = ok(second.assign(svc('ns/d')));
  for (const ips of held.values()) assert.notDeepEqual(fresh, ips);
  // An address outside every pool (e.g. a removed pool) is still held, never handed out again.
  const third = new Allocator([pool('p', ['10.0.0.0/30'])]);
  ok(third.restore(svc('ns/old'), ['10.0.0.0']));
  assert.deepEqual(ok(third.assign(svc('ns/new'))), ['10.0.0.1']);
  // Two Services claiming one address without a sharing key: the second restore is refused.
  assert.equal(failed(third.restore(svc('ns/dup'), ['10.0.0.0'])), IpamFailure.REQUESTED_IP_IN_USE);
});

test('pool changes never move live Services; misfits are listed', () => {
  const a = new Allocator([pool('p', ['10.0.0.0/29'])]);
  ok(a.assign(svc('ns/a')));
  ok(a.assign(svc('ns/b')));
  const reqs = new Map([['ns/a', svc('ns/a')], ['ns/b', svc('ns/b')]]);
  a.setPools([pool('p', ['10.0.0.1-10.0.0.7'])]);
  assert.deepEqual(a.misfits(reqs), ['ns/a']);
  assert.deepEqual(a.assignmentOf('ns/a')?.ips, ['10.0.0.0']);
  a.setPools([]);
  assert.deepEqual(a.misfits(reqs), ['ns/a', 'ns/b']);
});

test('pools come from parsed IPAddressPool objects; overlaps are reported by the config module, not merged', () => {
  const parsed = [
    { metadata: { name: 'a' }, spec: { addresses: ['10.0.0.0/24'], serviceAllocation: { priority: 5, namespaces: ['prod'] } } },
    { metadata: { name: 'b' }, spec: { addresses: ['10.0.0.128-10.0.1.10'], autoAssign: false } },
  ].map((raw) => {
    const r = parseIpAddressPool({ apiVersion: 'vipd.io/v1alpha1', kind: 'IPAddressPool', ...raw });
    assert.equal(r.ok, true, r.ok ? '' : JSON.stringify(r.errors));
    return r.ok ? r.value : undefined!;
  });
  assert.deepEqual([...findPoolOverlaps(parsed).keys()], ['b']);
  const specs = parsed.map(poolSpecFromConfig);
  assert.equal(specs[0]!.priority, 5);
  assert.deepEqual(specs[0]!.namespaces, ['prod']);
  assert.equal(specs[1]!.autoAssign, false);
  const a = new Allocator(specs);
  assert.deepEqual(ok(a.assign(svc('prod/x'))), ['10.0.0.0']);
  assert.equal(failed(a.assign(svc('dev/x'))), IpamFailure.NO_MATCHING_POOL);
});

test('allocation stays fast and unique for 10k Services in a large IPv6 pool', () => {
  const a = new Allocator([pool('big', ['2001:db8::/64', '10.0.0.0/16'])]);
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) for (const ip of ok(a.assign(svc(`ns/s${i}`, { ipFamilies: ['IPv6', 'IPv4'], familyPolicy: 'RequireDualStack' })))) seen.add(ip);
  assert.equal(seen.size, 20_000);
});
