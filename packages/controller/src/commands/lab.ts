// `vipd lab`: the Quickstart. Builds two network namespaces joined by a veth pair, runs a real BIRD 2
// router in one and `vipd run` (standalone mode) in the other, peers them over IPv4 and IPv6, announces
// example VIPs (3 IPv4 /32, 2 IPv6 /128), prints BIRD's own table and the router's kernel FIB, withdraws
// one VIP to show it go, and removes everything again (also on Ctrl-C and on errors).
// Needs root and the Debian packages from `bash scripts/setup.sh`. Bounded: about 10 s, at most 30.

import { Topology, cleanupPrefix } from '../../../../e2e/support/netns.ts';
import { BirdRouter } from '../../../../e2e/support/routers/bird.ts';
import { VipdProcess } from '../../../../e2e/support/vipd-process.ts';
import { waitFor } from '../../../../e2e/support/exec.ts';

export const summary = 'Quickstart: run vipd against a real BIRD router in network namespaces (root)';

const PREFIX = 'vipd-lab-';
const ROUTER_AS = 65000;
const VIPD_AS = 4200000010;
const VIPS4 = ['198.51.100.10/32', '198.51.100.11/32', '198.51.100.12/32'];
const VIPS6 = ['2001:db8:100::10/128', '2001:db8:100::11/128'];
const DEADLINE_MS = 30_000;

function usage(): string {
  return [
    'usage: vipd lab [--keep] [--cleanup]',
    '',
    '  (no option)  build the lab, show the routes, withdraw one VIP, tear everything down',
    '  --keep       leave the namespaces, BIRD and vipd running to explore; remove later with --cleanup',
    '  --cleanup    remove a lab left by --keep (or by a crash)',
  ].join('\n');
}

const out = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};

