// `vipd manifest controlplane` (issue 9): the printed static Pod is valid Kubernetes (the same
// ChartValidator the chart's objects pass: kubernetes-models schemas + no unknown fields), its embedded
// standalone config passes vipd's own validation after ${NODE_IP} expansion, and the options change what
// they should. The chart's controlplane ConfigMap is held to the same config validation, so the chart
// template and the real config format cannot drift apart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ChartValidator, parseObjects, renderChart, type K8sObject } from './support/chart.ts';
import { VIPD_CLI } from './support/vipd-process.ts';
import { validateConfig } from '../packages/controller/src/standalone/config.ts';
import { expandEnv } from '../packages/controller/src/standalone/config-env.ts';

const tmp = mkdtempSync(join(tmpdir(), 'vhc-manifest-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function manifest(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [VIPD_CLI, 'manifest', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function podOf(args: string[]): any {
  const r = manifest(args);
  assert.equal(r.code, 0, r.stderr);
  const objs = parseObjects(r.stdout);
  assert.equal(objs.length, 1);
  return objs[0]!;
}

function embeddedConfig(pod: any, nodeIp = '192.0.2.50') {
  const c = pod.spec.containers[0];
  assert.deepEqual(c.args, ['run', '--config-env=VIPD_CONFIG', '--expand-env']);
  const text = c.env.find((e: any) => e.name === 'VIPD_CONFIG').value as string;
  assert.ok(c.env.some((e: any) => e.name === 'NODE_IP' && e.valueFrom.fieldRef.fieldPath === 'status.hostIP'));
  return validateConfig(parse(expandEnv(text, { NODE_IP: nodeIp })));
}

const BASE = ['controlplane', '--vip', '192.0.2.10', '--peer', '192.0.2.1', '--peer', '192.0.2.2', '--peer-asn', '65001'];

test('default static Pod: valid Kubernetes object, host network, NET_ADMIN as root for the loopback bind, no API token', async () => {
  const pod = podOf(BASE);
  const problems = await new ChartValidator([]).validate(pod as K8sObject);
  assert.deepEqual(problems, []);
  assert.equal(pod.metadata.namespace, 'kube-system');
  assert.equal(pod.spec.hostNetwork, true);
  assert.equal(pod.spec.automountServiceAccountToken, false);
  assert.equal(pod.spec.priorityClassName, 'system-node-critical');
  const sc = pod.spec.containers[0].securityContext;
  assert.deepEqual(sc.capabilities, { drop: ['ALL'], add: ['NET_ADMIN'] });
  assert.equal(sc.runAsUser, 0);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(pod.spec.containers[0].livenessProbe.httpGet.path, '/healthz');
});

test('embedded config: /livez every 1 s, rise 3, fall 2, 10 s hold-down, bindToLoopback, router ID from NODE_IP', () => {
  const cfg = embeddedConfig(podOf(BASE));
  assert.equal(cfg.routerId, '192.0.2.50');
  assert.equal(cfg.localAsn, 64512);
  assert.deepEqual(cfg.peers.map((p) => [p.address, p.asn]), [['192.0.2.1', 65001], ['192.0.2.2', 65001]]);
  assert.equal(cfg.listen.enabled, false);
  const v = cfg.vips[0]!;
  assert.equal(v.prefix, '192.0.2.10/32');
  assert.equal(v.bindToLoopback, 'always');
  assert.deepEqual(v.healthCheck!.check, { kind: 'http', url: 'https://127.0.0.1:6443/livez', insecureSkipVerify: true });
  assert.deepEqual(v.healthCheck!.config, { intervalMs: 1000, fastIntervalMs: 250, rise: 3, fall: 2, holdDownMs: 10_000, drainMs: 10_000 });
  assert.equal(cfg.drain.mode, 'graceful-shutdown');
});

test('options: IPv6 VIP, CA verification through a hostPath mount, no loopback bind (non-root), per-peer AS', async () => {
  const ca = join(tmp, 'ca.crt');
  writeFileSync(ca, 'not used by the validation, only its presence\n');
  const pod = podOf(['controlplane', '--vip', '2001:db8::10', '--peer', '2001:db8::1=65010', '--asn', '4200000001', '--ca-file', ca, '--no-bind-loopback', '--interval-ms', '500', '--rise', '2', '--fall', '3', '--hold-down-sec', '30', '--image', 'registry.example/vipd:1.2.3']);
  assert.deepEqual(await new ChartValidator([]).validate(pod as K8sObject), []);
  const c = pod.spec.containers[0];
  assert.equal(c.image, 'registry.example/vipd:1.2.3');
  assert.equal(c.securityContext.runAsNonRoot, true);
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
  assert.deepEqual(c.volumeMounts, [{ name: 'ca', mountPath: ca, readOnly: true }]);
  assert.deepEqual(pod.spec.volumes, [{ name: 'ca', hostPath: { path: ca, type: 'File' } }]);
  const cfg = embeddedConfig(pod);
  const v = cfg.vips[0]!;
  assert.equal(v.prefix, '2001:db8::10/128');
  assert.equal(v.bindToLoopback, undefined);
  assert.deepEqual(v.healthCheck!.check, { kind: 'http', url: 'https://127.0.0.1:6443/livez', caFile: ca, serverName: 'kubernetes' });
  assert.deepEqual(v.healthCheck!.config, { intervalMs: 500, fastIntervalMs: 125, rise: 2, fall: 3, holdDownMs: 30_000, drainMs: 10_000 });
  assert.deepEqual(cfg.peers.map((p) => [p.address, p.asn]), [['2001:db8::1', 65010]]);
  assert.equal(cfg.localAsn, 4200000001);
});

test('bad arguments exit 2 with usage', () => {
  for (const args of [
    ['controlplane', '--peer', '192.0.2.1', '--peer-asn', '65001'],
    ['controlplane', '--vip', 'nope', '--peer', '192.0.2.1', '--peer-asn', '65001'],
    ['controlplane', '--vip', '192.0.2.10', '--peer', '192.0.2.1'],
    ['controlplane', '--vip', '192.0.2.10', '--peer-asn', '65001'],
    ['dataplane', '--vip', '192.0.2.10', '--peer', '192.0.2.1', '--peer-asn', '65001'],
    [...BASE, '--rise', '0'],
  ]) {
    const r = manifest(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /usage: vipd manifest/);
  }
});

test("the chart's controlplane ConfigMap is a valid standalone config (after ${NODE_IP} expansion)", () => {
  const values = join(tmp, 'cp.yaml');
  writeFileSync(values, stringify({ controlPlane: { enabled: true, vip: '192.0.2.10', peers: [{ address: '192.0.2.1', asn: 65000 }] } }));
  const r = renderChart([values]);
  assert.equal(r.ok, true, r.stderr);
  const objs = parseObjects(r.stdout);
  const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-controlplane')) as any;
  assert.ok(cm, 'controlplane ConfigMap');
  const cfg = validateConfig(parse(expandEnv(cm.data['standalone.yaml'], { NODE_IP: '192.0.2.50' })));
  assert.equal(cfg.routerId, '192.0.2.50');
  const v = cfg.vips[0]!;
  assert.equal(v.bindToLoopback, 'always');
  assert.equal(v.healthCheck!.check.kind, 'http');
  assert.equal(v.healthCheck!.config.intervalMs, 1000);
  const ds = objs.find((o) => o.kind === 'DaemonSet' && o.metadata.name.endsWith('-controlplane')) as any;
  assert.deepEqual(ds.spec.template.spec.containers[0].args, ['run', '--config=/etc/vipd/standalone.yaml', '--expand-env']);
});
