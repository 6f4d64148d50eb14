// Every RouterSpec option, rendered by each driver, is accepted by the router's own config checker
// (bird -p, bgpd -C, gobgpd -d, exabgp --test). Catches a driver writing syntax the router rejects
// before any namespace is involved. Needs root and the four routers installed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Topology } from './support/netns.ts';
import { run } from './support/exec.ts';
import { BirdRouter } from './support/routers/bird.ts';
import { FrrRouter } from './support/routers/frr.ts';
import { GobgpRouter } from './support/routers/gobgp.ts';
import { ExabgpRouter } from './support/routers/exabgp.ts';
import type { NeighborSpec, RouterSpec } from './support/routers/types.ts';

const topo = await Topology.create('vl-cfg-');
after(() => topo.destroy());

const full: NeighborSpec = {
  address: '10.0.0.2',
  localAddress: '10.0.0.1',
  remoteAs: 4200000002,
  port: 1179,
  passive: true,
  holdTimeSec: 9,
  families: ['ipv4', 'ipv6'],
  extendedNextHop: true,
  routeRefresh: false,
  gracefulRestart: { restartTimeSec: 30 },
  password: 's3cret',
  bfd: { intervalMs: 100, multiplier: 3 },
  multihop: 2,
  nextHopSelf: true,
};
const v6: NeighborSpec = { address: 'fd00::2', localAddress: 'fd00::1', remoteAs: 65001, families: ['ipv6'] };
// BIRD/FRR only: role, add-path, route reflection, aggregates
const rich: NeighborSpec = { ...full, role: 'provider', addPath: 'both' };
const rrClient: NeighborSpec = { address: '10.0.1.2', remoteAs: 65001, routeReflectorClient: true, addPath: 'send' };
const spec: RouterSpec = {
  ns: 'vl-cfg-none',
  routerId: '192.0.2.1',
  localAs: 65001,
  listen: { port: 1179 },
  neighbors: [full, v6],
  originate: [
    { prefix: '10.1.1.1/32', communities: ['65001:1'], largeCommunities: ['4200000000:1:2'], extCommunities: ['rt:65001:2'], med: 1, localPref: 5, origin: 'egp', asPathPrepend: [65010] },
    { prefix: 'fd00:1::1/128', communities: ['65001:6'] },
  ],
};
const noBfd = (n: NeighborSpec): NeighborSpec => ({ ...n, bfd: undefined });

function rejectsNothing(out: string): void {
  assert.doesNotMatch(out, /No such command|Invalid value|Unknown command|syntax error|Config Failed on config line (?!\d+: log file)/i, out);
}

test('BIRD accepts the config (bird -p), including as4 off and route refresh off', async () => {
  const r = new BirdRouter(topo, { ...spec, clusterId: '192.0.2.99', neighbors: [{ ...rich, remoteAs: 65002, as4: false }, v6, rrClient] });
  writeFileSync(join(r.dir, 'bird.conf'), r.config());
  const res = await run('bird', ['-p', '-c', join(r.dir, 'bird.conf')], { allowFail: true });
  assert.equal(res.code, 0, res.stderr);
});

/** bgpd -C leaves /var/tmp/frr/bgpd.<pid>; remove the new ones whose process is gone. */
function removeNewFrrCrashDirs(before: Set<string>): void {
  if (!existsSync('/var/tmp/frr')) return;
  for (const d of readdirSync('/var/tmp/frr')) {
    const pid = Number(d.split('.')[1]);
    if (!before.has(d) && d.startsWith('bgpd.') && !existsSync(`/proc/${pid}`)) rmSync(`/var/tmp/frr/${d}`, { recursive: true, force: true });
  }
}

test('FRR accepts the bgpd config (bgpd -C)', async () => {
  const before = new Set(existsSync('/var/tmp/frr') ? readdirSync('/var/tmp/frr') : []);
  after(() => removeNewFrrCrashDirs(before));
  const r = new FrrRouter(topo, {
    ...spec,
    clusterId: '192.0.2.99',
    neighbors: [rich, v6, rrClient],
    aggregates: [{ prefix: '10.1.0.0/16', summaryOnly: true, asSet: true }, { prefix: 'fd00:1::/64' }],
  });
  writeFileSync(join(r.dir, 'bgpd.conf'), r.config());
  const res = await run('/usr/lib/frr/bgpd', ['-C', '-f', join(r.dir, 'bgpd.conf'), '-u', 'frr', '-g', 'frr', '--vty_socket', r.dir, '-z', join(r.dir, 'z.api'), '-i', join(r.dir, 'x.pid')], {
    allowFail: true,
  });
  assert.equal(res.code, 0);
  rejectsNothing(res.stdout + res.stderr);
});

test('GoBGP accepts the toml (gobgpd -d)', async () => {
  const r = new GobgpRouter(topo, { ...spec, neighbors: [noBfd(full), v6] });
  writeFileSync(join(r.dir, 'gobgpd.toml'), r.config());
  const res = await run('gobgpd', ['-d', '-f', join(r.dir, 'gobgpd.toml')], { allowFail: true });
  assert.equal(res.code, 0, res.stdout + res.stderr);
});

test('ExaBGP accepts the config (exabgp --test), including asn4 disable and raw attributes', async () => {
  const check = async (r: ExabgpRouter) => {
    writeFileSync(join(r.dir, 'exabgp.conf'), r.config());
    const env = { ...process.env, 'exabgp.daemon.user': 'root', 'exabgp.api.cli': 'false', 'exabgp.log.level': 'DEBUG' };
    const res = await run('exabgp', ['--test', join(r.dir, 'exabgp.conf')], { allowFail: true, env });
    assert.equal(res.code, 0, (res.stdout + res.stderr).split('\n').filter((l) => /error|different|\[/i.test(l)).join('\n'));
  };
  // --test re-encodes every static route and compares: it adds the Partial bit to an unknown optional
  // transitive attribute and resolves `next-hop self` to ::1 without a session, so the routes carry
  // explicit next hops here and the extended-next-hop block is checked without routes
  await check(
    new ExabgpRouter(topo, {
      ...spec,
      instance: 'exa-routes',
      neighbors: [{ ...noBfd(full), as4: false, extendedNextHop: false }, v6],
      originate: [...(spec.originate ?? []), { prefix: '10.1.1.2/32', raw: [{ code: 0xf0, flags: 0xe0, hex: 'deadbeef' }] }].map((r) => ({
        ...r,
        nextHop: r.prefix.includes(':') ? 'fd00::1' : '10.0.0.1',
      })),
    }),
  );
  await check(new ExabgpRouter(topo, { ...spec, instance: 'exa-extnh', neighbors: [{ ...noBfd(full), as4: false }, v6], originate: [] }));
});

test('options a router cannot express are refused with LAB_BAD_SPEC', () => {
  assert.throws(() => new FrrRouter(topo, { ...spec, neighbors: [{ ...full, as4: false }] }), { code: 'LAB_BAD_SPEC' });
  assert.throws(() => new GobgpRouter(topo, spec), { code: 'LAB_BAD_SPEC' }); // BFD
  assert.throws(() => new ExabgpRouter(topo, { ...spec, kernel: true }), { code: 'LAB_BAD_SPEC' });
});
