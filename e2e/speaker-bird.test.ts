// vipd standalone against real BIRD 2 routers in network namespaces, asserting on BIRD's own view
// (birdc) and its kernel FIB:
//  r1: IPv4 and IPv6 sessions (vipd active, BIRD kernel protocol on, graceful restart helper)
//  r2: BIRD with `enable as4 off` (2-octet only) connecting to a passive vipd peer
//  r3: an IPv6-only link carrying IPv4 VIPs with extended next hop (RFC 8950)
// vipd runs with a 4-byte local AS (4200000001).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BirdRouter } from './support/routers/bird.ts';
import { waitFor } from './support/exec.ts';
import type { RouteView } from './support/routers/types.ts';
import type { VipdProcess } from './support/vipd-process.ts';
import { VIPD_AS, VIPS4, VIPS6, baseConfig, createSpeakerLab, startVipd, vipList, vipdConnections, type SpeakerLab } from './support/speaker-lab.ts';

let lab: SpeakerLab;
let r1: BirdRouter;
let r2: BirdRouter;
let r3: BirdRouter;
let vipd: VipdProcess;
let peers: Record<string, unknown>[];

const has = (rs: RouteView[], prefixes: readonly string[]) => prefixes.every((p) => rs.some((r) => r.prefix === p));
const lacks = (rs: RouteView[], prefixes: readonly string[]) => prefixes.every((p) => !rs.some((r) => r.prefix === p));

before(async () => {
  lab = await createSpeakerLab('vsp-b-', [{ name: 'r1' }, { name: 'r2' }, { name: 'r3', v6only: true }]);
  const l1 = lab.routers.get('r1')!.link;
  const l2 = lab.routers.get('r2')!.link;
  const l3 = lab.routers.get('r3')!.link;
  r1 = new BirdRouter(lab.topo, {
    ns: lab.routers.get('r1')!.ns,
    routerId: '10.0.1.1',
    localAs: 65001,
    kernel: true,
    neighbors: [
      { address: l1.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], gracefulRestart: true, name: 'v4' },
      { address: l1.b.v6!, remoteAs: VIPD_AS, families: ['ipv6'], name: 'v6' },
    ],
  });
  r2 = new BirdRouter(lab.topo, {
    ns: lab.routers.get('r2')!.ns,
    routerId: '10.0.2.1',
    localAs: 65002,
    // A 2-octet speaker knows a 4-byte AS only as AS_TRANS (RFC 6793 §4.2.1).
    neighbors: [{ address: l2.b.v4!, remoteAs: 23456, families: ['ipv4'], as4: false, name: 'old' }],
  });
  r3 = new BirdRouter(lab.topo, {
    ns: lab.routers.get('r3')!.ns,
    routerId: '10.0.3.1',
    localAs: 65003,
    neighbors: [{ address: l3.b.v6!, remoteAs: VIPD_AS, families: ['ipv4'], extendedNextHop: true, name: 'enh' }],
  });
  await Promise.all([r1.start(), r2.start(), r3.start()]);
  peers = [
    { address: l1.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 6, gracefulRestart: { restartTimeSec: 60 } },
    { address: l1.a.v6!, asn: 65001, families: ['ipv6-unicast'], holdTimeSec: 6 },
    // BIRD with `enable as4 off` still reads a 4-octet AS capability and would see AS 4200000001 where
    // it expects AS_TRANS, so toward it vipd behaves as an old speaker would be seen: no capability.
    { address: l2.a.v4!, asn: 65002, families: ['ipv4-unicast'], holdTimeSec: 6, mode: 'passive', fourOctetAs: false },
    { address: l3.a.v6!, asn: 65003, families: ['ipv4-unicast'], holdTimeSec: 6, extendedNextHop: true },
  ];
  vipd = startVipd(lab, baseConfig(peers, vipList(), { metrics: { address: '127.0.0.1', port: 18580 } }));
  await vipd.start();
});

after(async () => {
  await lab?.topo.destroy();
});

test('IPv4 and IPv6 sessions: 3 /32 and 2 /128 VIPs in BIRD with our 4-byte AS, in its kernel FIB', async () => {
  await r1.waitEstablished(undefined, 20_000);
  const v4 = await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 15_000);
  const v6 = await r1.waitForRoutes('ipv6', (rs) => has(rs, VIPS6), 15_000);
  const l1 = lab.routers.get('r1')!.link;
  for (const r of v4) {
    assert.deepEqual(r.asPath, [VIPD_AS]);
    assert.equal(r.nextHop, l1.b.v4);
    assert.equal(r.origin, 'igp');
  }
  const first = v4.find((r) => r.prefix === VIPS4[0])!;
  assert.deepEqual(first.communities, ['65000:100']);
  assert.deepEqual(first.largeCommunities, [`${VIPD_AS}:7:8`]);
  assert.equal(first.med, 10);
  for (const r of v6) {
    assert.deepEqual(r.asPath, [VIPD_AS]);
    assert.equal(r.nextHop, l1.b.v6);
  }
  const fib4 = await waitFor(async () => {
    const f = await r1.fibRoutes('ipv4', 'bird');
    return VIPS4.every((p) => f.some((x) => x.prefix === p)) ? f : undefined;
  }, { timeoutMs: 10_000, what: 'IPv4 VIPs in the kernel FIB' });
  assert.ok(fib4.filter((f) => (VIPS4 as readonly string[]).includes(f.prefix)).every((f) => f.gateway === l1.b.v4));
  await waitFor(async () => {
    const f = await r1.fibRoutes('ipv6', 'bird');
    return VIPS6.every((p) => f.some((x) => x.prefix === p && x.gateway === l1.b.v6));
  }, { timeoutMs: 10_000, what: 'IPv6 VIPs in the kernel FIB' });
});

