// The Helm chart, proven without a cluster: rendered by e2e/tools/helm-render (Go text/template +
// sprig + Helm's built-ins) for the default values and every ci/*-values.yaml set; every object
// validated against the Kubernetes OpenAPI (strict fields), the CRD schemas or the Prometheus Operator
// schema fixtures; values.schema.json checked against every values file; alerts through promtool.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { CHART_DIR, ChartValidator, newValuesValidator, parseObjects, renderChart, unknownFields, type K8sObject } from './support/chart.ts';

const ciValues = readdirSync(join(CHART_DIR, 'ci'))
  .filter((f) => f.endsWith('-values.yaml'))
  .map((f) => join(CHART_DIR, 'ci', f));
const valueSets: [string, string[]][] = [['default', []], ...ciValues.map((f): [string, string[]] => [f.split('/').pop()!, [f]])];
const tmp = mkdtempSync(join(tmpdir(), 'vipd-chart-test-'));

function render(files: string[]): K8sObject[] {
  const r = renderChart(files);
  assert.equal(r.ok, true, r.stderr);
  return parseObjects(r.stdout);
}

function find(objs: K8sObject[], kind: string, nameSuffix = ''): K8sObject | undefined {
  return objs.find((o) => o.kind === kind && o.metadata.name.endsWith(nameSuffix));
}

test('at least four value sets besides the defaults', () => {
  assert.ok(ciValues.length >= 4, `ci value sets: ${ciValues.length}`);
});

for (const [name, files] of valueSets) {
  test(`renders and validates: ${name}`, async () => {
    const objs = render(files);
    const crds = objs.filter((o) => o.kind === 'CustomResourceDefinition');
    assert.ok(crds.length >= 5, 'the CRDs are rendered with --include-crds');
    const validator = new ChartValidator(crds);
    const problems: string[] = [];
    for (const o of objs) problems.push(...(await validator.validate(o)));
    assert.deepEqual(problems, []);
    const r = renderChart(files, { notes: true });
    assert.equal(r.ok, true, r.stderr);
    assert.match(r.stdout, /ebgp-requires-policy/);
  });
}

test('the validators catch what they are there for', async () => {
  const objs = render([join(CHART_DIR, 'ci/ipv4-only-values.yaml')]);
  const validator = new ChartValidator(objs.filter((o) => o.kind === 'CustomResourceDefinition'));
  const ds = structuredClone(find(objs, 'DaemonSet', '-speaker')!);
  (ds.spec as Record<string, unknown>).tempalte = {};
  assert.ok((await validator.validate(ds)).some((p) => p.includes('tempalte')), 'unknown field in a DaemonSet');
  const ds2 = structuredClone(find(objs, 'DaemonSet', '-speaker')!);
  ((ds2.spec as any).template.spec.containers[0].ports[0] as Record<string, unknown>).containerPort = 'seven';
  assert.notDeepEqual(await validator.validate(ds2), [], 'wrong type in a DaemonSet');
  const peer = structuredClone(find(objs, 'BGPPeer')!);
  (peer.spec as Record<string, unknown>).asnn = 1;
  assert.notDeepEqual(await validator.validate(peer), [], 'unknown field in a BGPPeer');
  const sm = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x' }, spec: { selector: {}, endpoints: [{ prot: 'metrics' }] } };
  assert.notDeepEqual(await validator.validate(sm as K8sObject), [], 'unknown field in a ServiceMonitor');
  const out: string[] = [];
  unknownFields({ spec: { containers: [{ name: 'a', imagee: 'b' }] } }, 'V1Pod', 'Pod', out);
  assert.deepEqual(out, ['Pod.spec.containers[0].imagee: unknown field for V1Container']);
});

test('values.schema.json accepts every shipped values file and rejects typos and bad values', () => {
  const validate = newValuesValidator();
  for (const f of [join(CHART_DIR, 'values.yaml'), ...ciValues]) {
    const v = parseYaml(readFileSync(f, 'utf8')) as unknown;
    assert.equal(validate(v), true, `${f}: ${JSON.stringify(validate.errors)}`);
  }
  for (const bad of [{ speaker: { lisen: true } }, { settings: { drainBehaviour: 'sometimes' } }, { speaker: { bgpPort: 70000 } }, { controlPlane: { vip: 'not-an-ip' } }]) {
    assert.equal(validate(bad), false, JSON.stringify(bad));
  }
});