function vipdConfig(routerV4: string, routerV6: string, vips: readonly string[]): Record<string, unknown> {
  return {
    localAsn: VIPD_AS,
    routerId: '10.0.0.2',
    listen: { enabled: false },
    shutdownMessage: 'vipd lab finished',
    logLevel: 'info',
    peers: [
      { address: routerV4, asn: ROUTER_AS, holdTimeSec: 9, families: ['ipv4-unicast'], description: 'bird (IPv4 session)' },
      { address: routerV6, asn: ROUTER_AS, holdTimeSec: 9, families: ['ipv6-unicast'], description: 'bird (IPv6 session)' },
    ],
    vips: vips.map((prefix, i) => (i === 0 ? { prefix, communities: ['65000:100'], largeCommunities: [`${VIPD_AS}:1:1`] } : prefix)),
  };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(usage());
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--keep' && a !== '--cleanup');
  if (unknown.length > 0) {
    process.stderr.write(`vipd lab: unknown option ${unknown[0]}\n${usage()}\n`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('vipd lab: needs root (network namespaces); try: sudo pnpm lab\n');
    return 1;
  }
  if (argv.includes('--cleanup')) {
    await cleanupPrefix(PREFIX);
    out('vipd lab: removed namespaces and files of earlier labs');
    return 0;
  }
  const keep = argv.includes('--keep');
  const started = Date.now();
  const topo = await Topology.create(PREFIX);
  let interrupted = false;
  let kept = false;
  const onSignal = (): void => {
    interrupted = true;
    process.stderr.write('\nvipd lab: interrupted, cleaning up…\n');
    void topo.destroy().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const deadline = setTimeout(() => {
    process.stderr.write(`vipd lab: did not finish within ${DEADLINE_MS / 1000} s, cleaning up\n`);
    void topo.destroy().finally(() => process.exit(1));
  }, DEADLINE_MS);
  try {
    const step = (s: string): void => out(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${s}`);
    step('creating namespaces vipd-lab-router and vipd-lab-vipd joined by a veth pair');
    const rns = await topo.addNamespace('router', { forwarding: true });
    const vns = await topo.addNamespace('vipd');
    const link = await topo.addLink(rns, vns, { v4: '10.0.0.0/30', v6: 'fd00:0:0:1::/64' });
    const routerV4 = link.a.v4!;
    const routerV6 = link.a.v6!;
    const vipdV4 = link.b.v4!;
    const vipdV6 = link.b.v6!;

    const bird = new BirdRouter(topo, {
      ns: rns,
      routerId: routerV4,
      localAs: ROUTER_AS,
      kernel: true,
      neighbors: [
        { address: vipdV4, remoteAs: VIPD_AS, holdTimeSec: 9, families: ['ipv4'], name: 'vipd4' },
        { address: vipdV6, remoteAs: VIPD_AS, holdTimeSec: 9, families: ['ipv6'], name: 'vipd6' },
      ],
    });
    step(`starting BIRD ${await bird.version()} (AS ${ROUTER_AS}) in ${rns}`);
    await bird.start();

    const vipd = new VipdProcess(topo, vns, vipdConfig(routerV4, routerV6, [...VIPS4, ...VIPS6]));
    step(`starting vipd standalone (AS ${VIPD_AS}) in ${vns}, peering with ${routerV4} and ${routerV6}`);
    out(`        config: ${vipd.configFile}`);
    await vipd.start();
    await bird.waitEstablished(undefined, 20_000);
    step('both BGP sessions are Established');
    await bird.waitForRoutes('ipv4', (rs) => VIPS4.every((p) => rs.some((r) => r.prefix === p)), 15_000);
    await bird.waitForRoutes('ipv6', (rs) => VIPS6.every((p) => rs.some((r) => r.prefix === p)), 15_000);
    await waitFor(async () => (await bird.fibRoutes('ipv6', 'bird')).length >= VIPS6.length, { timeoutMs: 10_000, what: 'kernel FIB' });

    step("BIRD's table (birdc show route all where source = RTS_BGP):");
    out(indent(await bird.birdc(['show', 'route', 'all', 'where', 'source', '=', 'RTS_BGP'])));
    step(`kernel FIB in ${rns} (ip route show proto bird):`);
    out(indent((await topo.execIn(rns, 'ip', ['route', 'show', 'proto', 'bird'])).stdout));
    out(indent((await topo.execIn(rns, 'ip', ['-6', 'route', 'show', 'proto', 'bird'])).stdout));

    const gone = VIPS4[2]!;
    step(`withdrawing ${gone}: removing it from the config and sending SIGHUP to vipd`);
    await vipd.reload(vipdConfig(routerV4, routerV6, [...VIPS4.filter((p) => p !== gone), ...VIPS6]));
    await bird.waitForPrefix(gone, false, 10_000);
    step(`BIRD no longer has ${gone} (birdc show route where source = RTS_BGP):`);
    out(indent(await bird.birdc(['show', 'route', 'where', 'source', '=', 'RTS_BGP'])));

    if (keep) {
      clearTimeout(deadline);
      step('--keep: leaving the lab running. Try:');
      out(`        ip netns exec ${rns} birdc -s ${bird.ctl} show protocols all`);
      out(`        ip netns exec ${rns} ip route`);
      out(`        kill -HUP ${vipd.pid}    # after editing ${vipd.configFile}`);
      out('        vipd lab --cleanup          # remove everything');
      kept = true;
      return 0;
    }
    step('stopping vipd (SIGTERM: withdraw, then Cease with a shutdown message)');
    const code = await vipd.stop('SIGTERM', 10_000);
    const note = await bird.lastNotification('vipd4').catch(() => undefined);
    if (note !== undefined) out(`        BIRD says: ${note.raw}${note.message ? ` — "${note.message}"` : ''}`);
    step(`vipd exited with ${code}; removing namespaces`);
    return code === 0 ? 0 : 1;
  } catch (err) {
    if (!interrupted) process.stderr.write(`vipd lab: failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    clearTimeout(deadline);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!kept) await topo.destroy();
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `        ${l}`)
    .join('\n');
}
