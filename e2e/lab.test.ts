// Smoke test of the lab harness itself: BIRD↔FRR and GoBGP↔ExaBGP sessions over IPv4 and IPv6 in
// network namespaces, a route in each router's own view, a capture cut into BGP messages, BFD and
// graceful-restart views, and a destroy() that leaves nothing behind (also after a simulated crash).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, listAllNamespaces } from './support/netns.ts';
import { run } from './support/exec.ts';
import { BirdRouter } from './support/routers/bird.ts';
import { FrrRouter } from './support/routers/frr.ts';
import { GobgpRouter } from './support/routers/gobgp.ts';
import { ExabgpRouter } from './support/routers/exabgp.ts';
import { Capture } from './support/capture.ts';
import { readTcpSegments } from './support/pcap.ts';
import type { Link } from './support/netns.ts';
import type { RouteView } from './support/routers/types.ts';

const PREFIX = 'vl-lab-';
let topo: Topology;
let l1: Link;
let l2: Link;
let bird: BirdRouter;
let frr: FrrRouter;
let gobgp: GobgpRouter;
let exa: ExabgpRouter;
let cap: Capture;
let grLink: Link;
let grBird: BirdRouter;
let grFrr: FrrRouter;
let grCap: Capture;

before(async () => {
  // a leftover of a "crashed" run with our prefix must be swept by Topology.create
  await run('ip', ['netns', 'add', `${PREFIX}stale`], { allowFail: true });
  topo = await Topology.create(PREFIX);
  const [nb, nf, ng, ne] = await Promise.all(['bird', 'frr', 'gobgp', 'exa'].map((n) => topo.addNamespace(n)));
  l1 = await topo.addLink(nb, nf, { v4: '10.255.1.0/30', v6: 'fd00:255:1::/64' });
  l2 = await topo.addLink(ng, ne, { v4: '10.255.2.0/30', v6: 'fd00:255:2::/64' });
  cap = await Capture.start(topo, nb, l1.a.ifname);
  bird = new BirdRouter(topo, {
    ns: nb,
    routerId: '10.255.1.1',
    localAs: 4200000001,
    kernel: true,
    neighbors: [
      { address: l1.b.v4!, remoteAs: 65002, families: ['ipv4'], holdTimeSec: 9 },
      { address: l1.b.v6!, remoteAs: 65002, families: ['ipv6'], holdTimeSec: 9 },
    ],
    originate: [{ prefix: '198.51.100.1/32', communities: ['65000:1'] }, { prefix: '2001:db8:100::1/128' }],
  });
  frr = new FrrRouter(topo, {
    ns: nf,
    routerId: '10.255.1.2',
    localAs: 65002,
    neighbors: [
      { address: l1.a.v4!, remoteAs: 4200000001, families: ['ipv4'], passive: true },
      { address: l1.a.v6!, remoteAs: 4200000001, families: ['ipv6'] },
    ],
    originate: [{ prefix: '198.51.100.2/32', med: 20 }, { prefix: '2001:db8:100::2/128' }],
  });
  gobgp = new GobgpRouter(topo, {
    ns: ng,
    routerId: '10.255.2.1',
    localAs: 65003,
    neighbors: [
      // GoBGP's first active connect waits ≥ 5 s (its minimum connect retry): let ExaBGP connect
      { address: l2.b.v4!, remoteAs: 65004, families: ['ipv4'], passive: true },
      { address: l2.b.v6!, remoteAs: 65004, families: ['ipv6'], passive: true },
    ],
    originate: [{ prefix: '198.51.100.3/32', largeCommunities: ['65003:1:2'] }, { prefix: '2001:db8:100::3/128' }],
  });
  exa = new ExabgpRouter(topo, {
    ns: ne,
    routerId: '10.255.2.2',
    localAs: 65004,
    neighbors: [
      { address: l2.a.v4!, localAddress: l2.b.v4!, remoteAs: 65003, families: ['ipv4'] },
      { address: l2.a.v6!, localAddress: l2.b.v6!, remoteAs: 65003, families: ['ipv6'] },
    ],
    originate: [{ prefix: '198.51.100.4/32', communities: ['65004:4'] }, { prefix: '2001:db8:100::4/128' }],
  });
  // a second BIRD↔FRR pair with graceful restart, BFD (100 ms × 3) and TCP-MD5
  const [g1, g2] = await Promise.all(['grb', 'grf'].map((n) => topo.addNamespace(n)));
  grLink = await topo.addLink(g1, g2, { v4: '10.255.3.0/30' });
  grCap = await Capture.start(topo, g1, grLink.a.ifname);
  const gr = { restartTimeSec: 60 };
  grBird = new BirdRouter(topo, {
    ns: g1,
    routerId: '10.255.3.1',
    localAs: 65005,
    neighbors: [{ address: grLink.b.v4!, remoteAs: 65006, gracefulRestart: gr, bfd: true, password: 'lab-md5' }],
    originate: [{ prefix: '198.51.100.5/32' }],
  });
  grFrr = new FrrRouter(topo, {
    ns: g2,
    routerId: '10.255.3.2',
    localAs: 65006,
    neighbors: [{ address: grLink.a.v4!, remoteAs: 65005, gracefulRestart: gr, bfd: true, passive: true, password: 'lab-md5' }],
    originate: [{ prefix: '198.51.100.6/32' }],
  });
  await Promise.all([bird.start(), frr.start(), gobgp.start(), exa.start(), grBird.start(), grFrr.start()]);
});

