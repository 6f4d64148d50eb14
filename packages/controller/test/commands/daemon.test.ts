// `vipd daemon` as a process on loopback: flag errors exit 2; against the test API server and a vipd
// Session playing the router it becomes ready, serves the decision and the Kubernetes metrics
// (watch connected, event→wire histogram, decisions by reason, config objects, UPDATE queue depth),
// /api/v1/peers with the session's negotiated capabilities, hold time, transitions and message totals,
// and exits 0 on SIGTERM after closing the session with Cease 6/2.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { Listener } from '@vipd/bgp/listener.ts';
import { Session } from '@vipd/bgp/session.ts';
import { TestApiServer } from '../../../../e2e/support/apiserver/test-api-server.ts';
import { waitFor } from '../../../../e2e/support/apiserver/client-helpers.ts';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const V = 'vipd.io/v1alpha1';
const METRICS = 'http://127.0.0.1:18829';
const api = new TestApiServer({ port: 18827 });
const listener = new Listener({ host: '127.0.0.2', port: 18828 });
const router = new Session({
  peerAddress: '127.0.0.8',
  fsm: { localAs: 65000, localBgpId: '10.255.0.9', peerAs: 65101, holdTimeSec: 9, passive: true, families: [{ afi: 1, safi: 1 }] },
});
const dir = mkdtempSync(join(tmpdir(), 'vipd-daemon-cli-'));
let proc: ChildProcess | undefined;
let output = '';
let down: { code?: number; subcode?: number } | undefined;
router.on('down', (d) => (down = { code: d.notification?.code, subcode: d.notification?.subcode }));

