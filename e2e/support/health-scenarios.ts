// Health-checked VIPs end to end (issue 9), as scenarios run against BIRD 2 (e2e/health-checks.test.ts)
// and FRR 8 (e2e/health-checks-frr.test.ts): two nodes run `vipd run` with the VIP gated by an HTTP
// check of a local server (e2e/support/health-server.ts), the ToR router with ECMP and RFC 8326 handling
// (GRACEFUL_SHUTDOWN → LOCAL_PREF 0), a client sending through the router to the VIP. Asserts on the
// router's own RIB (birdc / vtysh json) and its kernel FIB, and on the client's traffic record:
//   stop the server → VIP withdrawn after `fall` failures (detect-to-withdraw time measured);
//   restart → re-announced only after `rise` passes and the hold-down;
//   a flapping check does not flap the route (up stays up, down stays down);
//   `vipd maintenance web on` → GSHUT (65535:0) at the router, traffic moves, then withdraw, no loss.
// Measured numbers are printed as `# measured …` lines (docs/health-checks.md quotes them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatapathLab, UDP_PORT, type DatapathNode } from './datapath/lab.ts';
import { startUdpClient } from './traffic/run.ts';
import { summarizeUdp } from './traffic/analyze.ts';
import { waitFor, sleep } from './exec.ts';
import type { LabProcess } from './netns.ts';
import { VIPD_CLI } from './vipd-process.ts';

const HEALTH_SERVER = fileURLToPath(new URL('./health-server.ts', import.meta.url));
const HEALTH_PORT = 19120;
const STATUS_PORT = 19150;
// timeoutMs well above the interval: on 2 busy cores a slow answer must not turn the flapping test's
// alternating results into `fall` failures in a row (a stopped server is refused at once anyway).
const CHECK = { intervalMs: 200, fastIntervalMs: 100, timeoutMs: 1000, rise: 2, fall: 3, holdDownSec: 2, drainSec: 2 } as const;

