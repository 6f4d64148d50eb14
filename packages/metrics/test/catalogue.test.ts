// The catalogue's naming rules, registry isolation and the collect()-time sources.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, register as globalRegistry } from 'prom-client';
import { createCatalogue, describeRegistry, exportedSeries } from '../src/catalogue.ts';
import { createSecurityRecorder } from '../src/catalogue-security.ts';
import { DECISION_REASONS, labelFrom, labelNotification } from '../src/labels.ts';

async function valueOf(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, `metric ${name} exists`);
  const data = await metric.get();
  const hit = data.values.find((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val));
  return hit?.value;
}

test('every metric follows the naming rules', () => {
  const registry = new Registry();
  createCatalogue(registry);
  const metrics = describeRegistry(registry);
  assert.ok(metrics.length >= 30, `catalogue has ${metrics.length} metrics`);
  for (const m of metrics) {
    assert.match(m.name, /^vipd_[a-z0-9_]+$/, m.name);
    if (m.type === 'counter') assert.ok(m.name.endsWith('_total'), `counter ${m.name} ends in _total`);
    else assert.ok(!m.name.endsWith('_total'), `${m.type} ${m.name} does not end in _total`);
    if (m.type === 'histogram') assert.ok(m.name.endsWith('_seconds'), `histogram ${m.name} is in seconds`);
    assert.ok(m.help.length > 10, `${m.name} has help`);
    for (const l of m.labelNames) assert.match(l, /^[a-z][a-z_]*$/, `${m.name} label ${l}`);
  }
});

test('the catalogue never touches the global registry and can be built twice', () => {
  const before = globalRegistry.getMetricsAsArray().length;
  const a = new Registry();
  const b = new Registry();
  createCatalogue(a);
  createCatalogue(b);
  assert.equal(globalRegistry.getMetricsAsArray().length, before);
  assert.equal(describeRegistry(a).length, describeRegistry(b).length);
});

test('issue 6 metrics exist with their labels', () => {
  const registry = new Registry();
  createCatalogue(registry);
  const series = exportedSeries(registry);
  const expect: Record<string, string[]> = {
    vipd_bgp_session_state: ['peer'],
    vipd_bgp_session_up: ['peer'],
    vipd_bgp_session_established_transitions_total: ['peer'],
    vipd_bgp_session_last_error_info: ['peer', 'direction', 'code', 'subcode'],
    vipd_bgp_messages_sent_total: ['peer', 'type'],
    vipd_bgp_messages_received_total: ['peer', 'type'],
    vipd_bgp_notifications_sent_total: ['peer', 'code', 'subcode'],
    vipd_bgp_notifications_received_total: ['peer', 'code', 'subcode'],
    vipd_bgp_prefixes_advertised_total: ['peer', 'family'],
    vipd_bgp_prefixes_withdrawn_total: ['peer', 'family'],
    vipd_bgp_prefixes_pending: ['peer', 'family'],
    vipd_bgp_prefixes_announced: ['peer', 'family'],
    vipd_bgp_prefixes_received: ['peer', 'family'],
    vipd_bgp_update_queue_depth: ['peer'],
    vipd_bgp_keepalive_lateness_seconds_bucket: ['peer', 'le'],
    vipd_event_to_wire_seconds_bucket: ['peer', 'le'],
    vipd_event_to_wire_seconds_count: ['peer'],
    vipd_reconcile_duration_seconds_sum: [],
    vipd_reconcile_errors_total: [],
    vipd_announcement_decisions: ['reason'],
    vipd_kube_watch_restarts_total: ['resource'],
    vipd_kube_watch_connected: ['resource'],
    vipd_kube_api_errors_total: ['resource', 'verb'],
    vipd_ipam_pool_addresses: ['pool', 'family'],
    vipd_ipam_pool_addresses_used: ['pool', 'family'],
    vipd_config_objects: ['kind', 'status'],
    vipd_build_info: ['version', 'revision', 'nodejs_version'],
    vipd_health_check_up: ['check', 'kind'],
    vipd_health_check_transitions_total: ['check', 'to'],
    vipd_health_check_duration_seconds_bucket: ['check', 'kind', 'le'],
  };
  for (const [name, labels] of Object.entries(expect)) {
    const got = series.get(name);
    assert.ok(got, `${name} is exported`);
    assert.deepEqual([...got].sort(), [...labels].sort(), name);
  }
});

