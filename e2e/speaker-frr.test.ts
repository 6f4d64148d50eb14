// vipd standalone against real FRR 8 (bgpd + zebra) in network namespaces, asserting on FRR's own view
// (vtysh JSON) and the kernel FIB zebra installs:
//  r1: IPv4 and IPv6 sessions, graceful restart helper, zebra installing routes
//  r2: an IPv6-only link carrying IPv4 VIPs with extended next hop (RFC 8950), FRR connecting to a
//      passive vipd peer
// vipd runs with a 4-byte local AS (4200000001).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FrrRouter } from './support/routers/frr.ts';
import { waitFor } from './support/exec.ts';
import type { RouteView } from './support/routers/types.ts';
import type { VipdProcess } from './support/vipd-process.ts';
import { VIPD_AS, VIPS4, VIPS6, baseConfig, createSpeakerLab, startVipd, vipList, vipdConnections, type SpeakerLab } from './support/speaker-lab.ts';

let lab: SpeakerLab;
let r1: FrrRouter;
let r2: FrrRouter;
let vipd: VipdProcess;
let peers: Record<string, unknown>[];

const has = (rs: RouteView[], prefixes: readonly string[]) => prefixes.every((p) => rs.some((r) => r.prefix === p));
const lacks = (rs: RouteView[], prefixes: readonly string[]) => prefixes.every((p) => !rs.some((r) => r.prefix === p));

before(async () => {
  lab = await createSpeakerLab('vsp-f-', [{ name: 'r1' }, { name: 'r2', v6only: true }]);
  const l1 = lab.routers.get('r1')!.link;
  const l2 = lab.routers.get('r2')!.link;
  r1 = new FrrRouter(lab.topo, {
    ns: lab.routers.get('r1')!.ns,
    routerId: '10.0.1.1',
    localAs: 65001,
    kernel: true,
    neighbors: [
      { address: l1.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], gracefulRestart: true },
      { address: l1.b.v6!, remoteAs: VIPD_AS, families: ['ipv6'] },
    ],
  });
  r2 = new FrrRouter(lab.topo, {
    ns: lab.routers.get('r2')!.ns,
    routerId: '10.0.2.1',
    localAs: 65002,
    neighbors: [{ address: l2.b.v6!, remoteAs: VIPD_AS, families: ['ipv4'], extendedNextHop: true }],
  });
  await Promise.all([r1.start(), r2.start()]);
  peers = [
    { address: l1.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 6, gracefulRestart: { restartTimeSec: 60 } },
    { address: l1.a.v6!, asn: 65001, families: ['ipv6-unicast'], holdTimeSec: 6 },
    { address: l2.a.v6!, asn: 65002, families: ['ipv4-unicast'], holdTimeSec: 6, extendedNextHop: true, mode: 'passive' },
  ];
  vipd = startVipd(lab, baseConfig(peers));
  await vipd.start();
});

after(async () => {
  await lab?.topo.destroy();
});

test('IPv4 and IPv6 sessions: 3 /32 and 2 /128 VIPs in FRR with our 4-byte AS, installed by zebra', async () => {
  const l1 = lab.routers.get('r1')!.link;
  await r1.waitEstablished(undefined, 20_000);
  const v4 = await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 15_000);
  const v6 = await r1.waitForRoutes('ipv6', (rs) => has(rs, VIPS6), 15_000);
  for (const r of [...v4, ...v6]) assert.deepEqual(r.asPath, [VIPD_AS]);
  for (const r of v4) assert.equal(r.nextHop, l1.b.v4);
  for (const r of v6) assert.ok(r.nextHops.includes(l1.b.v6!), JSON.stringify(r));
  const first = v4.find((r) => r.prefix === VIPS4[0])!;
  assert.deepEqual(first.communities, ['65000:100']);
  assert.deepEqual(first.largeCommunities, [`${VIPD_AS}:7:8`]);
  assert.equal(first.med, 10);
  await waitFor(async () => {
    const f = await r1.fibRoutes('ipv4', 'bgp');
    return VIPS4.every((p) => f.some((x) => x.prefix === p && x.gateway === l1.b.v4));
  }, { timeoutMs: 10_000, what: 'IPv4 VIPs in the kernel FIB' });
  await waitFor(async () => {
    const f = await r1.fibRoutes('ipv6', 'bgp');
    return VIPS6.every((p) => f.some((x) => x.prefix === p));
  }, { timeoutMs: 10_000, what: 'IPv6 VIPs in the kernel FIB' });
});

