// The control-plane VIP end to end (issue 9): two "control-plane nodes" each run a fake kube-apiserver
// (e2e/support/health-server.ts: /livez plus a catch-all answering with the node's name) and vipd with
// exactly the config `vipd manifest controlplane` embeds (controlPlaneConfig(): --config-env +
// --expand-env with NODE_IP, 1 s /livez checks, rise 3, fall 2, hold-down, bindToLoopback), pointed at
// the fake server and the lab's BIRD router. Proves: vipd adds the VIP to `lo` itself (real `ip`, in the
// namespace) and removes it on SIGTERM; both nodes announce (ECMP); a client's HTTP requests through the
// router keep being answered when one node's API server stops (that node withdraws after `fall`);
// `bindToLoopback: announced` removes the address when the route is withdrawn and adds it back with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DatapathLab, ROUTER_AS, NODE_AS, type DatapathNode } from './support/datapath/lab.ts';
import { startHttpClient } from './support/traffic/run.ts';
import { waitFor, sleep } from './support/exec.ts';
import type { LabProcess } from './support/netns.ts';
import { CONTROLPLANE_DEFAULTS, controlPlaneConfig } from '../packages/controller/src/standalone/controlplane-manifest.ts';

const API_SERVER = fileURLToPath(new URL('./support/health-server.ts', import.meta.url));
const API_PORT = 19121;
const VIP = '198.51.100.20';

let lab: DatapathLab;
const apis = new Map<string, LabProcess>();
const report = (what: string, value: unknown) => console.log(`# measured ${what}: ${typeof value === 'number' ? `${Math.round(value)} ms` : JSON.stringify(value)}`);

async function loHas(n: DatapathNode): Promise<boolean> {
  const r = await lab.topo.execIn(n.ns, 'ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo']);
  return r.stdout.includes(` ${VIP}/32 `);
}

async function startApi(n: DatapathNode): Promise<void> {
  const p = lab.topo.spawnIn(n.ns, [process.execPath, API_SERVER, '--address', '0.0.0.0', '--port', String(API_PORT), '--node', n.name], {
    logFile: join(lab.topo.dir, `${n.ns}-api-${Date.now()}.log`),
  });
  apis.set(n.name, p);
  await waitFor(() => (p.readLog().includes('"serving"') ? true : undefined), { timeoutMs: 10_000, intervalMs: 20, what: `api server in ${n.ns}` });
}

async function fibIs(nodes: string[], timeoutMs = 20_000): Promise<number> {
  await waitFor(async () => ((await lab.fibNodes(VIP)).join(',') === nodes.join(',') ? true : undefined), { timeoutMs, intervalMs: 10, what: `FIB ${nodes.join(',')}` });
  return Date.now();
}

before(async () => {
  lab = await DatapathLab.create({ prefix: 'vhc-c-', router: 'bird', nodes: 2, vip: VIP, holdTimeSec: 9 });
  await lab.router.start();
  for (const n of lab.nodes) {
    // The lab put the VIP on lo; here vipd must do it (bindToLoopback), so start without it.
    await lab.topo.execIn(n.ns, 'ip', ['addr', 'del', `${VIP}/32`, 'dev', 'lo']);
    assert.equal(await loHas(n), false);
    await startApi(n);
    const cfg = controlPlaneConfig({
      ...CONTROLPLANE_DEFAULTS,
      vip: VIP,
      peers: [{ address: n.routerAddress, asn: ROUTER_AS }],
      localAsn: NODE_AS,
      url: `http://127.0.0.1:${API_PORT}/livez`,
      holdDownSec: 3,
      metricsPort: 19151,
    });
    // n2 binds only while it announces (`bindToLoopback: announced`); n1 as the manifest does (always).
    const vips = (cfg.vips as Array<Record<string, unknown>>).map((v) => (n.name === 'n2' ? { ...v, bindToLoopback: 'announced' } : v));
    n.vipd.config = { ...cfg, vips, drain: { mode: 'graceful-shutdown', periodSec: 1 } };
    await n.vipd.start({ args: ['--config-env=VIPD_CONFIG', '--expand-env'], env: { VIPD_CONFIG: stringify(n.vipd.config), NODE_IP: n.address } });
  }
});

after(async () => {
  await lab?.destroy();
});