test('every decision reason is exported, at zero when unused', async () => {
  const registry = new Registry();
  createCatalogue(registry);
  for (const reason of DECISION_REASONS) {
    assert.equal(await valueOf(registry, 'vipd_announcement_decisions', { reason }), 0, reason);
  }
});

test('sources are read at scrape time; a removed pool disappears', async () => {
  const registry = new Registry();
  let pools = [
    { pool: 'default', family: 'ipv4' as const, size: 254, used: 10 },
    { pool: 'default', family: 'ipv6' as const, size: 65536, used: 3 },
    { pool: 'extra', family: 'ipv4' as const, size: 16, used: 16 },
  ];
  let announced = 3;
  let adjRibOut = [
    { peer: '192.0.2.1', family: 'ipv4-unicast' as const, count: 5 },
    { peer: '192.0.2.2', family: 'ipv4-unicast' as const, count: 5 },
  ];
  createCatalogue(registry, {
    sources: {
      announcedPrefixes: () => adjRibOut,
      ipamPools: () => pools,
      decisionCounts: () => ({ announced, 'no-local-endpoints': 2 }),
      configObjects: () => ({ BGPPeer: { accepted: 2, invalid: 1 } }),
    },
  });
  let text = await registry.metrics();
  assert.match(text, /^vipd_ipam_pool_addresses\{pool="extra",family="ipv4"\} 16$/m);
  assert.match(text, /^vipd_ipam_pool_addresses_used\{pool="default",family="ipv4"\} 10$/m);
  assert.match(text, /^vipd_announcement_decisions\{reason="announced"\} 3$/m);
  assert.match(text, /^vipd_announcement_decisions\{reason="no-local-endpoints"\} 2$/m);
  assert.match(text, /^vipd_config_objects\{kind="BGPPeer",status="invalid"\} 1$/m);
  assert.match(text, /^vipd_config_objects\{kind="IPAddressPool",status="accepted"\} 0$/m);
  assert.match(text, /^vipd_bgp_prefixes_announced\{peer="192\.0\.2\.2",family="ipv4-unicast"\} 5$/m);
  pools = pools.filter((p) => p.pool !== 'extra');
  adjRibOut = adjRibOut.slice(0, 1);
  announced = 4;
  text = await registry.metrics();
  assert.doesNotMatch(text, /pool="extra"/);
  assert.doesNotMatch(text, /peer="192\.0\.2\.2"/);
  assert.match(text, /^vipd_announcement_decisions\{reason="announced"\} 4$/m);
});

test('controller recorders update their metrics', async () => {
  const registry = new Registry();
  const { control } = createCatalogue(registry);
  control.observeReconcile(0.002, false);
  control.observeReconcile(0.004, true);
  control.watchRestarted('services');
  control.setWatchConnected('services', false);
  control.apiError('services', 'watch');
  control.setPoolUsage([{ pool: 'p', family: 'ipv4', size: 8, used: 7 }]);
  control.healthCheckResult('web', 'http', 'down', 0.02);
  control.healthCheckTransition('web', 'down');
  assert.equal(await valueOf(registry, 'vipd_reconcile_errors_total'), 1);
  assert.equal(await valueOf(registry, 'vipd_kube_watch_restarts_total', { resource: 'services' }), 1);
  assert.equal(await valueOf(registry, 'vipd_kube_watch_connected', { resource: 'services' }), 0);
  assert.equal(await valueOf(registry, 'vipd_kube_api_errors_total', { resource: 'services', verb: 'watch' }), 1);
  assert.equal(await valueOf(registry, 'vipd_ipam_pool_addresses_used', { pool: 'p' }), 7);
  assert.equal(await valueOf(registry, 'vipd_health_check_up', { check: 'web' }), 0);
  assert.equal(await valueOf(registry, 'vipd_health_check_transitions_total', { check: 'web', to: 'down' }), 1);
  const text = await registry.metrics();
  assert.match(text, /^vipd_reconcile_duration_seconds_count 2$/m);
  control.forgetHealthCheck('web', 'http');
  assert.doesNotMatch(await registry.metrics(), /check="web"/);
});