after(async () => {
  await topo?.destroy();
});

const has = (rs: RouteView[], p: string) => rs.find((r) => r.prefix === p);

test('the stale namespace of an earlier run was removed', async () => {
  assert.ok(!(await listAllNamespaces()).includes(`${PREFIX}stale`));
});

test('BIRD and FRR establish over IPv4 and IPv6 and see each other’s routes', async () => {
  await Promise.all([bird.waitEstablished(), frr.waitEstablished()]);
  const fromBird = await frr.waitForRoutes('ipv4', (rs) => !!has(rs, '198.51.100.1/32'));
  assert.deepEqual(has(fromBird, '198.51.100.1/32')?.asPath, [4200000001]);
  assert.deepEqual(has(fromBird, '198.51.100.1/32')?.communities, ['65000:1']);
  await frr.waitForPrefix('2001:db8:100::1/128');
  const fromFrr = await bird.waitForRoutes('ipv4', (rs) => !!has(rs, '198.51.100.2/32'));
  assert.equal(has(fromFrr, '198.51.100.2/32')?.med, 20);
  assert.equal(has(fromFrr, '198.51.100.2/32')?.nextHop, l1.b.v4);
  const v6 = await bird.waitForRoutes('ipv6', (rs) => !!has(rs, '2001:db8:100::2/128'));
  assert.equal(has(v6, '2001:db8:100::2/128')?.nextHop, l1.b.v6);
  // BIRD's kernel protocol installed the learned route into its namespace FIB
  await bird.waitFor(async () => (await bird.fibRoutes('ipv4', 'bird')).some((r) => r.prefix === '198.51.100.2/32'), 'FIB');
});

test('GoBGP and ExaBGP establish over IPv4 and IPv6 and see each other’s routes', async () => {
  await Promise.all([gobgp.waitEstablished(), exa.waitEstablished()]);
  const atExa = await exa.waitForRoutes('ipv4', (rs) => !!has(rs, '198.51.100.3/32'));
  assert.deepEqual(has(atExa, '198.51.100.3/32')?.largeCommunities, ['65003:1:2']);
  assert.deepEqual(has(atExa, '198.51.100.3/32')?.asPath, [65003]);
  await exa.waitForPrefix('2001:db8:100::3/128');
  const atGobgp = await gobgp.waitForRoutes('ipv4', (rs) => !!has(rs, '198.51.100.4/32'));
  assert.deepEqual(has(atGobgp, '198.51.100.4/32')?.communities, ['65004:4']);
  await gobgp.waitForPrefix('2001:db8:100::4/128');
});