test('values.schema.json describes every value in values.yaml', () => {
  const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Record<string, unknown>;
  const values = parseYaml(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const missing: string[] = [];
  const walk = (v: unknown, s: Record<string, any> | undefined, path: string): void => {
    if (s === undefined) {
      missing.push(path);
      return;
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && s.properties !== undefined) {
      for (const [k, child] of Object.entries(v)) walk(child, s.properties[k], `${path}.${k}`);
    }
  };
  walk(values, schema, 'values');
  assert.deepEqual(missing, []);
});

test('template errors fail the render', () => {
  const noVip = join(tmp, 'no-vip.yaml');
  writeFileSync(noVip, stringify({ controlPlane: { enabled: true, peers: [{ address: '192.0.2.1', asn: 65000 }] } }));
  const r = renderChart([noVip]);
  assert.equal(r.ok, false);
  assert.match(r.stderr, /controlPlane\.vip is required/);
  const badLease = join(tmp, 'bad-lease.yaml');
  writeFileSync(badLease, stringify({ controller: { leaderElection: { leaseDurationSec: 5, renewDeadlineSec: 10 } } }));
  assert.equal(renderChart([badLease]).ok, false);
});

test('speaker pod: host network, least privilege, grace period beyond the drain period', () => {
  const plain = find(render([]), 'DaemonSet', '-speaker')!;
  const pod = (plain.spec as any).template.spec;
  assert.equal(pod.hostNetwork, true);
  assert.equal(pod.priorityClassName, 'system-node-critical');
  const sc = pod.containers[0].securityContext;
  assert.equal(sc.runAsNonRoot, true);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.deepEqual(sc.capabilities, { drop: ['ALL'] });
  assert.equal(sc.seccompProfile.type, 'RuntimeDefault');
  assert.ok(pod.tolerations.some((t: { key: string }) => t.key === 'node-role.kubernetes.io/control-plane'));
  assert.equal(pod.containers[0].readinessProbe.httpGet.path, '/readyz');
  assert.equal(pod.containers[0].livenessProbe.httpGet.path, '/healthz');
  assert.ok(pod.containers[0].env.some((e: any) => e.name === 'NODE_NAME' && e.valueFrom.fieldRef.fieldPath === 'spec.nodeName'));

  const listening = find(render([join(CHART_DIR, 'ci/dual-stack-md5-values.yaml')]), 'DaemonSet', '-speaker')!;
  const lpod = (listening.spec as any).template.spec;
  assert.deepEqual(lpod.containers[0].securityContext.capabilities, { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'SYS_NICE'] });
  assert.equal(lpod.containers[0].securityContext.runAsUser, 0);
  assert.ok(lpod.terminationGracePeriodSeconds >= 30 + 15, 'drainPeriodSec 30 → grace ≥ 45');
});

test('RBAC reads Secrets only in the release namespace and writes only status, events and leases', () => {
  const objs = render([]);
  const cr = find(objs, 'ClusterRole')! as any;
  for (const rule of cr.rules) {
    assert.equal(rule.resources.includes('secrets'), false, 'no cluster-wide Secret access');
    const writes = rule.verbs.filter((v: string) => !['get', 'list', 'watch'].includes(v));
    if (writes.length > 0) {
      for (const r of rule.resources) assert.ok(r.endsWith('/status') || r === 'events' || r === 'bgpsessionstates', `write on ${r}`);
    }
  }
  const role = find(objs, 'Role')! as any;
  assert.equal(role.metadata.namespace, 'vipd-system');
  assert.ok(role.rules.some((r: any) => r.resources.includes('secrets')));
  assert.ok(role.rules.some((r: any) => r.resources.includes('leases')));
});

test('the PrometheusRule passes promtool check rules', () => {
  const objs = render([join(CHART_DIR, 'ci/monitoring-values.yaml')]);
  const rule = find(objs, 'PrometheusRule')!;
  const groups = (rule.spec as { groups: unknown[] }).groups;
  assert.ok(groups.length > 0);
  const file = join(tmp, 'rules.yaml');
  writeFileSync(file, stringify({ groups }));
  const out = execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
  assert.match(out, /SUCCESS: [1-9]\d* rules found/);
  const dash = find(objs, 'ConfigMap', '-dashboard')! as any;
  assert.equal(dash.metadata.namespace, 'monitoring');
  assert.equal(dash.metadata.labels.grafana_dashboard, '1');
  assert.ok(JSON.parse(dash.data['vipd.json']).panels.length > 0);
});
