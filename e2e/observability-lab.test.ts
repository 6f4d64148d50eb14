// Observability of a live standalone vipd (issue 6) against a real BIRD 2 in network namespaces
// (prefix vob-): vipd peers passively with BIRD over TCP-MD5 (RFC 2385), serves /metrics and the
// status API on 127.0.0.1:19201 inside its namespace; a forwarder exposes that on root loopback
// :19202 where a real Prometheus (:19203) scrapes it with the shipped alert rules (`for:` shortened).
//  1. counters against what happened: three SIGHUP reloads (add two VIPs, remove one, change one's MED)
//     and one flap (BIRD `disable` with an RFC 9003 message, then `enable`) give exact UPDATE counts,
//     prefixes advertised / withdrawn, one established transition per session, the received Cease 6/2,
//     the session gauges, the announced-prefixes gauge, keepalive lateness and event→wire counts;
//  2. `vipd status|peers|routes` (+ --json) show BIRD Established with its capabilities and the VIPs;
//  3. the MD5 key never appears in /metrics, /api/v1/*, CLI output or vipd's log;
//  4. every dashboard query and alert expression evaluates on this data; VipdBgpSessionDown fires
//     when BIRD stops and resolves when it is back.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BirdRouter } from './support/routers/bird.ts';
import { waitFor } from './support/exec.ts';
import { VIPD_CLI, type VipdProcess } from './support/vipd-process.ts';
import { VIPD_AS, baseConfig, createSpeakerLab, startVipd, type SpeakerLab } from './support/speaker-lab.ts';
import { forwardToNamespace } from './support/ns-port-forward.ts';
import { Prometheus, alertRulesWithFor, type PromSample } from './support/prometheus.ts';
import { alertQueries, dashboardQueries } from '../packages/metrics/test/support/queries.ts';

const METRICS_PORT = 19201;
const FORWARD_PORT = 19202;
const PROMETHEUS_PORT = 19203;
const SECRET = 'vob-Md5-k3y!sEcReT';
const RECEIVED = '203.0.113.0/24';
const [A, B, C, D, E] = ['198.51.100.1/32', '198.51.100.2/32', '198.51.100.3/32', '198.51.100.4/32', '198.51.100.5/32'] as const;

let lab: SpeakerLab;
let bird: BirdRouter;
let vipd: VipdProcess;
let prom: Prometheus | undefined;
let peer: string;
const promDir = mkdtempSync(join(tmpdir(), 'vob-prom-'));

function config(vips: unknown[]): Record<string, unknown> {
  return baseConfig(
    [{ address: peer, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 3, mode: 'passive', password: SECRET, description: 'tor-1' }],
    vips,
    { metrics: { address: '127.0.0.1', port: METRICS_PORT } },
  );
}

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Prometheus text format → samples (enough for prom-client's output). */
function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length === 0) return undefined;
  return hits.reduce((a, s) => a + s.value, 0);
}

async function http(path: string): Promise<string> {
  const r = await lab.topo.execIn(lab.vns, 'curl', ['-sf', '--max-time', '5', `http://127.0.0.1:${METRICS_PORT}${path}`]);
  return r.stdout;
}

async function scrape(): Promise<Sample[]> {
  return parseMetrics(await http('/metrics'));
}

async function cli(args: readonly string[]): Promise<string> {
  const r = await lab.topo.execIn(lab.vns, process.execPath, [VIPD_CLI, ...args, '--url', `http://127.0.0.1:${METRICS_PORT}`]);
  return r.stdout;
}

async function birdPrefixes(): Promise<string[]> {
  return (await bird.routes('ipv4')).map((r) => r.prefix).sort();
}

async function waitBirdPrefixes(want: readonly string[]): Promise<void> {
  const sorted = [...want].sort();
  await waitFor(async () => JSON.stringify(await birdPrefixes()) === JSON.stringify(sorted), { timeoutMs: 15_000, intervalMs: 100, what: `BIRD has ${sorted.join(' ')}` });
}

