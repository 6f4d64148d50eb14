// vipd standalone against a real GoBGP 3 in a network namespace, asserting on GoBGP's own view
// (`gobgp -j`): r1 with an IPv4 session (vipd active, GR helper) and an IPv6 session (vipd passive:
// GoBGP connects); r2 on an IPv6-only link taking IPv4 VIPs with extended next hop (RFC 8950).
// GoBGP is RIB-only here and its `softresetin` sends no ROUTE-REFRESH (see the driver), so route
// refresh is proven against BIRD, FRR and ExaBGP. vipd runs with a 4-byte local AS (4200000001).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GobgpRouter } from './support/routers/gobgp.ts';
import { LabError, waitFor } from './support/exec.ts';
import type { RouteView } from './support/routers/types.ts';
import type { VipdProcess } from './support/vipd-process.ts';
import { VIPD_AS, VIPS4, VIPS6, baseConfig, createSpeakerLab, startVipd, vipList, vipdConnections, type SpeakerLab } from './support/speaker-lab.ts';

/** GoBGP with a 1 s idle hold after a reset (default 30 s) and debug logs (NOTIFICATION contents). */
class GobgpTestRouter extends GobgpRouter {
  override config(): string {
    return super.config().replace(/( {4}connect-retry = 1)/g, '$1\n    idle-hold-time-after-reset = 1');
  }

  override async start(): Promise<void> {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(this.file('gobgpd.toml'), this.config());
    const p = this.topo.spawnIn(
      this.spec.ns,
      ['gobgpd', '-f', this.file('gobgpd.toml'), '-t', 'toml', '-p', '-l', 'debug', '--api-hosts', `127.0.0.1:${this.apiPort}`, '--pprof-disable'],
      { logFile: this.file('gobgpd.log') },
    );
    this.procs = [p];
    await waitFor(
      async () => {
        if (!p.isRunning()) throw new LabError('LAB_SPAWN_FAILED', `gobgpd exited: ${p.readLog().slice(-500)}`);
        await this.gobgp(['global']);
        return true;
      },
      { timeoutMs: 15_000, intervalMs: 100, what: 'gobgpd API' },
    );
  }

  log(): string {
    return this.procs[0]?.readLog() ?? '';
  }
}

let lab: SpeakerLab;
let r1: GobgpTestRouter;
let r2: GobgpTestRouter;
let vipd: VipdProcess;
let peers: Record<string, unknown>[];

const has = (rs: RouteView[], prefixes: readonly string[]) => prefixes.every((p) => rs.some((r) => r.prefix === p));
const lacks = (rs: RouteView[], prefixes: readonly string[]) => prefixes.every((p) => !rs.some((r) => r.prefix === p));

before(async () => {
  lab = await createSpeakerLab('vsp-g-', [{ name: 'r1' }, { name: 'r2', v6only: true }]);
  const l1 = lab.routers.get('r1')!.link;
  const l2 = lab.routers.get('r2')!.link;
  r1 = new GobgpTestRouter(lab.topo, {
    ns: lab.routers.get('r1')!.ns,
    routerId: '10.0.1.1',
    localAs: 65001,
    apiPort: 18501,
    neighbors: [
      { address: l1.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], gracefulRestart: true },
      { address: l1.b.v6!, remoteAs: VIPD_AS, families: ['ipv6'] },
    ],
  });
  r2 = new GobgpTestRouter(lab.topo, {
    ns: lab.routers.get('r2')!.ns,
    routerId: '10.0.2.1',
    localAs: 65002,
    apiPort: 18502,
    neighbors: [{ address: l2.b.v6!, remoteAs: VIPD_AS, families: ['ipv4'] }],
  });
  await Promise.all([r1.start(), r2.start()]);
  peers = [
    { address: l1.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 6, gracefulRestart: { restartTimeSec: 60 } },
    { address: l1.a.v6!, asn: 65001, families: ['ipv6-unicast'], holdTimeSec: 6, mode: 'passive' },
    { address: l2.a.v6!, asn: 65002, families: ['ipv4-unicast'], holdTimeSec: 6, extendedNextHop: true },
  ];
  vipd = startVipd(lab, baseConfig(peers));
  await vipd.start();
});

after(async () => {
  await lab?.topo.destroy();
});