test('build info and start time', async () => {
  const registry = new Registry();
  createCatalogue(registry, { build: { version: '1.2.3', revision: 'deadbee' }, startTimeSec: 1_700_000_000 });
  const text = await registry.metrics();
  assert.match(text, /^vipd_build_info\{version="1\.2\.3",revision="deadbee",nodejs_version="v\d+\.\d+\.\d+"\} 1$/m);
  assert.match(text, /^vipd_start_time_seconds 1700000000$/m);
});

test('label helpers fold unknown values into "other"', () => {
  assert.equal(labelFrom(['a', 'b'] as const, 'b'), 'b');
  assert.equal(labelFrom(['a', 'b'] as const, 'zzz'), 'other');
  assert.deepEqual(labelNotification(6, 2), { code: '6', subcode: '2' });
  assert.deepEqual(labelNotification(6, 0), { code: '6', subcode: '0' });
  assert.deepEqual(labelNotification(4, 0), { code: '4', subcode: '0' });
  assert.deepEqual(labelNotification(6, 200), { code: '6', subcode: 'other' });
  assert.deepEqual(labelNotification(99, 1), { code: 'other', subcode: 'other' });
});

test('docs/metrics.md documents every metric and every decision reason', async () => {
  const { readFileSync } = await import('node:fs');
  const docs = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
  const registry = new Registry();
  createCatalogue(registry);
  for (const m of describeRegistry(registry)) assert.ok(docs.includes(`| \`${m.name}\` | ${m.type} |`), `${m.name} in docs/metrics.md`);
  for (const reason of DECISION_REASONS) assert.ok(docs.includes(`| \`${reason}\` |`), `reason ${reason} in docs/metrics.md`);
});

test('a throwing source is counted and does not break the scrape', async () => {
  const registry = new Registry();
  let fail = false;
  createCatalogue(registry, {
    sources: {
      ipamPools: () => {
        if (fail) throw new Error('ipam not ready');
        return [{ pool: 'p', family: 'ipv4', size: 4, used: 1 }];
      },
      decisionCounts: () => {
        throw new Error('boom');
      },
    },
  });
  let text = await registry.metrics();
  assert.match(text, /^vipd_ipam_pool_addresses_used\{pool="p",family="ipv4"\} 1$/m);
  assert.match(text, /^vipd_metrics_source_errors_total\{source="decisions"\} 1$/m);
  fail = true;
  text = await registry.metrics();
  assert.match(text, /^vipd_ipam_pool_addresses_used\{pool="p",family="ipv4"\} 1$/m, 'keeps the last values');
  assert.match(text, /^vipd_metrics_source_errors_total\{source="ipam-pools"\} 1$/m);
  assert.match(text, /^vipd_build_info\{/m);
});

test('security recorder: BFD state, transitions, BFD process restarts and watchdog trips', async () => {
  const registry = new Registry();
  const c = createCatalogue(registry);
  const rec = createSecurityRecorder(c.security);
  rec.bfdState('192.0.2.1', 'Up');
  rec.bfdTransition('192.0.2.1', 'Up');
  rec.bfdTransition('192.0.2.1', 'not-a-state');
  rec.bfdProcessRestart();
  rec.bfdProcessRestart();
  rec.bfdWatchdogTrip();
  assert.equal(await valueOf(registry, 'vipd_bfd_session_state', { peer: '192.0.2.1' }), 3);
  assert.equal(await valueOf(registry, 'vipd_bfd_session_up', { peer: '192.0.2.1' }), 1);
  assert.equal(await valueOf(registry, 'vipd_bfd_transitions_total', { peer: '192.0.2.1', to: 'Up' }), 1);
  assert.equal((await registry.getSingleMetric('vipd_bfd_transitions_total')!.get()).values.length, 1);
  assert.equal(await valueOf(registry, 'vipd_bfd_process_restarts_total'), 2);
  assert.equal(await valueOf(registry, 'vipd_bfd_watchdog_trips_total'), 1);
});