/** Registers the scenarios (before/after/tests) against one router kind. */
export function healthScenarios(kind: 'bird' | 'frr', prefix: string): void {
  let lab: DatapathLab;
  const servers = new Map<string, LabProcess>();
  /** BIRD names the path by protocol (node_n1), FRR by peer address. */
  const peerOf = (n: DatapathNode) => (kind === 'bird' ? `node_${n.name}` : n.address);
  const isGshut = (c: string) => c === '65535:0' || c === 'graceful-shutdown';
  const report = (what: string, value: unknown) => console.log(`# measured [${kind}] ${what}: ${typeof value === 'number' ? `${Math.round(value)} ms` : JSON.stringify(value)}`);

  const modeFile = (n: DatapathNode) => join(lab.topo.dir, `${n.name}.health-mode`);
  const setMode = (n: DatapathNode, mode: 'ok' | 'fail' | 'alternate') => writeFileSync(modeFile(n), mode);

  async function startHealthServer(n: DatapathNode): Promise<void> {
    const p = lab.topo.spawnIn(n.ns, [process.execPath, HEALTH_SERVER, '--address', '127.0.0.1', '--port', String(HEALTH_PORT), '--node', n.name, '--mode-file', modeFile(n)], {
      logFile: join(lab.topo.dir, `${n.ns}-health-${Date.now()}.log`),
    });
    servers.set(n.name, p);
    await waitFor(() => (p.readLog().includes('"serving"') ? true : undefined), { timeoutMs: 10_000, intervalMs: 20, what: `health server in ${n.ns}` });
  }

  /** vipd log records (JSON) with their time as epoch ms. */
  function records(n: DatapathNode): Array<Record<string, unknown> & { atMs: number }> {
    return n.vipd.logs().map((r) => ({ ...r, atMs: typeof r.time === 'string' ? Date.parse(r.time) : 0 }));
  }
  const intentAt = (n: DatapathNode, intent: string, afterMs: number) =>
    waitFor(() => records(n).find((r) => r.check === 'web' && r.intent === intent && r.atMs >= afterMs), { timeoutMs: 15_000, intervalMs: 20, what: `${n.name} intent ${intent}` });

  async function vipPaths(): Promise<Array<{ peer: string; communities: readonly string[]; localPref: number | undefined }>> {
    const rs = await lab.router.routes('ipv4');
    return rs.filter((r) => r.prefix === `${lab.vip}/32`).map((r) => ({ peer: r.fromPeer ?? '', communities: r.communities, localPref: r.localPref }));
  }

  async function fibIs(nodes: string[], timeoutMs = 15_000): Promise<number> {
    await waitFor(async () => ((await lab.fibNodes()).join(',') === nodes.join(',') ? true : undefined), { timeoutMs, intervalMs: 10, what: `FIB next hops ${nodes.join(',') || '(none)'}` });
    return Date.now();
  }

  async function checkStatus(n: DatapathNode): Promise<{ transitions: number; route: string; phase: string; maintenance: boolean }> {
    const r = await lab.topo.execIn(n.ns, process.execPath, [VIPD_CLI, 'maintenance', '--json', '--url', `http://127.0.0.1:${STATUS_PORT}`]);
    const c = (JSON.parse(r.stdout) as { healthChecks: Array<{ name: string; transitions: number; route: string; phase: string; maintenance: boolean }> }).healthChecks.find((x) => x.name === 'web');
    assert.ok(c, 'check web in the status API');
    return c;
  }

  before(async () => {
    lab = await DatapathLab.create({ prefix, router: kind, nodes: 2, holdTimeSec: 9 });
    for (const n of lab.nodes) {
      setMode(n, 'ok');
      n.vipd.config = {
        ...n.vipd.config,
        vips: [{ prefix: `${lab.vip}/32`, healthCheck: { name: 'web', kind: 'http', url: `http://127.0.0.1:${HEALTH_PORT}/healthz`, ...CHECK } }],
        metrics: { address: '127.0.0.1', port: STATUS_PORT },
      };
      await startHealthServer(n);
    }
    await lab.start();
  });

  after(async () => {
    await lab?.destroy();
  });

  test('both nodes announce once their checks pass `rise` times; the status API and metrics report the check', async () => {
    await fibIs(['n1', 'n2']);
    const paths = await vipPaths();
    assert.deepEqual(paths.map((p) => p.peer).sort(), lab.nodes.map(peerOf).sort());
    const st = await checkStatus(lab.node('n1'));
    assert.equal(st.route, 'announce');
    assert.equal(st.phase, 'up');
    const metrics = (await lab.topo.execIn(lab.node('n1').ns, 'curl', ['-sS', `http://127.0.0.1:${STATUS_PORT}/metrics`])).stdout;
    assert.match(metrics, /vipd_health_check_up\{check="web",kind="http"\} 1/);
    assert.match(metrics, /vipd_health_check_duration_seconds_count\{check="web",kind="http"\} \d+/);
  });

  test('server stopped → withdrawn after `fall` failures, not on the first; restarted → back only after `rise` and the hold-down', async () => {
    const n1 = lab.node('n1');
    const before = await checkStatus(n1);
    const tStop = Date.now();
    await servers.get('n1')!.stop(2000);
    const tFib = await fibIs(['n2']);
    const fail = await waitFor(() => records(n1).find((r) => r.msg === 'health check web failing' && r.atMs >= tStop - 5), { timeoutMs: 5000, intervalMs: 20, what: 'first failure' });
    const withdraw = await intentAt(n1, 'withdraw', tStop);
    const paths = await vipPaths();
    assert.deepEqual(paths.map((p) => p.peer), [peerOf(lab.node('n2'))], 'the router has only n2 left');
    // fall = 3: two more failures at the fast interval after the first one.
    assert.ok(withdraw.atMs - fail.atMs >= (CHECK.fall - 1) * CHECK.fastIntervalMs - 30, `withdrew ${withdraw.atMs - fail.atMs} ms after the first failure`);
    report('server stop → first failed probe', fail.atMs - tStop);
    report('first failure → withdraw decision (fall 3, fast interval 100 ms)', withdraw.atMs - fail.atMs);
    report('server stop → withdraw decision', withdraw.atMs - tStop);
    report('server stop → VIP gone from the router FIB', tFib - tStop);
    report('withdraw decision → router FIB', tFib - withdraw.atMs);

    const tRestart = Date.now();
    await startHealthServer(n1);
    const tBack = await fibIs(['n1', 'n2']);
    const announce = await intentAt(n1, 'announce', tRestart);
    assert.ok(announce.atMs - withdraw.atMs >= CHECK.holdDownSec * 1000 - 20, `re-announced ${announce.atMs - withdraw.atMs} ms after the withdraw (hold-down 2 s)`);
    assert.ok(announce.atMs - tRestart >= (CHECK.rise - 1) * CHECK.fastIntervalMs - 30, 'at least rise passes');
    report('withdraw → re-announce decision (hold-down 2 s, rise 2)', announce.atMs - withdraw.atMs);
    report('server restart → back in the router FIB', tBack - tRestart);
    const after = await checkStatus(n1);
    assert.equal(after.transitions, before.transitions + 2);
  });

  test('a flapping check does not flap the route: alternating results keep an up VIP up and a down VIP down', async () => {
    const n1 = lab.node('n1');
    await fibIs(['n1', 'n2']);
    const t0 = (await checkStatus(n1)).transitions;
    setMode(n1, 'alternate');
    const s1 = lab.sampleFib(20, 10_000);
    await sleep(3000);
    const up = await s1.stop();
    assert.deepEqual(up.map((s) => s.nodes.join(',')), ['n1,n2'], 'n1 stayed in the FIB the whole time');
    assert.equal((await checkStatus(n1)).transitions, t0);

    setMode(n1, 'fail');
    await fibIs(['n2']);
    setMode(n1, 'alternate');
    const s2 = lab.sampleFib(20, 10_000);
    await sleep(3000);
    const down = await s2.stop();
    assert.deepEqual(down.map((s) => s.nodes.join(',')), ['n2'], 'n1 never came back while flapping');
    const st = await checkStatus(n1);
    assert.equal(st.phase, 'down');
    assert.equal(st.transitions, t0 + 1);
    setMode(n1, 'ok');
    await fibIs(['n1', 'n2']);
    report('flapping (alternate pass/fail, 3 s up + 3 s down)', { fibChanges: up.length - 1 + down.length - 1 });
  });

  test('maintenance drain: GRACEFUL_SHUTDOWN (65535:0) at BIRD, traffic moves to n2, then withdraw, with no packet loss', async () => {
    const n1 = lab.node('n1');
    await fibIs(['n1', 'n2']);
    const client = await startUdpClient(lab.topo, lab.client.ns, { target: lab.vip, port: UDP_PORT, flows: 8, ratePps: 500, maxDurationMs: 30_000 });
    await sleep(500);
    const tOn = Date.now();
    const cli = await lab.topo.execIn(n1.ns, process.execPath, [VIPD_CLI, 'maintenance', 'web', 'on', '--url', `http://127.0.0.1:${STATUS_PORT}`]);
    assert.match(cli.stdout, /maintenance on/);
    const gshut = await waitFor(async () => (await vipPaths()).find((p) => p.peer === peerOf(n1) && p.communities.some(isGshut)), { timeoutMs: 5000, intervalMs: 20, what: 'GSHUT on n1 path' });
    const tGshut = Date.now();
    assert.equal(gshut.localPref, 0, 'the router lowered LOCAL_PREF of the GSHUT path (RFC 8326 §4)');
    const tMoved = await fibIs(['n2'], 5000);
    const tGone = Date.now();
    await waitFor(async () => ((await vipPaths()).some((p) => p.peer === peerOf(n1)) ? undefined : true), { timeoutMs: 10_000, intervalMs: 20, what: 'n1 path withdrawn' });
    const tWithdrawn = Date.now();
    assert.ok(tWithdrawn - tOn >= CHECK.drainSec * 1000 - 100, `withdrawn ${tWithdrawn - tOn} ms after maintenance on (drain 2 s)`);
    await sleep(500);
    const rec = await client.stop();
    const sum = summarizeUdp(rec);
    report('maintenance on → GSHUT path at the router', tGshut - tOn);
    report('maintenance on → FIB only n2', tMoved - tOn);
    report('maintenance on → n1 path withdrawn', tWithdrawn - tOn);
    report('UDP during drain (sent/received/lost/per node)', { sent: sum.sent, received: sum.received, lost: sum.lost, perNode: sum.perNode });
    assert.ok(tGone >= tMoved);
    assert.equal(sum.lost, 0, 'no packet lost');
    assert.ok((sum.perNode.n1 ?? 0) > 0 && (sum.perNode.n2 ?? 0) > 0, 'both nodes served before the drain');
    const st = await checkStatus(n1);
    assert.equal(st.phase, 'maintenance');
    assert.equal(st.route, 'withdraw');

    const off = await lab.topo.execIn(n1.ns, process.execPath, [VIPD_CLI, 'maintenance', 'web', 'off', '--url', `http://127.0.0.1:${STATUS_PORT}`]);
    assert.match(off.stdout, /maintenance off/);
    await fibIs(['n1', 'n2']);
    const unknown = await lab.topo.execIn(n1.ns, process.execPath, [VIPD_CLI, 'maintenance', 'nope', 'on', '--url', `http://127.0.0.1:${STATUS_PORT}`], { allowFail: true });
    assert.equal(unknown.code, 1);
  });
}