/** Waits until /metrics satisfies `pred` (counters are copied into the registry at scrape time). */
async function waitMetrics(pred: (s: Sample[]) => boolean, what: string): Promise<Sample[]> {
  return waitFor(async () => {
    const s = await scrape();
    return pred(s) ? s : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100, what });
}

before(async () => {
  lab = await createSpeakerLab('vob-', [{ name: 'r1' }]);
  const link = lab.routers.get('r1')!.link;
  peer = link.a.v4!;
  bird = new BirdRouter(lab.topo, {
    ns: link.a.ns,
    routerId: peer,
    localAs: 65001,
    neighbors: [{ address: link.b.v4!, remoteAs: VIPD_AS, holdTimeSec: 3, password: SECRET }],
    // One route toward vipd: counted as received (Adj-RIB-In), never re-advertised.
    originate: [{ prefix: RECEIVED }],
  });
  vipd = startVipd(lab, config([A, B, C]));
  await vipd.start();
  await forwardToNamespace(lab.topo, lab.vns, '127.0.0.1', METRICS_PORT, FORWARD_PORT);
  prom = await Prometheus.start({
    port: PROMETHEUS_PORT,
    jobs: [{ job: 'vipd', targets: [`127.0.0.1:${FORWARD_PORT}`], labels: { node: 'vob-node' } }],
    scrapeIntervalSec: 1,
    ruleFiles: [alertRulesWithFor(promDir, '2s')],
  });
  await bird.start();
  await bird.waitEstablished(link.b.v4!);
});

after(async () => {
  await prom?.stop();
  await lab?.topo.destroy();
  rmSync(promDir, { recursive: true, force: true });
});

