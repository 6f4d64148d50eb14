// Every dashboard query and alert expression references only metrics and labels the catalogue exports
// (built on a fresh registry, histogram _bucket/_sum/_count included), and the alert rules file passes
// `promtool check rules` and the alert unit tests in fixtures/alerts.test.yaml (`promtool test rules`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { createCatalogue, exportedSeries } from '../src/catalogue.ts';
import { checkExpression, promqlRefs } from './support/promql-refs.ts';
import { ALERTS_PATH, DASHBOARD_PATH, alertNames, alertQueries, dashboardQueries, shippedQueries, substituteGrafanaVariables } from './support/queries.ts';
import { BFD_STATE_CODES } from '../src/catalogue-security.ts';

function catalogueSeries(): Map<string, Set<string>> {
  const registry = new Registry();
  createCatalogue(registry);
  return exportedSeries(registry);
}

test('the dashboard and the alerts have queries to check', () => {
  assert.ok(dashboardQueries().length >= 30, `dashboard has ${dashboardQueries().length} queries`);
  assert.ok(alertQueries().length >= 7, `alerts have ${alertQueries().length} expressions`);
});

test('every shipped query references only catalogue metrics and labels', () => {
  const series = catalogueSeries();
  const problems: string[] = [];
  for (const q of shippedQueries()) {
    for (const p of checkExpression(q.expr, series)) problems.push(`${q.source}: ${p} in ${q.expr}`);
  }
  assert.deepEqual(problems, []);
});

test('the checker catches unknown metrics, unknown labels, wrong histogram suffixes and syntax errors', () => {
  const series = catalogueSeries();
  const bad: [string, RegExp][] = [
    ['vipd_bgp_session_upp == 0', /not exported/],
    ['vipd_bgp_session_up{neighbor="x"} == 0', /no label neighbor/],
    ['sum by (le) (rate(vipd_event_to_wire_seconds[5m]))', /not exported/],
    ['sum by (le) (rate(vipd_reconcile_errors_total[5m]))', /label le/],
    ['sum by (reason) (vipd_bgp_session_up)', /label reason/],
    ['rate(vipd_bgp_messages_sent_total[5m]', /syntax error/],
    ['{__name__="vipd_nope"}', /not exported/],
    ['up == 0', /not exported/],
    ['vector(1)', /references no metric/],
    ['label_replace(vipd_bgp_session_up, "x", "$1", "router", "(.*)")', /label router/],
  ];
  for (const [expr, want] of bad) assert.match(checkExpression(expr, series).join('; '), want, expr);
  const good = [
    'histogram_quantile(0.99, sum by (instance, le) (rate(vipd_bgp_keepalive_lateness_seconds_bucket{peer=~".*"}[5m])))',
    '(vipd_bgp_prefixes_pending > 0) and ignoring(family) (vipd_bgp_session_up == 1)',
    'sum by (x) (label_replace(vipd_bgp_session_up, "x", "$1", "peer", "(.*)"))',
    '{__name__="vipd_build_info", job="vipd"}',
  ];
  for (const expr of good) assert.deepEqual(checkExpression(expr, series), [], expr);
});

test('Grafana variables are substituted into valid PromQL', () => {
  assert.equal(
    substituteGrafanaVariables('rate(vipd_bgp_session_up{instance=~"$instance", peer=~"${peer}"}[$__rate_interval])'),
    'rate(vipd_bgp_session_up{instance=~".*", peer=~".*"}[5m])',
  );
  assert.equal(substituteGrafanaVariables('label_replace(x, "a", "$1", "b", "(.*)")'), 'label_replace(x, "a", "$1", "b", "(.*)")');
  for (const q of dashboardQueries()) assert.equal(promqlRefs(q.expr).hasSyntaxError, false, q.source);
});

test('every alert has severity, summary, description and runbook annotations', () => {
  const text = readFileSync(ALERTS_PATH, 'utf8');
  const names = alertNames();
  for (const want of ['VipdBgpSessionDown', 'VipdBgpSessionFlapping', 'VipdBgpPrefixesPendingTooLong', 'VipdKeepaliveLatenessHigh', 'VipdConfigInvalid', 'VipdIpamPoolNearlyExhausted', 'VipdKubeWatchDisconnected']) {
    assert.ok(names.includes(want), want);
  }
  const blocks = text.split(/\n\s+- alert: /).slice(1);
  assert.equal(blocks.length, names.length);
  for (const b of blocks) {
    for (const key of ['severity:', 'summary:', 'description:', 'runbook:', 'runbook_url:']) assert.ok(b.includes(key), `${b.split('\n')[0]} has ${key}`);
  }
  const docs = readFileSync(fileURLToPath(new URL('../../../docs/metrics.md', import.meta.url)), 'utf8');
  for (const n of names) assert.ok(docs.includes(`### ${n}`), `docs/metrics.md has a runbook section for ${n}`);
});

test('promtool check rules accepts the alert rules', () => {
  const out = execFileSync('promtool', ['check', 'rules', ALERTS_PATH], { encoding: 'utf8', timeout: 30_000 });
  assert.match(out, new RegExp(`SUCCESS: ${alertQueries().length} rules found`));
});

test('promtool test rules: each alert fires on its scenario and stays quiet otherwise', () => {
  const fixture = fileURLToPath(new URL('./fixtures/alerts.test.yaml', import.meta.url));
  const out = execFileSync('promtool', ['test', 'rules', fixture], { encoding: 'utf8', timeout: 30_000 });
  assert.match(out, /SUCCESS/);
});