test('IPv4 VIPs over an IPv6-only session with extended next hop; FRR connected to the passive vipd', async () => {
  const l2 = lab.routers.get('r2')!.link;
  const rs = await r2.waitForRoutes('ipv4', (x) => has(x, VIPS4), 20_000);
  for (const p of VIPS4) {
    const r = rs.find((x) => x.prefix === p)!;
    assert.ok(r.nextHops.includes(l2.b.v6!), `${p} via the IPv6 next hop: ${JSON.stringify(r)}`);
    assert.deepEqual(r.asPath, [VIPD_AS]);
  }
  const n = (await r2.neighborJson(l2.b.v6!)) as Record<string, unknown> | undefined;
  assert.match(JSON.stringify(n?.neighborCapabilities ?? {}), /extendedNexthop/i);
  const conns = await vipdConnections(lab);
  assert.ok(conns.some((c) => c.local === `[${l2.b.v6}]:179`), JSON.stringify(conns));
});

test('SIGHUP with changed attributes and a removed VIP: FRR reflects both, sessions stay up', async () => {
  const established = async () => (await r1.peers()).filter((p) => p.state === 'Established').length;
  const transitions = async () => Number(((await r1.neighborJson(lab.routers.get('r1')!.link.b.v4!)) as Record<string, unknown>)?.connectionsEstablished ?? -1);
  const before = await transitions();
  assert.ok(before >= 1, `FRR counts established connections (${before})`);
  await vipd.reload(baseConfig(peers, vipList({ drop: [VIPS4[2], VIPS6[1]], first: { communities: ['65000:200'], med: 77 } })));
  const v4 = await r1.waitForRoutes('ipv4', (rs) => lacks(rs, [VIPS4[2]]) && rs.some((r) => r.prefix === VIPS4[0] && r.med === 77), 10_000);
  assert.deepEqual(v4.find((r) => r.prefix === VIPS4[0])!.communities, ['65000:200']);
  await r1.waitForRoutes('ipv6', (rs) => lacks(rs, [VIPS6[1]]) && has(rs, [VIPS6[0]]), 10_000);
  await waitFor(async () => !(await r1.fibRoutes('ipv4', 'bgp')).some((f) => f.prefix === VIPS4[2]), { timeoutMs: 10_000, what: 'FIB withdraw' });
  assert.equal(await established(), 2);
  assert.equal(await transitions(), before, 'no session was reset');
  await vipd.reload(baseConfig(peers));
  await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 10_000);
});

test('route refresh from FRR (`clear bgp … soft in`) is answered with the whole table', async () => {
  const addr = lab.routers.get('r1')!.link.b.v4!;
  const stats = async () => ((await r1.neighborJson(addr)) as { messageStats?: { updatesRecv?: number } } | undefined)?.messageStats?.updatesRecv ?? 0;
  const before = await stats();
  const from = vipd.logs().length;
  await r1.routeRefresh(addr, 'ipv4');
  await vipd.waitLog((l) => l.msg === 'route refresh received', 10_000, from);
  await waitFor(async () => ((await stats()) > before ? true : undefined), { timeoutMs: 10_000, what: 'FRR UPDATEs received after refresh' });
  assert.ok(has(await r1.routes('ipv4'), VIPS4));
});

test('restart with graceful restart: FRR keeps the routes stale until our End-of-RIB', async () => {
  await vipd.kill();
  const stale = await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4) && rs.filter((r) => (VIPS4 as readonly string[]).includes(r.prefix)).every((r) => r.stale === true), 15_000);
  assert.ok(stale.length >= VIPS4.length);
  await r1.waitForRoutes('ipv6', (rs) => rs.length === 0, 15_000);
  vipd.writeConfig(baseConfig(peers, vipList({ drop: [VIPS4[1]] })));
  await vipd.start();
  const after = await r1.waitForRoutes('ipv4', (rs) => lacks(rs, [VIPS4[1]]) && has(rs, [VIPS4[0], VIPS4[2]]) && rs.every((r) => !r.stale), 20_000);
  assert.equal(after.length, 2);
});

test('SIGTERM: VIPs withdrawn, FRR shows the administrative shutdown with our message, exit 0', async () => {
  await vipd.reload(baseConfig(peers));
  await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 10_000);
  await r1.waitForRoutes('ipv6', (rs) => has(rs, VIPS6), 10_000);
  const code = await vipd.stop('SIGTERM', 20_000);
  assert.equal(code, 0);
  const l1 = lab.routers.get('r1')!.link;
  const note = await waitFor(() => r1.lastNotification(l1.b.v6!), { timeoutMs: 10_000, what: 'FRR notification' });
  assert.equal(note.message, 'vipd e2e: planned maintenance');
  assert.deepEqual(await r1.routes('ipv6'), []);
});
