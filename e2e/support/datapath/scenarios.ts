// Data-path scenarios, shared by the e2e tests (which assert) and bench/datapath.bench.ts (which
// repeats and reports): each takes a started DatapathLab, drives real traffic through it while doing
// one thing to the nodes or the router, and returns the raw traffic record plus the router's timeline.
import { UDP_PORT, HTTP_PORT, FLOW_BASE_PORT } from './lab.ts';
import type { DatapathLab, DatapathNode, FibSample } from './lab.ts';
import { startUdpClient, startHttpClient } from '../traffic/run.ts';
import type { UdpRecord } from '../traffic/udp-stream.ts';
import { nowMs } from '../traffic/udp-stream.ts';
import type { HttpRecord } from '../traffic/http-load.ts';
import { cutLink } from '../link-cut.ts';
import { LabError } from '../exec.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** n distinct /32s (198.51.101.0 on, 256 per /24) to fill the router's table. */
export function extraVips(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `198.51.${101 + Math.floor(i / 256)}.${i % 256}/32`);
}

export interface StreamOptions {
  readonly flows?: number;
  readonly ratePps?: number;
}

/** Steady state: UDP stream and HTTP keep-alive load side by side for durationMs. */
export async function runSteady(lab: DatapathLab, durationMs: number, o: StreamOptions = {}): Promise<{ udp: UdpRecord; http: HttpRecord }> {
  const udp = await startUdpClient(lab.topo, lab.client.ns, { target: lab.vip, port: UDP_PORT, flows: o.flows ?? 24, ratePps: o.ratePps ?? 1000, maxDurationMs: durationMs, basePort: FLOW_BASE_PORT });
  const http = startHttpClient(lab.topo, lab.client.ns, { target: lab.vip, port: HTTP_PORT, connections: 12, intervalMs: 10, timeoutMs: 2000, maxDurationMs: durationMs, maxRequests: 20_000 });
  const [u, h] = await Promise.all([udp.done(durationMs + 15_000), http.done(durationMs + 15_000)]);
  return { udp: u, http: h };
}

export interface TimelineResult {
  readonly udp: UdpRecord;
  readonly fib: FibSample[];
  /** Named instants (epoch ms) of what the scenario did, for plots. */
  readonly events: Array<{ atMs: number; what: string }>;
}

/**
 * Rolling restart: on each node in turn SIGTERM vipd (its drain runs), and the moment it exits the node
 * stops serving (its link is black-holed for downMs: the worst case, a node going away with vipd), then
 * vipd starts again and the test waits for every next hop before the next node.
 */
/** How a scenario stops (SIGTERM, resolving with the exit code) and starts vipd on a node. */
export interface VipdOps {
  stop(n: DatapathNode): Promise<number>;
  start(n: DatapathNode): Promise<void>;
}

export function standaloneOps(lab: DatapathLab): VipdOps {
  return { stop: (n) => n.vipd.stop('SIGTERM', 20_000), start: (n) => lab.startVipd(n) };
}

export async function runRollingRestart(lab: DatapathLab, o: StreamOptions & { downMs?: number; ops?: VipdOps } = {}): Promise<TimelineResult & { fibHadNodeAtExit: string[]; http: HttpRecord }> {
  const ops = o.ops ?? standaloneOps(lab);
  const udp = await startUdpClient(lab.topo, lab.client.ns, { target: lab.vip, port: UDP_PORT, flows: o.flows ?? 24, ratePps: o.ratePps ?? 600, maxDurationMs: 90_000, basePort: FLOW_BASE_PORT });
  // TCP beside it: a keep-alive connection whose flow the router re-hashes to another node breaks
  // (that node has no state for it), so HTTP failures show ECMP re-hashing, not packet loss.
  const http = startHttpClient(lab.topo, lab.client.ns, { target: lab.vip, port: HTTP_PORT, connections: 12, intervalMs: 20, timeoutMs: 2000, maxDurationMs: 90_000, maxRequests: 100_000 });
  const fib = lab.sampleFib(10);
  const events: TimelineResult['events'] = [];
  const fibHadNodeAtExit: string[] = [];
  await sleep(1000); // a steady baseline before the first restart (timeline plots)
  for (const n of lab.nodes) {
    events.push({ atMs: nowMs(), what: `SIGTERM ${n.name}` });
    const code = await ops.stop(n);
    if (code !== 0) throw new LabError('LAB_NOT_RUNNING', `vipd on ${n.name} exited ${code}`);
    events.push({ atMs: nowMs(), what: `${n.name} down` });
    const cut = await cutLink(lab.topo, n.ns, n.ifname);
    if ((await lab.fibNodes()).includes(n.name)) fibHadNodeAtExit.push(n.name);
    await sleep(o.downMs ?? 300);
    await cut.restore();
    await ops.start(n);
    await lab.waitNextHops(lab.nodes.length, 20_000);
    events.push({ atMs: nowMs(), what: `${n.name} back` });
  }
  await sleep(1000);
  const samples = await fib.stop();
  const [u, h] = await Promise.all([udp.stop(15_000), http.stop(15_000)]);
  return { udp: u, http: h, fib: samples, events, fibHadNodeAtExit };
}

/**
 * Node death: n1's link is black-holed, then its vipd SIGKILLed (no FIN, no NOTIFICATION reaches the
 * router), so the router detects it by hold timer or BFD. Returns when the FIB lost n1 (ms after the cut).
 */