test('the dashboard has the panels issue 6 asks for', () => {
  interface P { type: string; title: string; targets?: { expr: string; format?: string }[] }
  const dash = JSON.parse(readFileSync(fileURLToPath(new URL('../../../charts/vipd/dashboards/vipd.json', import.meta.url)), 'utf8')) as { panels: P[]; uid: string };
  const uses = (p: P, metric: string): boolean => (p.targets ?? []).some((t) => t.expr.includes(metric));
  const has = (pred: (p: P) => boolean, what: string): void => assert.ok(dash.panels.some(pred), what);
  has((p) => uses(p, 'vipd_bgp_session_state'), 'session state');
  has((p) => uses(p, 'vipd_bgp_session_established_transitions_total'), 'flaps');
  has((p) => uses(p, 'vipd_bgp_prefixes_announced') && (p.targets ?? []).some((t) => /by \(peer, family\)/.test(t.expr)), 'prefixes per peer');
  has((p) => p.type === 'heatmap' && uses(p, 'vipd_event_to_wire_seconds_bucket') && p.targets!.every((t) => t.format === 'heatmap'), 'event→wire heatmap');
  has((p) => uses(p, 'vipd_bgp_keepalive_lateness_seconds_bucket'), 'keepalive lateness');
  has((p) => uses(p, 'vipd_announcement_decisions') && (p.targets ?? []).some((t) => /by \(reason\)/.test(t.expr)), 'decisions by reason');
  has((p) => uses(p, 'vipd_ipam_pool_addresses_used'), 'IPAM usage');
  assert.equal(dash.uid, 'vipd-overview');
  const ids = dash.panels.map((p) => (p as unknown as { id: number }).id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
});

test('the Failure detection and session security row: BFD state text from the catalogue codes, events, TCP-MD5', () => {
  interface Mapping { type: string; options: Record<string, { text: string }> }
  interface P {
    id: number; type: string; title: string; description?: string; gridPos: { x: number; y: number; w: number; h: number };
    targets?: { expr: string }[];
    fieldConfig?: { defaults?: { mappings?: Mapping[] }; overrides?: { properties: { id: string; value: unknown }[] }[] };
  }
  const dash = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { panels: P[] };
  const rowAt = dash.panels.findIndex((p) => p.type === 'row' && p.title === 'Failure detection and session security');
  assert.ok(rowAt >= 0, 'the row exists');
  const nextRow = dash.panels.findIndex((p, i) => i > rowAt && p.type === 'row');
  const row = dash.panels.slice(rowAt + 1, nextRow < 0 ? undefined : nextRow);
  assert.ok(row.length >= 3 && row.length <= 5, `${row.length} panels`);
  for (const p of row) assert.ok((p.description ?? '').length > 20, `${p.title} has a description`);
  const exprs = (p: P): string => (p.targets ?? []).map((t) => t.expr).join('\n');
  const uses = (metric: string): P[] => row.filter((p) => exprs(p).includes(metric));
  for (const m of ['vipd_bfd_session_state', 'vipd_bfd_transitions_total', 'vipd_bfd_process_restarts_total', 'vipd_bfd_watchdog_trips_total', 'vipd_bgp_connect_timeouts_total', 'vipd_bgp_md5_mismatch_suspected']) {
    assert.ok(uses(m).length > 0, `a panel uses ${m}`);
  }
  assert.ok(uses('vipd_bfd_transitions_total').some((p) => exprs(p).includes('to="Down"')), 'Down transitions');
  assert.ok(uses('vipd_bgp_connect_timeouts_total').some((p) => /by \([^)]*\bauth\b/.test(exprs(p))), 'connect timeouts by auth');
  // Every panel showing the BFD state maps each RFC 5880 code the catalogue exports to its name.
  const want = Object.fromEntries(Object.entries(BFD_STATE_CODES).map(([name, code]) => [String(code), name]));
  const statePanels = uses('vipd_bfd_session_state');
  assert.ok(statePanels.length >= 2, 'timeline and not-Up table');
  for (const p of statePanels) {
    const all = [...(p.fieldConfig?.defaults?.mappings ?? []), ...(p.fieldConfig?.overrides ?? []).flatMap((o) => o.properties.filter((x) => x.id === 'mappings').flatMap((x) => x.value as Mapping[]))];
    const got = Object.fromEntries(all.flatMap((m) => Object.entries(m.options).map(([k, v]) => [k, v.text])));
    assert.deepEqual(got, want, p.title);
  }
  assert.ok(statePanels.some((p) => /!= 3\b/.test(exprs(p))), 'a panel lists only sessions not Up');
});

test('dashboard panels do not overlap and rows span the full width', () => {
  interface P { id: number; type: string; gridPos: { x: number; y: number; w: number; h: number } }
  const dash = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { panels: P[] };
  const overlaps: string[] = [];
  for (const [i, a] of dash.panels.entries()) {
    const g = a.gridPos;
    assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0, `panel ${a.id} fits the 24-column grid`);
    if (a.type === 'row') assert.deepEqual([g.x, g.w, g.h], [0, 24, 1], `row ${a.id}`);
    for (const b of dash.panels.slice(i + 1)) {
      const h = b.gridPos;
      if (g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h) overlaps.push(`${a.id}/${b.id}`);
    }
  }
  assert.deepEqual(overlaps, []);
});