test('IPv4 and IPv6 sessions: 3 /32 and 2 /128 VIPs in GoBGP with our 4-byte AS and attributes', async () => {
  const l1 = lab.routers.get('r1')!.link;
  await r1.waitEstablished(undefined, 20_000);
  const v4 = await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 15_000);
  const v6 = await r1.waitForRoutes('ipv6', (rs) => has(rs, VIPS6), 15_000);
  for (const r of [...v4, ...v6]) {
    assert.deepEqual(r.asPath, [VIPD_AS]);
    assert.equal(r.origin, 'igp');
  }
  for (const r of v4) assert.equal(r.nextHop, l1.b.v4);
  for (const r of v6) assert.equal(r.nextHop, l1.b.v6);
  const first = v4.find((r) => r.prefix === VIPS4[0])!;
  assert.deepEqual(first.communities, ['65000:100']);
  assert.deepEqual(first.largeCommunities, [`${VIPD_AS}:7:8`]);
  assert.equal(first.med, 10);
});

test('passive vipd peer: GoBGP opened the IPv6 connection to vipd port 179', async () => {
  const l1 = lab.routers.get('r1')!.link;
  const conns = await vipdConnections(lab);
  assert.ok(conns.some((c) => c.local === `[${l1.b.v6}]:179` && c.remote.startsWith(`[${l1.a.v6}]:`)), JSON.stringify(conns));
  assert.ok(!conns.some((c) => c.remote === `[${l1.a.v6}]:179`));
});

test('IPv4 VIPs over an IPv6-only session with extended next hop (RFC 8950, GoBGP advertises it by default)', async () => {
  const l2 = lab.routers.get('r2')!.link;
  const rs = await r2.waitForRoutes('ipv4', (x) => has(x, VIPS4), 20_000);
  for (const p of VIPS4) {
    const r = rs.find((x) => x.prefix === p)!;
    assert.equal(r.nextHop, l2.b.v6, `${p} via the IPv6 next hop`);
    assert.deepEqual(r.asPath, [VIPD_AS]);
  }
});

test('SIGHUP with changed attributes and a removed VIP: GoBGP reflects both, sessions stay up', async () => {
  const opens = async () => (await r1.neighborsJson()).map((n) => (n.state as { messages?: { received?: { open?: number } } } | undefined)?.messages?.received?.open ?? 0);
  const before = await opens();
  await vipd.reload(baseConfig(peers, vipList({ drop: [VIPS4[2], VIPS6[1]], first: { communities: ['65000:200'], med: 77 } })));
  const v4 = await r1.waitForRoutes('ipv4', (rs) => lacks(rs, [VIPS4[2]]) && rs.some((r) => r.prefix === VIPS4[0] && r.med === 77), 10_000);
  assert.deepEqual(v4.find((r) => r.prefix === VIPS4[0])!.communities, ['65000:200']);
  await r1.waitForRoutes('ipv6', (rs) => lacks(rs, [VIPS6[1]]) && has(rs, [VIPS6[0]]), 10_000);
  assert.deepEqual(await opens(), before, 'no new OPEN: no session was reset');
  assert.ok(before.every((n) => n >= 1));
  await vipd.reload(baseConfig(peers));
  await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 10_000);
});

test('restart with graceful restart: GoBGP keeps the routes stale until our End-of-RIB', async () => {
  await vipd.kill();
  await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4) && rs.every((r) => r.stale === true), 15_000);
  await r1.waitForRoutes('ipv6', (rs) => rs.length === 0, 15_000);
  vipd.writeConfig(baseConfig(peers, vipList({ drop: [VIPS4[1]] })));
  await vipd.start();
  const after = await r1.waitForRoutes('ipv4', (rs) => lacks(rs, [VIPS4[1]]) && has(rs, [VIPS4[0], VIPS4[2]]) && rs.every((r) => !r.stale), 25_000);
  assert.equal(after.length, 2);
});

test('SIGTERM: VIPs withdrawn, GoBGP logs the Cease / administrative shutdown with our message, exit 0', async () => {
  await vipd.reload(baseConfig(peers));
  await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 15_000);
  await r1.waitForRoutes('ipv6', (rs) => has(rs, VIPS6), 25_000);
  const code = await vipd.stop('SIGTERM', 20_000);
  assert.equal(code, 0);
  // GoBGP's API has no field for a received NOTIFICATION; its log records code, subcode and the
  // RFC 9003 text ("Communicated-Reason").
  const line = await waitFor(() => r1.log().split('\n').find((l) => /received notification/.test(l)), {
    timeoutMs: 10_000,
    what: 'GoBGP log of the NOTIFICATION',
  });
  assert.match(line, /Code=6 /);
  assert.match(line, /Subcode=2 /);
  assert.match(line, /Communicated-Reason="vipd e2e: planned maintenance"/);
  assert.deepEqual(await r1.routes('ipv4'), []);
  assert.deepEqual(await r1.routes('ipv6'), []);
});
