// A real Prometheus (Debian 2.42) on loopback scrapes a Node process serving the real metric catalogue
// (e2e/support/metrics-fixture.ts) and loads the shipped alert rules: every dashboard query and every
// alert expression evaluates through /api/v1/query without error, dashboard queries return series,
// every rule evaluates healthy, and the alerts whose conditions the fixture sets reach `firing` (with
// `for:` shortened) while the healthy peer raises nothing; the BFD / TCP-MD5 panels name the faulty peer.
// Ports 18210 (fixture) and 18211 (Prometheus).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killPid, waitFor } from './support/exec.ts';
import { Prometheus, alertRulesWithFor, type PromSample } from './support/prometheus.ts';
import { alertQueries, dashboardQueries } from '../packages/metrics/test/support/queries.ts';

const FIXTURE_PORT = 18210;
const PROMETHEUS_PORT = 18211;
const FIXTURE = fileURLToPath(new URL('./support/metrics-fixture.ts', import.meta.url));

let fixture: ChildProcess | undefined;
let prom: Prometheus | undefined;
const dir = mkdtempSync(join(tmpdir(), 'vmt-e2e-'));

before(async () => {
  const child = spawn(process.execPath, [FIXTURE, String(FIXTURE_PORT)], { stdio: ['pipe', 'pipe', 'inherit'] });
  fixture = child;
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  await waitFor(() => out.includes('listening') || (child.exitCode !== null ? Promise.reject(new Error('fixture exited')) : false), {
    timeoutMs: 20_000,
    what: 'metrics fixture listening',
  });
  prom = await Prometheus.start({
    port: PROMETHEUS_PORT,
    jobs: [{ job: 'vipd', targets: [`127.0.0.1:${FIXTURE_PORT}`], labels: { node: 'worker-1' } }],
    scrapeIntervalSec: 1,
    ruleFiles: [alertRulesWithFor(dir, '2s')],
  });
  await prom.waitForTargetsUp();
  // Enough samples that rate()/increase() over the substituted 5m windows have at least two points.
  await waitFor(
    async () => {
      const r = await prom!.query('count_over_time(vipd_build_info[5m])');
      const v = (r.result as PromSample[])[0]?.value[1];
      return v !== undefined && Number(v) >= 4;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: 'four scrapes' },
  );
});

after(async () => {
  await prom?.stop();
  if (fixture?.pid !== undefined) {
    fixture.stdin?.end();
    await killPid(fixture.pid, 3000);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('every dashboard query evaluates and returns series', async () => {
  const queries = dashboardQueries();
  assert.ok(queries.length >= 30);
  const failures: string[] = [];
  for (const q of queries) {
    try {
      const r = await prom!.query(q.expr);
      if (r.resultType === 'vector' && (r.result as PromSample[]).length === 0) failures.push(`${q.source}: empty result for ${q.expr}`);
    } catch (err) {
      failures.push(`${q.source}: ${(err as Error).message} in ${q.expr}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('every alert expression evaluates without error', async () => {
  const queries = alertQueries();
  assert.ok(queries.length >= 7);
  for (const q of queries) await assert.doesNotReject(prom!.query(q.expr), q.source);
});

test('Prometheus loads every alert rule and evaluates each healthily', async () => {
  const expected = alertQueries().length;
  const rules = await waitFor(
    async () => {
      const rs = await prom!.rules();
      return rs.length === expected && rs.every((r) => r.lastEvaluation !== '0001-01-01T00:00:00Z') ? rs : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 250, what: 'all rules evaluated' },
  );
  for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
});

test("alerts fire for the fixture's faults and only for them", async () => {
  const down = await prom!.waitForAlert('VipdBgpSessionDown', 'firing', { peer: '192.0.2.2' });
  assert.equal(down.labels.severity, 'critical');
  assert.equal(down.labels.node, 'worker-1');
  assert.match(down.annotations.summary, /192\.0\.2\.2/);
  assert.ok(down.annotations.runbook_url.length > 0);
  await prom!.waitForAlert('VipdConfigInvalid', 'firing', { kind: 'BGPPeer' });
  await prom!.waitForAlert('VipdKubeWatchDisconnected', 'firing', { resource: 'endpointslices' });
  const pool = await prom!.waitForAlert('VipdIpamPoolNearlyExhausted', 'firing', { pool: 'default', family: 'ipv4' });
  assert.match(pool.annotations.summary, /95%/);
  await prom!.waitForAlert('VipdBgpPrefixesPendingTooLong', 'firing', { peer: '192.0.2.1', family: 'ipv6-unicast' });
  const alerts = await prom!.alerts();
  const forUp = alerts.filter((a) => a.labels.peer === '192.0.2.1').map((a) => `${a.labels.alertname}/${a.labels.family ?? ''}`);
  assert.deepEqual(forUp, ['VipdBgpPrefixesPendingTooLong/ipv6-unicast'], 'the Established peer raises only its pending-prefix alert');
  assert.equal(alerts.filter((a) => a.labels.family === 'ipv6' && a.labels.alertname === 'VipdIpamPoolNearlyExhausted').length, 0);
});

test('the BFD / TCP-MD5 row names the fixture faulty peer: BFD not Up, a Down transition, key mismatch likely', async () => {
  const byTitle = (title: string): string[] => dashboardQueries().filter((q) => q.source.startsWith(`panel '${title}'`)).map((q) => q.expr);
  const peers = async (expr: string): Promise<string[]> => ((await prom!.query(expr)).result as PromSample[]).map((s) => `${s.metric.peer}=${s.value[1]}`).sort();
  const [notUp] = byTitle('BFD sessions not Up');
  assert.deepEqual(await peers(notUp!), ['192.0.2.2=1'], 'only the peer whose BFD is Down (code 1)');
  const [md5] = byTitle('TCP-MD5 key mismatch likely');
  assert.deepEqual(await peers(md5!), ['192.0.2.2=1']);
  const [timeline] = byTitle('BFD session state');
  assert.deepEqual(await peers(timeline!), ['192.0.2.1=3', '192.0.2.2=1']);
  const [downs] = byTitle('BFD Down transitions, process restarts, watchdog trips');
  assert.deepEqual((await peers(downs!)).map((s) => s.split('=')[0]), ['192.0.2.2'], 'Down transitions only for the faulty peer');
  const [timeouts] = byTitle('BGP connect timeouts by auth');
  const t = (await prom!.query(timeouts!)).result as PromSample[];
  assert.deepEqual(t.map((s) => `${s.metric.peer}/${s.metric.auth}`), ['192.0.2.2/md5']);
});