test('metrics and status server of the standalone daemon report the sessions and advertised prefixes', async () => {
  const l1 = lab.routers.get('r1')!.link;
  const get = async (path: string) => (await lab.topo.execIn(lab.vns, 'curl', ['-sf', `http://127.0.0.1:18580${path}`])).stdout;
  const text = await waitFor(async () => {
    const t = await get('/metrics');
    return t.includes(`vipd_bgp_session_up{peer="${l1.a.v4}"} 1`) ? t : undefined;
  }, { timeoutMs: 10_000, what: 'vipd_bgp_session_up' });
  assert.match(text, new RegExp(`vipd_bgp_prefixes_advertised_total\\{peer="${l1.a.v4!.replace(/\./g, '\\.')}",family="ipv4-unicast"\\} [1-9]`));
  const peersJson = JSON.parse(await get('/api/v1/peers')) as { peers: { address: string; state: string; prefixes: { family: string; advertised: number }[] }[] };
  const p4 = peersJson.peers.find((p) => p.address === l1.a.v4);
  assert.equal(p4?.state, 'Established');
  assert.equal(p4?.prefixes.find((x) => x.family === 'ipv4-unicast')?.advertised, VIPS4.length);
});

test('a 2-octet-only BIRD (enable as4 off) connecting to a passive vipd: the 4-byte path arrives via AS_TRANS + AS4_PATH', async () => {
  const rs = await r2.waitForRoutes('ipv4', (x) => has(x, VIPS4), 20_000);
  // BIRD merges AS_PATH [23456] with AS4_PATH [4200000001] (RFC 6793 §4.2.3); without AS4_PATH it would show 23456.
  for (const r of rs) assert.deepEqual(r.asPath, [VIPD_AS]);
  const info = await r2.birdc(['show', 'protocols', 'all', 'old']);
  assert.match(info, /Neighbor AS:\s+23456/);
  assert.doesNotMatch(info, /Session:.*\bAS4\b/, 'BIRD did not run a 4-octet session');
  // Passive: the router opened the connection to vipd's port 179.
  const conns = await vipdConnections(lab);
  assert.ok(conns.some((c) => c.local.endsWith(':179') && c.remote.startsWith('10.0.2.1:')), JSON.stringify(conns));
  assert.ok(!conns.some((c) => c.remote === '10.0.2.1:179'), 'vipd never connected out to the passive peer');
});

test('IPv4 VIPs over an IPv6-only session with extended next hop (RFC 8950)', async () => {
  const l3 = lab.routers.get('r3')!.link;
  const rs = await r3.waitForRoutes('ipv4', (x) => has(x, VIPS4), 20_000);
  for (const p of VIPS4) {
    const r = rs.find((x) => x.prefix === p)!;
    assert.equal(r.nextHop, l3.b.v6, `${p} next hop`);
    assert.deepEqual(r.asPath, [VIPD_AS]);
  }
  assert.deepEqual(await r3.routes('ipv6'), [], 'no IPv6 family on this session');
});

test('SIGHUP with changed attributes and a removed VIP: BIRD reflects both, sessions stay up', async () => {
  // BIRD's own count of sessions brought up (its 'since' column is not stable to the millisecond).
  const sessions = async () => [...(await r1.peers()).map((p) => `${p.name}:${p.state}`), ...[...r1.sessionsEstablished()].map(([n, c]) => `${n}#${c}`)].sort();
  const upsBefore = await sessions();
  const res = await vipd.reload(baseConfig(peers, vipList({ drop: [VIPS4[2], VIPS6[1]], first: { communities: ['65000:200'], med: 77 } })));
  assert.equal(res.msg, 'config reloaded');
  assert.equal(res.vipsChanged, true);
  const v4 = await r1.waitForRoutes('ipv4', (rs) => lacks(rs, [VIPS4[2]]) && rs.some((r) => r.prefix === VIPS4[0] && r.med === 77), 10_000);
  const first = v4.find((r) => r.prefix === VIPS4[0])!;
  assert.deepEqual(first.communities, ['65000:200']);
  assert.deepEqual(first.largeCommunities, []);
  assert.ok(has(v4, [VIPS4[1]]));
  await r1.waitForRoutes('ipv6', (rs) => lacks(rs, [VIPS6[1]]) && has(rs, [VIPS6[0]]), 10_000);
  await r3.waitForRoutes('ipv4', (rs) => lacks(rs, [VIPS4[2]]), 10_000);
  await waitFor(async () => !(await r1.fibRoutes('ipv4', 'bird')).some((f) => f.prefix === VIPS4[2]), { timeoutMs: 10_000, what: 'FIB withdraw' });
  assert.deepEqual(await sessions(), upsBefore, 'no session was reset');
  // Back to the full set for the next tests.
  await vipd.reload(baseConfig(peers));
  await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 10_000);
});