test('counters after reloads and a flap match what happened on the wire and in BIRD', async (t) => {
  // Initial table: A, B, C share attributes → one UPDATE, then End-of-RIB (an empty UPDATE).
  await waitBirdPrefixes([A, B, C]);
  let s = await waitMetrics((x) => value(x, 'vipd_bgp_messages_sent_total', { peer, type: 'update' }) === 2, 'initial UPDATEs counted');
  assert.equal(value(s, 'vipd_bgp_prefixes_advertised_total', { peer, family: 'ipv4-unicast' }), 3);
  assert.equal(value(s, 'vipd_bgp_session_established_transitions_total', { peer }), 1);
  assert.equal(value(s, 'vipd_bgp_messages_sent_total', { peer, type: 'open' }), 1);
  s = await waitMetrics((x) => value(x, 'vipd_bgp_prefixes_received', { peer, family: 'ipv4-unicast' }) === 1, 'BIRD route received');
  assert.ok((value(s, 'vipd_bgp_messages_received_total', { peer, type: 'update' }) ?? 0) >= 1);

  // Three reloads by SIGHUP, sessions stay up; each sends only the difference.
  assert.equal((await vipd.reload(config([A, B, C, D, E]))).msg, 'config reloaded');
  await waitBirdPrefixes([A, B, C, D, E]);
  assert.equal((await vipd.reload(config([B, C, D, E]))).msg, 'config reloaded');
  await waitBirdPrefixes([B, C, D, E]);
  assert.equal((await vipd.reload(config([{ prefix: B, med: 50 }, C, D, E]))).msg, 'config reloaded');
  await waitFor(async () => (await bird.routes('ipv4')).find((r) => r.prefix === B)?.med === 50, { timeoutMs: 15_000, what: 'MED 50 on B in BIRD' });
  // +1 UPDATE (D, E), +1 withdraw-only UPDATE (A), +1 UPDATE (B with its new MED).
  s = await waitMetrics((x) => value(x, 'vipd_bgp_messages_sent_total', { peer, type: 'update' }) === 5, 'reload UPDATEs counted');
  assert.equal(value(s, 'vipd_bgp_prefixes_advertised_total', { peer, family: 'ipv4-unicast' }), 3 + 2 + 1);
  assert.equal(value(s, 'vipd_bgp_prefixes_withdrawn_total', { peer, family: 'ipv4-unicast' }), 1);
  assert.equal(value(s, 'vipd_bgp_prefixes_announced', { peer, family: 'ipv4-unicast' }), 4);
  assert.equal(value(s, 'vipd_bgp_prefixes_pending', { peer, family: 'ipv4-unicast' }), 0);
  // Event→wire: one observation per reload that changed what this peer gets.
  assert.equal(value(s, 'vipd_event_to_wire_seconds_count', { peer }), 3);
  const e2w = value(s, 'vipd_event_to_wire_seconds_sum', { peer })!;
  assert.ok(e2w > 0 && e2w < 3, `event→wire sum ${e2w} s`);
  assert.equal(value(s, 'vipd_bgp_session_established_transitions_total', { peer }), 1);
  assert.equal(value(s, 'vipd_bgp_notifications_received_total', { peer }), undefined);

  // A flap: BIRD shuts the session down with Cease 6/2 and an RFC 9003 message, then comes back.
  await bird.disable(lab.routers.get('r1')!.link.b.v4!, 'vob maintenance');
  s = await waitMetrics((x) => value(x, 'vipd_bgp_session_up', { peer }) === 0, 'session_up 0 after disable');
  assert.equal(value(s, 'vipd_bgp_notifications_received_total', { peer, code: '6', subcode: '2' }), 1);
  assert.equal(value(s, 'vipd_bgp_notifications_received_total', { peer }), 1);
  assert.equal(value(s, 'vipd_bgp_session_last_error_info', { peer, direction: 'received', code: '6', subcode: '2' }), 1);
  assert.notEqual(value(s, 'vipd_bgp_session_state', { peer }), 6);
  assert.equal(value(s, 'vipd_bgp_prefixes_announced', { peer, family: 'ipv4-unicast' }), 0);
  const peerDown = JSON.parse(await http('/api/v1/peers')) as { peers: { lastError: { direction: string; code: number; subcode: number; message: string | null } | null }[] };
  assert.deepEqual(
    { ...peerDown.peers[0]!.lastError, atMs: undefined, name: undefined },
    { direction: 'received', code: 6, subcode: 2, message: 'vob maintenance', atMs: undefined, name: undefined },
  );

  // Passive vipd waits in Active (BGP4-MIB code 3) after its idle hold; enabling BIRD before that
  // would have the connection refused with Cease 6/5 (counted as sent), which is not this test's point.
  await waitMetrics((x) => value(x, 'vipd_bgp_session_state', { peer }) === 3, 'session_state 3 (Active)');
  await bird.enable(lab.routers.get('r1')!.link.b.v4!);
  await waitBirdPrefixes([B, C, D, E]);
  // Whole table again: B (MED 50) and C, D, E are two attribute groups → two UPDATEs, then End-of-RIB.
  s = await waitMetrics((x) => value(x, 'vipd_bgp_messages_sent_total', { peer, type: 'update' }) === 8, 're-sent table counted');
  assert.equal(value(s, 'vipd_bgp_session_established_transitions_total', { peer }), 2);
  assert.equal(value(s, 'vipd_bgp_prefixes_advertised_total', { peer, family: 'ipv4-unicast' }), 6 + 4);
  assert.equal(value(s, 'vipd_bgp_prefixes_withdrawn_total', { peer, family: 'ipv4-unicast' }), 1);
  assert.equal(value(s, 'vipd_bgp_prefixes_announced', { peer, family: 'ipv4-unicast' }), 4);
  assert.equal(value(s, 'vipd_bgp_session_state', { peer }), 6);
  assert.equal(value(s, 'vipd_bgp_session_up', { peer }), 1);
  assert.equal(value(s, 'vipd_bgp_messages_sent_total', { peer, type: 'open' }), 2);
  assert.equal(value(s, 'vipd_bgp_messages_received_total', { peer, type: 'open' }), 2);
  assert.equal(value(s, 'vipd_bgp_notifications_sent_total', { peer }), undefined, `vipd sent no NOTIFICATION: ${JSON.stringify(s.filter((x) => x.name.startsWith('vipd_bgp_notif') || x.name.startsWith('vipd_bgp_messages')))}\n${vipd.process!.readLog().split('\n').filter((l) => /NOTIF|notif|state change|collision/.test(l)).slice(-30).join('\n')}`);
  // A session reset is not a config change: no event→wire observation for the re-sent table.
  assert.equal(value(s, 'vipd_event_to_wire_seconds_count', { peer }), 3);
  // Hold 3 s → a KEEPALIVE every second, each timed against its schedule.
  s = await waitMetrics((x) => (value(x, 'vipd_bgp_keepalive_lateness_seconds_count', { peer }) ?? 0) > 0, 'keepalive lateness observed');
  assert.ok((value(s, 'vipd_bgp_messages_sent_total', { peer, type: 'keepalive' }) ?? 0) > 0);
  const kaCount = value(s, 'vipd_bgp_keepalive_lateness_seconds_count', { peer })!;
  const kaSum = value(s, 'vipd_bgp_keepalive_lateness_seconds_sum', { peer })!;
  t.diagnostic(`event→wire (SIGHUP → UPDATE written) mean ${((e2w / 3) * 1000).toFixed(1)} ms over 3 reloads; keepalive lateness mean ${((kaSum / kaCount) * 1000).toFixed(2)} ms over ${kaCount}`);
});