export async function runNodeDeath(lab: DatapathLab, o: StreamOptions & { revive?: boolean } = {}): Promise<TimelineResult & { fibGoneMs: number; cutAtMs: number }> {
  const udp = await startUdpClient(lab.topo, lab.client.ns, { target: lab.vip, port: UDP_PORT, flows: o.flows ?? 24, ratePps: o.ratePps ?? 1000, maxDurationMs: 40_000, basePort: FLOW_BASE_PORT });
  const fib = lab.sampleFib(10);
  await sleep(500);
  const n = lab.node('n1');
  if (lab.opts.bfd) {
    // BFD must be Up at the router before the cut, or it cannot report the failure (a revived node's
    // BFD session comes up after its BGP route): otherwise this would measure the hold timer.
    await lab.router.waitFor(async () => ((await lab.router.bfdSessions()).some((b) => b.peer === n.address && b.state === 'Up') ? true : undefined), `BFD Up with ${n.address}`, 20_000);
  }
  const cutAtMs = nowMs();
  const cut = await cutLink(lab.topo, n.ns, n.ifname);
  await n.vipd.kill();
  await lab.waitNextHops(lab.nodes.length - 1, 30_000);
  const fibGoneMs = performance.now() - cut.cutAtMs;
  const goneAt = nowMs();
  await sleep(500);
  const samples = await fib.stop();
  const udpRec = await udp.stop(15_000);
  if (o.revive !== false) {
    // Bring n1 back (link and vipd) so the same lab can run the scenario again.
    await cut.restore();
    await lab.startVipd(n);
    await lab.waitNextHops(lab.nodes.length, 30_000);
  }
  return { udp: udpRec, fib: samples, events: [{ atMs: cutAtMs, what: 'n1 dies' }, { atMs: goneAt, what: 'FIB drops n1' }], fibGoneMs, cutAtMs };
}

/**
 * Graceful-restart stop of n1's vipd (`--graceful-restart-stop` in the lab's vipdArgs): the node keeps
 * serving, vipd is away for awayMs, then comes back. Reports whether the router held n1's route stale.
 */
export async function runGrRestart(lab: DatapathLab, o: StreamOptions & { awayMs?: number } = {}): Promise<TimelineResult & { sawStale: boolean; staleClearedMs: number }> {
  const udp = await startUdpClient(lab.topo, lab.client.ns, { target: lab.vip, port: UDP_PORT, flows: o.flows ?? 24, ratePps: o.ratePps ?? 600, maxDurationMs: 60_000, basePort: FLOW_BASE_PORT });
  const fib = lab.sampleFib(10);
  const n = lab.node('n1');
  const prefix = `${lab.vip}/32`;
  const events: TimelineResult['events'] = [{ atMs: nowMs(), what: 'SIGTERM n1 (GR stop)' }];
  const code = await n.vipd.stop('SIGTERM', 15_000);
  if (code !== 0) throw new LabError('LAB_NOT_RUNNING', `vipd on n1 exited ${code}`);
  const stale = await lab.router
    .waitFor(async () => ((await lab.router.routes('ipv4')).some((r) => r.prefix === prefix && r.nextHop === n.address && r.stale === true) ? true : undefined), 'n1 route stale')
    .then(() => true, () => false);
  await sleep(o.awayMs ?? 1000);
  const back = performance.now();
  events.push({ atMs: nowMs(), what: 'n1 vipd starts' });
  await lab.startVipd(n);
  await lab.router.waitFor(async () => {
    const mine = (await lab.router.routes('ipv4')).filter((r) => r.prefix === prefix);
    return mine.length === lab.nodes.length && mine.every((r) => r.stale !== true) ? true : undefined;
  }, 'n1 route fresh again');
  const staleClearedMs = performance.now() - back;
  events.push({ atMs: nowMs(), what: 'n1 fresh' });
  await sleep(300);
  const samples = await fib.stop();
  return { udp: await udp.stop(15_000), fib: samples, events, sawStale: stale, staleClearedMs };
}

/**
 * Router restart: the router daemon is stopped and started again; measures the time from its start to
 * every session Established and to the full table (every prefix with every node's next hop) in its FIB.
 */
export async function runRouterRestart(lab: DatapathLab, prefixesPerNode: number): Promise<{ establishedMs: number; fullTableMs: number; fibEmptyAfterStop: boolean }> {
  await lab.router.stop();
  const fibEmptyAfterStop = (await lab.fibSummary()).prefixes === 0;
  const t0 = performance.now();
  await lab.router.start();
  let establishedMs = -1;
  const want = prefixesPerNode * lab.nodes.length;
  const deadline = t0 + 60_000;
  for (let i = 0; i < 100_000 && performance.now() < deadline; i++) {
    if (establishedMs < 0) {
      const peers = await lab.router.peers();
      if (peers.length === lab.nodes.length && peers.every((p) => p.state === 'Established')) establishedMs = performance.now() - t0;
    }
    const f = await lab.fibSummary();
    if (f.prefixes === prefixesPerNode && f.nextHops === want) {
      return { establishedMs: establishedMs < 0 ? performance.now() - t0 : establishedMs, fullTableMs: performance.now() - t0, fibEmptyAfterStop };
    }
    await sleep(20);
  }
  throw new LabError('LAB_WAIT_TIMEOUT', `router FIB not full within 60 s: ${JSON.stringify(await lab.fibSummary())}`);
}