test('routeCount() agrees with routes() on every router and family', async () => {
  for (const r of [bird, frr, gobgp, exa]) {
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const n = (await r.routes(fam)).length;
      assert.ok(n >= 1, `${r.kind} ${fam}`);
      assert.equal(await r.waitForRouteCount(fam, (c) => c === n, 5000), n, `${r.kind} ${fam}`);
    }
  }
});

test('a withdraw and a shutdown message reach the other side', async () => {
  await frr.withdraw('198.51.100.2/32');
  await bird.waitForPrefix('198.51.100.2/32', false);
  await bird.disable(l1.b.v4!, 'lab smoke test');
  const n = await frr.waitFor(() => frr.lastNotification(l1.a.v4!), 'notification');
  assert.equal(n.code, 6);
  assert.equal(n.subcode, 2);
  assert.equal(n.message, 'lab smoke test');
});

test('the capture holds both directions of the BIRD↔FRR sessions as BGP messages', async () => {
  await cap.stop();
  const flows = cap.flows();
  assert.ok(flows.length >= 4, `flows: ${flows.length}`);
  assert.ok(flows.filter((f) => f.messages.some((m) => m.typeName === 'OPEN')).length >= 4);
  for (const f of flows) {
    assert.equal(f.desync, false);
    // a connection either opens, or is refused at once with a NOTIFICATION (collision, Cease 6/5 or 6/7)
    assert.ok(['OPEN', 'NOTIFICATION'].includes(f.messages[0]?.typeName ?? ''), f.messages[0]?.typeName);
  }
  const fromBird = cap.messages(l1.a.v4!);
  assert.ok(fromBird.some((m) => m.typeName === 'NOTIFICATION' && m.bytes[19] === 6 && m.bytes[20] === 2));
  assert.ok(cap.messages(l1.b.v6!).some((m) => m.typeName === 'UPDATE'));
});

test('MD5 session and BFD come up on both sides; a crashed peer’s routes stay stale until it is back (GR)', async () => {
  await Promise.all([grBird.waitEstablished(), grFrr.waitEstablished()]);
  // the session really is signed: every BGP segment on the wire carries the MD5 option (kind 19)
  await grCap.stop();
  const segs = readTcpSegments(grCap.bytes()).filter((s) => s.sport === 179 || s.dport === 179);
  assert.ok(segs.length > 0);
  assert.ok(segs.every((s) => s.md5));
  await grBird.waitFor(async () => (await grBird.bfdSessions()).some((s) => s.peer === grLink.b.v4 && s.state === 'Up'), 'BIRD BFD up');
  await grFrr.waitFor(async () => (await grFrr.bfdSessions()).some((s) => s.peer === grLink.a.v4 && s.state === 'Up'), 'FRR BFD up');
  await grFrr.waitForPrefix('198.51.100.5/32');
  await grBird.waitForPrefix('198.51.100.6/32');
  await grBird.crash(); // no NOTIFICATION: FRR keeps BIRD's routes, marked stale
  const stale = await grFrr.waitForRoutes('ipv4', (rs) => rs.some((r) => r.prefix === '198.51.100.5/32' && r.stale === true));
  assert.ok(stale.length > 0);
  await grBird.start();
  await grFrr.waitForRoutes('ipv4', (rs) => rs.some((r) => r.prefix === '198.51.100.5/32' && !r.stale));
});

test('destroy() removes every namespace and is idempotent', async () => {
  const names = topo.listNamespaces();
  assert.equal(names.length, 6);
  await topo.destroy();
  await topo.destroy();
  const left = await listAllNamespaces();
  for (const n of names) assert.ok(!left.includes(n), `${n} left behind`);
  assert.ok(![bird, frr, gobgp, exa, grBird, grFrr].some((r) => r.isRunning()));
});
