// IPAM end to end: two `vipd ipam-controller` processes compete for the Lease on the test API server
// (real client-node, real REST/watch); Services created in bulk get unique addresses; the leader is
// SIGKILLed mid-run and the other takes over with no duplicate and no lost assignment; exhaustion is
// reported as a condition and a Warning Event; a dual-stack Service gets one address of each family.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestApiServer } from './support/apiserver/test-api-server.ts';
import { waitFor } from './support/apiserver/client-helpers.ts';
import { REPO } from './support/chart.ts';
import { resourceId } from './support/apiserver/resources.ts';

const server = new TestApiServer();
const dir = mkdtempSync(join(tmpdir(), 'vipd-ipam-e2e-'));
const procs = new Map<string, ChildProcess>();
const logs = new Map<string, string>();
let kubeconfig = '';

function startController(identity: string, port: number): void {
  const p = spawn(
    process.execPath,
    [
      join(REPO, 'packages/controller/src/cli.ts'), 'ipam-controller',
      `--kubeconfig=${kubeconfig}`, '--namespace=kube-system', `--identity=${identity}`,
      '--lease-duration=2s', '--renew-deadline=1500ms', '--retry-period=200ms',
      `--metrics-address=127.0.0.1:${port}`, '--log-level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  logs.set(identity, '');
  p.stdout!.on('data', (d) => logs.set(identity, logs.get(identity) + String(d)));
  p.stderr!.on('data', (d) => logs.set(identity, logs.get(identity) + String(d)));
  procs.set(identity, p);
}

before(async () => {
  await server.start();
  kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'));
  server.create('vipd.io/v1alpha1', 'vipdsettings', { metadata: { name: 'default' }, spec: { loadBalancerClass: 'vipd.io/bgp', isDefaultClass: true } });
  server.create('vipd.io/v1alpha1', 'ipaddresspools', { metadata: { name: 'v4' }, spec: { addresses: ['198.51.100.0-198.51.100.19'] } });
  server.create('vipd.io/v1alpha1', 'ipaddresspools', {
    metadata: { name: 'dual' },
    spec: { addresses: ['203.0.113.0/30', '2001:db8:100::/126'], autoAssign: false },
  });
  server.create('v1', 'namespaces', { metadata: { name: 'apps' } });
  startController('ctl-a', 18701);
  startController('ctl-b', 18702);
});

after(async () => {
  for (const p of procs.values()) p.kill('SIGKILL');
  await server.stop();
});

function service(name: string, extra: { annotations?: Record<string, string>; spec?: Record<string, unknown> } = {}) {
  return {
    metadata: { name, namespace: 'apps', annotations: extra.annotations ?? {} },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name }, ...(extra.spec ?? {}) },
  };
}

function ingressOf(name: string): string[] {
  const s = server.get('v1', 'services', name, 'apps') as any;
  return (s?.status?.loadBalancer?.ingress ?? []).map((i: { ip: string }) => i.ip);
}

function conditionOf(name: string): { status: string; reason: string } | undefined {
  const s = server.get('v1', 'services', name, 'apps') as any;
  return (s?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'vipd.io/AddressAllocated');
}

function holder(): string {
  return ((server.get('coordination.k8s.io/v1', 'leases', 'vipd-ipam', 'kube-system') as any)?.spec?.holderIdentity as string) ?? '';
}

test('bulk assignment, leader killed mid-run, exhaustion, dual-stack', { timeout: 60_000 }, async () => {
  await waitFor('a leader', () => holder() !== '', 10_000);
  const names = Array.from({ length: 12 }, (_, i) => `svc-${i}`);
  for (const n of names) server.create('v1', 'services', service(n), 'apps');
  await waitFor('12 Services with addresses', () => names.every((n) => ingressOf(n).length === 1), 10_000);
  const before = new Map(names.map((n) => [n, ingressOf(n)[0]!]));
  assert.equal(new Set(before.values()).size, 12, 'unique addresses');
  for (const ip of before.values()) assert.match(ip, /^198\.51\.100\.(1?\d)$/);
  assert.equal(conditionOf('svc-0')?.status, 'True');
  const ipMode = (server.get('v1', 'services', 'svc-0', 'apps') as any).status.loadBalancer.ingress[0].ipMode;
  assert.equal(ipMode, 'VIP');

  // Kill the leader without letting it release the Lease; more Services arrive meanwhile.
  const leader = holder();
  procs.get(leader)!.kill('SIGKILL');
  const more = ['late-0', 'late-1', 'late-2'];
  for (const n of more) server.create('v1', 'services', service(n), 'apps');
  // Lease 2 s + retry 0.2 s; the bound is generous for a loaded 2-core CI machine.
  await waitFor('the other controller takes over', () => holder() !== leader && holder() !== '', 20_000);
  await waitFor('late Services get addresses', () => more.every((n) => ingressOf(n).length === 1), 10_000);
  const all = [...names, ...more].map((n) => ingressOf(n)[0]!);
  assert.equal(new Set(all).size, all.length, 'no duplicate after takeover');
  for (const [n, ip] of before) assert.deepEqual(ingressOf(n), [ip], `${n} kept its address`);

  // The pool has 20 addresses and 15 are used: 5 more fit, the 6th is refused with a reason.
  const extra = Array.from({ length: 6 }, (_, i) => `fill-${i}`);
  for (const n of extra) server.create('v1', 'services', service(n), 'apps');
  await waitFor('exhaustion reported', () => conditionOf('fill-5')?.reason === 'PoolExhausted' || extra.filter((n) => conditionOf(n)?.reason === 'PoolExhausted').length === 1, 10_000);
  const exhausted = extra.filter((n) => conditionOf(n)?.reason === 'PoolExhausted');
  assert.equal(exhausted.length, 1);
  assert.deepEqual(ingressOf(exhausted[0]!), []);
  await waitFor('a Warning Event for it', () => server.store
    .list(resourceId(server.resource('v1', 'events')))
    .some((e: any) => e.involvedObject?.name === exhausted[0] && e.type === 'Warning' && e.reason === 'PoolExhausted'), 5_000);

  // Deleting a Service frees its address, and the waiting Service gets it without any change of its own.
  server.objects.delete(server.resource('v1', 'services'), 'apps', 'svc-0');
  await waitFor('the freed address is reused', () => ingressOf(exhausted[0]!).length === 1, 10_000);
  assert.equal(ingressOf(exhausted[0]!)[0], before.get('svc-0'));

  // Dual-stack from the non-auto pool, by annotation.
  server.create('v1', 'services', service('dual', {
    annotations: { 'vipd.io/address-pool': 'dual' },
    spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] },
  }), 'apps');
  await waitFor('dual-stack addresses', () => ingressOf('dual').length === 2, 10_000);
  const [v4, v6] = ingressOf('dual');
  assert.match(v4!, /^203\.0\.113\.[0-3]$/);
  assert.match(v6!, /^2001:db8:100::[0-3]?$/);

  // Pool status counts what is in use.
  const pool = (name: string) => server.get('vipd.io/v1alpha1', 'ipaddresspools', name) as any;
  await waitFor('pool status', () => pool('v4')?.status?.assignedIPv4 === 20 && pool('dual')?.status?.assignedIPv6 === 1, 10_000);
  assert.equal(pool('v4').status.availableIPv4, 0);
  assert.equal(pool('dual').status.assignedIPv4, 1);
  assert.equal(pool('dual').status.availableIPv6, 3);
  assert.equal(pool('dual').status.conditions[0].status, 'True');
});