test('vipd binds the VIP to lo on both nodes and both announce it after rise (ECMP at the router)', async () => {
  // n1 (always) binds at start, before its check passes; n2 (announced) once it announces.
  assert.equal(await loHas(lab.node('n1')), true, `${VIP}/32 on lo of n1`);
  const t = await fibIs(['n1', 'n2']);
  await waitFor(async () => ((await loHas(lab.node('n2'))) ? true : undefined), { timeoutMs: 5000, intervalMs: 20, what: 'VIP on n2 lo' });
  const paths = (await lab.router.routes('ipv4')).filter((r) => r.prefix === `${VIP}/32`);
  assert.equal(paths.length, 2);
  // Router IDs came from ${NODE_IP}.
  const started = lab.nodes.map((n) => n.vipd.logs().find((r) => r.msg === 'vipd running'));
  assert.deepEqual(started.map((r) => r?.routerId), lab.nodes.map((n) => n.address));
  void t;
});

test("client traffic through the router survives stopping one node's API server", async () => {
  await fibIs(['n1', 'n2']);
  const client = startHttpClient(lab.topo, lab.client.ns, { target: VIP, port: API_PORT, connections: 8, intervalMs: 20, timeoutMs: 500, maxDurationMs: 30_000, maxRequests: 100_000 });
  await sleep(1000);
  const tStop = Date.now();
  await apis.get('n1')!.stop(2000);
  const tFib = await fibIs(['n2']);
  await sleep(1500);
  const rec = await client.stop();
  const withdraw = lab.node('n1').vipd.logs().find((r) => r.check === 'kube-apiserver' && r.intent === 'withdraw' && Date.parse(String(r.time)) >= tStop);
  assert.ok(withdraw, 'n1 logged the withdraw');
  const during = rec.requests.filter((q) => q.atMs >= tStop && q.atMs < tFib + 200);
  const afterFib = rec.requests.filter((q) => q.atMs >= tFib + 200);
  const beforeStop = rec.requests.filter((q) => q.atMs < tStop - 100);
  report('CP: API server stop → withdraw decision (1 s interval, fall 2)', Date.parse(String(withdraw.time)) - tStop);
  report('CP: API server stop → router FIB only n2', tFib - tStop);
  report('CP: requests (before stop / stop→FIB switch / after)', {
    before: beforeStop.length,
    beforeFailed: beforeStop.filter((q) => q.node === '').length,
    during: during.length,
    duringFailed: during.filter((q) => q.node === '').length,
    after: afterFib.length,
    afterFailed: afterFib.filter((q) => q.node === '').length,
  });
  assert.equal(beforeStop.filter((q) => q.node === '').length, 0);
  assert.ok(new Set(beforeStop.map((q) => q.node)).size === 2, 'both nodes served before');
  assert.ok(afterFib.length > 20);
  assert.equal(afterFib.filter((q) => q.node !== 'n2').length, 0, 'after the withdraw every request is answered, by n2');
});

test('SIGTERM: vipd drains, withdraws and removes the VIP from lo (only on that node)', async () => {
  const n1 = lab.node('n1');
  const n2 = lab.node('n2');
  const code = await n1.vipd.stop('SIGTERM', 20_000);
  assert.equal(code, 0);
  assert.equal(await loHas(n1), false, 'removed from n1 lo');
  assert.equal(await loHas(n2), true, 'still on n2 lo');
  assert.ok(n1.vipd.logs().some((r) => r.msg === 'VIP removed from loopback'));
});

test('bindToLoopback: announced — the VIP leaves lo with the withdraw and returns with the announce', async () => {
  const n2 = lab.node('n2');
  assert.equal(await loHas(n2), true);
  await apis.get('n2')!.stop(2000);
  await fibIs([]);
  await waitFor(async () => ((await loHas(n2)) ? undefined : true), { timeoutMs: 10_000, intervalMs: 20, what: 'VIP removed from n2 lo' });
  await startApi(n2);
  await fibIs(['n2']);
  await waitFor(async () => ((await loHas(n2)) ? true : undefined), { timeoutMs: 10_000, intervalMs: 20, what: 'VIP back on n2 lo' });
  const code = await n2.vipd.stop('SIGTERM', 20_000);
  assert.equal(code, 0);
  assert.equal(await loHas(n2), false, 'removed on exit too');
});