async function importUpdates(router: BirdRouter, proto: string): Promise<number> {
  const text = await router.birdc(['show', 'protocols', 'all', proto]);
  const m = /Import updates:\s+(\d+)/.exec(text);
  assert.ok(m, text);
  return Number(m[1]);
}

test('route refresh from BIRD (`reload in`) is answered with the whole table', async () => {
  await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 10_000);
  const before = await importUpdates(r1, 'v4');
  const from = vipd.logs().length;
  await r1.routeRefresh('v4');
  await vipd.waitLog((l) => l.msg === 'route refresh received', 10_000, from);
  const n = await waitFor(async () => {
    const x = await importUpdates(r1, 'v4');
    return x >= before + VIPS4.length ? x : undefined;
  }, { timeoutMs: 10_000, what: 'BIRD import updates after refresh' });
  assert.ok(n >= before + VIPS4.length);
  assert.ok(has(await r1.routes('ipv4'), VIPS4), 'routes kept after the refresh (BoRR/EoRR)');
});

test('restart with graceful restart: BIRD keeps the routes stale until our End-of-RIB', async () => {
  await vipd.kill();
  // BIRD (GR helper) keeps the IPv4 routes of the GR session while the session is down. BIRD 2.0.12
  // does not print a stale flag per route; its protocol view says it is in graceful restart.
  await waitFor(async () => (await r1.peers()).some((p) => p.name === 'v4' && p.state !== 'Established'), { timeoutMs: 10_000, what: 'v4 down' });
  const info = await r1.birdc(['show', 'protocols', 'all', 'v4']);
  assert.match(info, /Neighbor graceful restart active/, info);
  assert.ok(has(await r1.routes('ipv4'), VIPS4), 'routes retained during the restart');
  // The IPv6 session had no graceful restart: its routes went at once.
  await r1.waitForRoutes('ipv6', (rs) => rs.length === 0, 10_000);
  // Come back without one VIP: after End-of-RIB BIRD drops it, long before the 60 s restart time.
  const t0 = Date.now();
  vipd.writeConfig(baseConfig(peers, vipList({ drop: [VIPS4[1]] })));
  await vipd.start({ args: ['--graceful-restart-stop'] });
  const after = await r1.waitForRoutes('ipv4', (rs) => lacks(rs, [VIPS4[1]]) && has(rs, [VIPS4[0], VIPS4[2]]) && rs.every((r) => !r.stale), 20_000);
  assert.ok(Date.now() - t0 < 20_000);
  assert.equal(after.length, 2);
});

test('SIGTERM with --graceful-restart-stop: no withdraw, no NOTIFICATION, the GR router keeps the routes', async () => {
  await r1.waitEstablished(undefined, 20_000);
  const code = await vipd.stop('SIGTERM', 20_000);
  assert.equal(code, 0);
  await waitFor(async () => (await r1.peers()).some((p) => p.name === 'v4' && p.state !== 'Established'), { timeoutMs: 10_000, what: 'v4 down' });
  assert.match(await r1.birdc(['show', 'protocols', 'all', 'v4']), /Neighbor graceful restart active/);
  assert.ok(has(await r1.routes('ipv4'), [VIPS4[0], VIPS4[2]]));
  assert.equal(await r1.lastNotification('v4'), undefined, 'no NOTIFICATION on a graceful-restart stop');
  await vipd.start();
});

test('SIGTERM: VIPs withdrawn, BIRD shows Cease / administrative shutdown with our message, exit 0', async () => {
  await vipd.reload(baseConfig(peers));
  await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 10_000);
  await r1.waitForRoutes('ipv6', (rs) => has(rs, VIPS6), 10_000);
  // r2 connects to the passive vipd on its own schedule after the restart above.
  await r2.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 20_000);
  const code = await vipd.stop('SIGTERM', 20_000);
  assert.equal(code, 0);
  const note = await waitFor(() => r1.lastNotification('v6'), { timeoutMs: 10_000, what: 'BIRD notification' });
  assert.match(note.reason ?? '', /Administrative shutdown/i);
  assert.equal(note.message, 'vipd e2e: planned maintenance');
  const n2 = await waitFor(() => r2.lastNotification('old'), { timeoutMs: 10_000, what: 'BIRD r2 notification' });
  assert.equal(n2.message, 'vipd e2e: planned maintenance');
  assert.deepEqual(await r1.routes('ipv6'), []);
  assert.deepEqual(await r2.routes('ipv4'), []);
});