test('vipd status / peers / routes (and --json) against the live daemon', async (t) => {
  const peersJson = JSON.parse(await cli(['peers', '--json'])) as { peers: { address: string; state: string; capabilities: string[]; holdTimeSec: number; peerRouterId: string; establishedTransitions: number; description: string; messagesSent: number; prefixes: { family: string; advertised: number; pending: number; received: number }[] }[] };
  assert.equal(peersJson.peers.length, 1);
  const p = peersJson.peers[0]!;
  assert.equal(p.address, peer);
  assert.equal(p.state, 'Established');
  assert.equal(p.peerRouterId, peer);
  assert.equal(p.holdTimeSec, 3);
  assert.equal(p.description, 'tor-1');
  assert.equal(p.establishedTransitions, 2);
  for (const cap of ['multiprotocol ipv4-unicast', '4-octet-as', 'route-refresh', 'enhanced-route-refresh']) assert.ok(p.capabilities.includes(cap), `capability ${cap} in ${p.capabilities.join(', ')}`);
  assert.deepEqual(p.prefixes.find((x) => x.family === 'ipv4-unicast'), { family: 'ipv4-unicast', advertised: 4, pending: 0, received: 1 });
  assert.ok(p.messagesSent > 0);

  const peersText = await cli(['peers']);
  assert.ok(peersText.includes(peer) && peersText.includes('Established'), peersText);
  const detail = await cli(['peers', peer]);
  assert.ok(detail.includes('route-refresh') && detail.includes('4-octet-as'), detail);

  const routesJson = JSON.parse(await cli(['routes', '--json'])) as { routes: { prefix: string; peers: string[]; attributes: { med: number | null } }[] };
  assert.deepEqual(routesJson.routes.map((r) => r.prefix).sort(), [B, C, D, E]);
  for (const r of routesJson.routes) assert.deepEqual(r.peers, [peer], `${r.prefix} is in the peer's Adj-RIB-Out`);
  assert.equal(routesJson.routes.find((r) => r.prefix === B)?.attributes.med, 50);
  const routesText = await cli(['routes']);
  for (const v of [B, C, D, E]) assert.ok(routesText.includes(v.replace('/32', '')), routesText);

  const statusJson = JSON.parse(await cli(['status', '--json'])) as { info: { mode: string; localAsn: number }; ready: boolean; peers: { total: number; established: number }; routes: { total: number } };
  assert.equal(statusJson.info.mode, 'standalone');
  assert.equal(statusJson.info.localAsn, VIPD_AS);
  assert.equal(statusJson.ready, true);
  assert.deepEqual(statusJson.peers, { total: 1, established: 1 });
  assert.equal(statusJson.routes.total, 4);
  const statusText = await cli(['status']);
  assert.ok(statusText.includes(peer) && statusText.includes('Established'), statusText);
  t.diagnostic(`vipd status:\n${statusText}\nvipd peers ${peer}:\n${detail}\nvipd routes:\n${routesText}`);
});