before(async () => {
  await api.start();
  const node = api.create('v1', 'nodes', { metadata: { name: 'cli-node' } });
  api.objects.update(api.resource('v1', 'nodes'), '', 'cli-node', { ...node, status: { conditions: [{ type: 'Ready', status: 'True' }] } } as never, 'status');
  api.create(V, 'bgppeers', { metadata: { name: 'tor' }, spec: { description: 'rack 1 ToR', address: '127.0.0.2', port: 18828, sourceAddress: '127.0.0.8', asn: 65000, localAsn: 65101, holdTimeSec: 9, connectRetrySec: 1, families: ['ipv4-unicast'] } });
  api.create(V, 'bgpadvertisements', { metadata: { name: 'all' }, spec: {} });
  const svc = api.create('v1', 'services', { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', ports: [{ port: 80, protocol: 'TCP' }] } }, 'default');
  api.objects.update(api.resource('v1', 'services'), 'default', 'web', { ...svc, status: { loadBalancer: { ingress: [{ ip: '192.0.2.77' }] } } } as never, 'status');
  api.create('discovery.k8s.io/v1', 'endpointslices', { metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4', endpoints: [{ addresses: ['10.1.0.1'], nodeName: 'other', conditions: { ready: true } }] }, 'default');
  listener.addSession(router);
  await listener.listen();
  router.start();
});

after(async () => {
  proc?.kill('SIGKILL');
  await router.stop();
  await listener.close();
  await Promise.race([api.stop(), new Promise((r) => setTimeout(r, 3000))]);
  api.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('a bad flag exits 2', () => {
  const r2 = spawnSync(process.execPath, [CLI, 'daemon', '--node-name=n', '--listen=nonsense'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r2.status, 2);
  // --bfd-profiles: an invalid profile (multiplier 0) and a missing file are rejected before anything starts.
  writeFileSync(join(dir, 'bad-bfd.yaml'), 'bfdProfiles:\n  fast: { minTxMs: 100, minRxMs: 100, multiplier: 0 }\n');
  for (const f of [join(dir, 'bad-bfd.yaml'), join(dir, 'absent.yaml')]) {
    const r = spawnSync(process.execPath, [CLI, 'daemon', '--node-name=n', `--bfd-profiles=${f}`, '--metrics-address=off'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, r.stderr);
  }
});

test('ready, decisions and metrics, then SIGTERM drains and exits 0', { timeout: 40_000 }, async () => {
  const kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'));
  proc = spawn(process.execPath, [CLI, 'daemon', '--node-name=cli-node', '--namespace=vipd-system', `--kubeconfig=${kubeconfig}`,
    `--metrics-address=${METRICS.slice(7)}`, '--log-level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (output += String(d)));
  proc.stderr!.on('data', (d) => (output += String(d)));
  const get = async (path: string) => {
    try {
      const r = await fetch(METRICS + path);
      return { status: r.status, text: await r.text() };
    } catch {
      return { status: 0, text: '' };
    }
  };
  let ready = false;
  for (let i = 0; i < 200 && !ready; i++) {
    ready = (await get('/readyz')).status === 200;
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(ready, output);
  await waitFor('session', () => router.state === 'Established', 10_000);
  const decisions = JSON.parse((await get('/api/v1/decisions')).text) as { decisions: { service: string; reason: string; isAnnounced: boolean }[] };
  assert.deepEqual(decisions.decisions.map((d) => [d.service, d.reason, d.isAnnounced]), [['default/web', 'announced', true]]);
  // one change after the session is up, so the event→wire histogram has a sample
  const cur = api.get('discovery.k8s.io/v1', 'endpointslices', 'web-1', 'default')!;
  api.objects.update(api.resource('discovery.k8s.io/v1', 'endpointslices'), 'default', 'web-1',
    { ...cur, endpoints: [{ addresses: ['10.1.0.1'], nodeName: 'other', conditions: { ready: false } }] } as never, '');
  let metrics = '';
  for (let i = 0; i < 100; i++) {
    metrics = (await get('/metrics')).text;
    if (/vipd_event_to_wire_seconds_count\{peer="127\.0\.0\.2"\} [1-9]/.test(metrics)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(metrics, /vipd_event_to_wire_seconds_count\{peer="127\.0\.0\.2"\} [1-9]/);
  // The VIP was withdrawn (no ready endpoint left): the Adj-RIB-Out gauge is read at scrape time.
  assert.match(metrics, /vipd_bgp_prefixes_announced\{peer="127\.0\.0\.2",family="ipv4-unicast"\} 0/);
  assert.match(metrics, /vipd_bgp_messages_sent_total\{peer="127\.0\.0\.2",type="update"\} [2-9]/);
  assert.match(metrics, /vipd_kube_watch_connected\{resource="endpointslices"\} 1/);
  assert.match(metrics, /vipd_announcement_decisions\{reason="no-endpoints"\} 1/);
  assert.match(metrics, /vipd_config_objects\{kind="BGPPeer",status="accepted"\} 1/);
  // Status API parity with standalone (issue 6): the session's own negotiated facts and counters.
  type Peer = { address: string; state: string; peerRouterId: string | null; holdTimeSec: number | null; capabilities: string[];
    establishedTransitions: number; messagesSent: number; messagesReceived: number; localAsn: number; localAddress: string | null; description: string | null };
  const peers = JSON.parse((await get('/api/v1/peers')).text) as { peers: Peer[] };
  const tor = peers.peers.find((p) => p.address === '127.0.0.2');
  assert.ok(tor !== undefined, JSON.stringify(peers));
  assert.equal(tor.state, 'Established');
  assert.equal(tor.peerRouterId, '10.255.0.9');
  assert.equal(tor.holdTimeSec, 9);
  assert.equal(tor.localAsn, 65101);
  assert.equal(tor.description, 'rack 1 ToR');
  assert.equal(tor.localAddress, '127.0.0.8');
  assert.ok(tor.capabilities.includes('multiprotocol ipv4-unicast') && tor.capabilities.includes('4-octet-as'), tor.capabilities.join(','));
  assert.equal(tor.establishedTransitions, 1);
  // OPEN + KEEPALIVE + two UPDATEs at least, and the router's OPEN + KEEPALIVE.
  assert.ok(tor.messagesSent >= 4, `sent ${tor.messagesSent}`);
  assert.ok(tor.messagesReceived >= 2, `received ${tor.messagesReceived}`);
  // vipd_bgp_update_queue_depth: reported per peer, back to 0 once the writes completed.
  assert.match(metrics, /vipd_bgp_update_queue_depth\{peer="127\.0\.0\.2"\} 0/);
  proc.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => proc!.once('exit', (c) => resolve(c)));
  assert.equal(code, 0, output);
  await waitFor('router saw Cease', () => down !== undefined, 5_000);
  assert.deepEqual(down, { code: 6, subcode: 2 });
});