test('the TCP-MD5 key never appears in /metrics, the status API, the CLI or the log', async () => {
  const bodies = await Promise.all(['/metrics', '/api/v1/status', '/api/v1/peers', '/api/v1/routes', '/api/v1/decisions', '/api/v1/health-checks'].map((p) => http(p)));
  bodies.push(await cli(['status', '--json']), await cli(['peers', '--json']), await cli(['peers', peer]), await cli(['routes', '--json']));
  assert.ok(bodies[0]!.includes('vipd_bgp_session_up'), 'the scrape worked');
  for (const b of bodies) assert.ok(!b.includes(SECRET), 'secret in a response');
  const log = vipd.process!.readLog();
  assert.ok(log.includes('transport security configured'), 'the MD5 peer was configured');
  assert.ok(!log.includes(SECRET), 'secret in the log');
});

test('Prometheus: shipped queries evaluate on live data; VipdBgpSessionDown fires when BIRD stops and resolves when it is back', async () => {
  const p = prom!;
  await p.waitForTargetsUp();
  await waitFor(async () => {
    const r = await p.query('count_over_time(vipd_build_info[5m])');
    return Number((r.result as PromSample[])[0]?.value[1] ?? 0) >= 4;
  }, { timeoutMs: 20_000, intervalMs: 250, what: 'four scrapes' });
  const failures: string[] = [];
  const empty: string[] = [];
  for (const q of [...dashboardQueries(), ...alertQueries()]) {
    try {
      const r = await p.query(q.expr);
      if (r.resultType === 'vector' && (r.result as PromSample[]).length === 0) empty.push(q.source);
    } catch (err) {
      failures.push(`${q.source}: ${(err as Error).message}`);
    }
  }
  assert.deepEqual(failures, []);
  // The BGP panels have data from this daemon (Kubernetes-only panels may be empty in standalone mode).
  const up = (await p.query(`vipd_bgp_session_up{peer="${peer}"}`)).result as PromSample[];
  assert.equal(up[0]?.value[1], '1');
  assert.equal(up[0]?.metric.node, 'vob-node');
  const rules = await waitFor(async () => {
    const rs = await p.rules();
    return rs.length > 0 && rs.every((r) => r.lastEvaluation !== '0001-01-01T00:00:00Z') ? rs : undefined;
  }, { timeoutMs: 20_000, intervalMs: 250, what: 'all rules evaluated' });
  for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
  assert.equal((await p.alerts()).filter((a) => a.labels.alertname === 'VipdBgpSessionDown').length, 0, 'no session-down alert while Established');

  await bird.stop();
  const firing = await p.waitForAlert('VipdBgpSessionDown', 'firing', { peer }, 30_000);
  assert.equal(firing.labels.severity, 'critical');
  assert.equal(firing.labels.node, 'vob-node');
  await bird.start();
  await bird.waitEstablished(lab.routers.get('r1')!.link.b.v4!);
  await waitFor(async () => (await p.alerts()).every((a) => a.labels.alertname !== 'VipdBgpSessionDown'), { timeoutMs: 30_000, intervalMs: 250, what: 'VipdBgpSessionDown resolved' });
  const s = await scrape();
  assert.equal(value(s, 'vipd_bgp_session_established_transitions_total', { peer }), 3);
  await waitBirdPrefixes([B, C, D, E]);
  process.stdout.write(`# queries with empty results on a standalone vipd: ${empty.length} (${empty.join('; ')})\n`);
});
