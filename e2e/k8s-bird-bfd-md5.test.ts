// Kubernetes mode (`vipd daemon`) against BIRD 2 in network namespaces (prefix vkp-): issue 8 parity.
// - BFD: BGPPeer tor-n1 names `spec.bfdProfile: fast` from the daemon's --bfd-profiles file (100 ms × 3)
//   and `spec.bfdAuth` (RFC 5880 §6.7 meticulous keyed SHA1, key ID 5, key from the Secret tor-bfd);
//   BIRD runs `protocol bfd` at 100 ms × 3 with the same authentication. Asserted on BIRD's own view
//   (`birdc show bfd sessions` Up,
//   VIP in its table) and on vipd's status API / metrics (bfd Up, real capabilities and counters,
//   UPDATE queue depth). Then the link is black-holed with nftables: BIRD withdraws the VIP, vipd
//   closes its side with Cease 6/10 (its log), and after the link heals BFD and BGP come back.
// - BFD key rotation: the Secret is changed to a key BIRD does not hold: vipd restarts the session
//   (Cease 6/6 in BIRD's view), BGP comes back but BIRD never has BFD Up (it drops the packets); the
//   right key again → BFD Up in BIRD's view. No key in vipd's log.
// - TCP-MD5 on the listener: BGPPeer tor-n1-md5 is passive with a password Secret; BIRD (active, same
//   password) connects to vipd's --listen socket over IPv6 and the session is Established in BIRD's view.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BirdRouter } from './support/routers/bird.ts';
import { waitFor } from './support/exec.ts';
import { cutLink, lastPollMs, msUntil } from './support/link-cut.ts';
import { K8sLab, V } from './support/k8s-lab.ts';

const isRoot = process.getuid?.() === 0;
const NODES = ['n1'] as const;
const ROUTER_AS = 65000;
const NODE_AS = 65100;
const VIP = '198.51.100.41/32';
const PASSWORD = 'vkp-s3cret';
const BFD_KEY = 'vkp-bfd-sha1-key';
const WRONG_BFD_KEY = 'vkp-bfd-not-key';
const STATUS = 'http://127.0.0.1:19420';

let lab: K8sLab<'n1'>;
let bird: BirdRouter;
const opts = { skip: isRoot ? false : 'needs root for network namespaces', timeout: 120_000 };

before(async () => {
  if (!isRoot) return;
  lab = await K8sLab.create({ prefix: 'vkp-', apiPort: 19410, nodes: NODES, v4Base: '10.94', v6: { n1: 'fd00:94:1::/64' }, routerAs: ROUTER_AS, nodeAs: NODE_AS });
  const l = lab.link('n1');
  bird = new BirdRouter(lab.topo, {
    ns: lab.routerNs, routerId: '10.94.0.1', localAs: ROUTER_AS,
    neighbors: [
      { address: l.node4, remoteAs: NODE_AS, families: ['ipv4'], passive: true, holdTimeSec: 9, name: 'n1',
        bfd: { intervalMs: 100, multiplier: 3, auth: { type: 'meticulous-keyed-sha1', keyId: 5, password: BFD_KEY } } },
      // Active towards vipd's listener, signed with the password.
      { address: l.node6!, remoteAs: NODE_AS, families: ['ipv6'], holdTimeSec: 9, name: 'n1md5', password: PASSWORD },
    ],
  });
  await bird.start();
  lab.seedCluster();
  const cur = lab.api.get(V, 'bgppeers', 'tor-n1') as Record<string, any>;
  lab.api.create('v1', 'secrets', { metadata: { name: 'tor-bfd', namespace: 'vipd-system' }, data: { 'bfd-key': Buffer.from(BFD_KEY).toString('base64') } }, 'vipd-system');
  lab.api.objects.update(lab.api.resource(V, 'bgppeers'), '', 'tor-n1', { ...cur, spec: { ...cur.spec, holdTimeSec: 9, keepaliveSec: 3, bfdProfile: 'fast',
    bfdAuth: { type: 'meticulous-keyed-sha1', keyId: 5, secretRef: { name: 'tor-bfd', key: 'bfd-key' } } } } as never, '');
  lab.api.create('v1', 'secrets', { metadata: { name: 'tor-md5', namespace: 'vipd-system' }, data: { password: Buffer.from(PASSWORD).toString('base64') } }, 'vipd-system');
  lab.api.create(V, 'bgppeers', {
    metadata: { name: 'tor-n1-md5' },
    spec: { address: l.router6!, asn: ROUTER_AS, localAsn: NODE_AS, holdTimeSec: 9, families: ['ipv6-unicast'], passive: true,
      passwordSecretRef: { name: 'tor-md5' }, nodeSelector: { matchLabels: { 'kubernetes.io/hostname': 'n1' } } },
  });
  lab.createService('web', VIP, 'Cluster');
  lab.setEndpoints('web', [{ node: 'n1' }]);
  const profiles = join(lab.topo.dir, 'bfd-profiles.yaml');
  writeFileSync(profiles, 'bfdProfiles:\n  fast: { minTxMs: 100, minRxMs: 100, multiplier: 3 }\n');
  lab.startDaemons(() => [`--bfd-profiles=${profiles}`, '--listen=:179', `--metrics-address=${STATUS.slice(7)}`]);
});

after(async () => {
  await lab?.destroy();
});

async function getJson<T>(path: string): Promise<T> {
  return JSON.parse((await lab.topo.execIn(lab.topo.nsName('n1'), 'curl', ['-sf', STATUS + path])).stdout) as T;
}

type Peer = { address: string; state: string; bfd?: string | null; capabilities: string[]; establishedTransitions: number; messagesReceived: number; holdTimeSec: number | null };

function setBfdKey(key: string): void {
  const cur = lab.api.get('v1', 'secrets', 'tor-bfd', 'vipd-system') as Record<string, unknown>;
  lab.api.objects.update(lab.api.resource('v1', 'secrets'), 'vipd-system', 'tor-bfd', { ...cur, data: { 'bfd-key': Buffer.from(key).toString('base64') } } as never, '');
}

const birdBfdUp = async (addr: string) => (await bird.bfdSessions()).some((s) => s.peer === addr && s.state === 'Up');

test('Kubernetes mode vs BIRD: BFD via spec.bfdProfile with spec.bfdAuth, Cease 6/10 on BFD Down; passive peer with TCP-MD5', opts, async (t) => {
  const l = lab.link('n1');
  await t.test('authenticated BFD Up at BIRD, VIP announced, status API and metrics', async () => {
    await bird.waitEstablished(l.node4, 25_000).catch((e: Error) => assert.fail(`${e.message}\n${lab.logs()}`));
    await waitFor(() => birdBfdUp(l.node4), { timeoutMs: 15_000, what: 'BIRD BFD Up (meticulous keyed SHA1)' })
      .catch((e: Error) => assert.fail(`${e.message}\n${lab.logs()}`));
    assert.match(lab.vipd.get('n1')!.readLog(), /"auth":"meticulous-keyed-sha1"/, 'vipd started BFD with authentication');
    await bird.waitForPrefix(VIP, true, 10_000);
    await waitFor(async () => (await getJson<{ peers: Peer[] }>('/api/v1/peers')).peers.find((p) => p.address === l.router4)?.bfd === 'Up',
      { timeoutMs: 10_000, what: 'vipd status: bfd Up' });
    const p = (await getJson<{ peers: Peer[] }>('/api/v1/peers')).peers.find((x) => x.address === l.router4)!;
    assert.equal(p.state, 'Established');
    assert.equal(p.holdTimeSec, 9);
    assert.ok(p.capabilities.includes('4-octet-as') && p.capabilities.includes('route-refresh'), p.capabilities.join(','));
    assert.equal(p.establishedTransitions, 1);
    assert.ok(p.messagesReceived >= 2);
    const metrics = (await lab.topo.execIn(lab.topo.nsName('n1'), 'curl', ['-sf', `${STATUS}/metrics`])).stdout;
    assert.match(metrics, new RegExp(`vipd_bfd_session_up\\{peer="${l.router4.replace(/\./g, '\\.')}"\\} 1`));
    assert.match(metrics, new RegExp(`vipd_bgp_update_queue_depth\\{peer="${l.router4.replace(/\./g, '\\.')}"\\} 0`));
  });

  await t.test('passive peer with a password: BIRD connects to the listener with TCP-MD5', async () => {
    await waitFor(async () => (await bird.peers()).find((p) => p.name === 'n1md5')?.state === 'Established',
      { timeoutMs: 25_000, intervalMs: 100, what: 'MD5 session Established at BIRD' }).catch((e: Error) => assert.fail(`${e.message}\n${lab.logs()}`));
  });

  await t.test('link black-holed: BIRD withdraws the VIP, vipd sends Cease 6/10; heals', async () => {
    const vipd = lab.vipd.get('n1')!;
    const from = vipd.readLog().length;
    const { cutAtMs, nftMs, restore } = await cutLink(lab.topo, lab.topo.nsName('n1'), 'eth0');
    const ms = await msUntil(cutAtMs, async () => !(await bird.routes('ipv4')).some((r) => r.prefix === VIP), 10_000);
    process.stdout.write(`# BIRD withdrew the VIP ${ms.toFixed(0)} ms after the cut (BFD 100 ms x 3, Kubernetes mode; nft ${nftMs.toFixed(0)} ms, birdc poll ${lastPollMs.toFixed(0)} ms)\n`);
    assert.ok(ms < 300 + 100 + nftMs + lastPollMs, `BIRD withdrew after ${ms.toFixed(0)} ms`);
    await waitFor(() => vipd.readLog().slice(from).includes('BFD down: closing the BGP session (Cease 6/10)'), { timeoutMs: 5_000, what: 'vipd Cease 6/10 log' });
    await restore();
    await waitFor(async () => (await bird.bfdSessions()).some((s) => s.peer === l.node4 && s.state === 'Up'), { timeoutMs: 15_000, what: 'BIRD BFD Up again' });
    await bird.waitEstablished(l.node4, 25_000);
    await bird.waitForPrefix(VIP, true, 15_000);
    const p = (await getJson<{ peers: Peer[] }>('/api/v1/peers')).peers.find((x) => x.address === l.router4)!;
    assert.equal(p.establishedTransitions, 2);
  });

  await t.test('BFD key rotated in the Secret: session restarted; a key BIRD lacks never brings BFD Up, the right one does', async () => {
    const vipd = lab.vipd.get('n1')!;
    const started = (from: number) => vipd.readLog().slice(from).split('\n').filter((x) => x.includes('BFD session started')).length;
    let from = vipd.readLog().length;
    setBfdKey(WRONG_BFD_KEY);
    // vipd closes the session (Cease 6/6, "peer configuration changed") and opens a new one, whose BFD
    // session starts once it is Established again.
    await waitFor(() => vipd.readLog().slice(from).includes('peer configuration changed'), { timeoutMs: 10_000, what: 'vipd restarts the session' });
    await bird.waitEstablished(l.node4, 25_000);
    await waitFor(() => started(from) >= 1, { timeoutMs: 10_000, what: 'new BFD session started with the wrong key' });
    // 2 s = 20 packets at 100 ms, every one dropped by BIRD (RFC 5880 §6.7.4 digest mismatch).
    const end = Date.now() + 2000;
    while (Date.now() < end) {
      assert.equal(await birdBfdUp(l.node4), false, 'BIRD has BFD Up with a key it does not hold');
      await new Promise((r) => setTimeout(r, 100));
    }
    const peer = (await getJson<{ peers: Peer[] }>('/api/v1/peers')).peers.find((x) => x.address === l.router4)!;
    assert.notEqual(peer.bfd, 'Up');
    // Neither end closes BGP for a BFD session that never came Up (only leaving Up counts).
    assert.equal(peer.state, 'Established');
    assert.equal((await bird.peers()).find((p) => p.name === 'n1')?.state, 'Established');
    from = vipd.readLog().length;
    setBfdKey(BFD_KEY);
    await waitFor(() => vipd.readLog().slice(from).includes('peer configuration changed'), { timeoutMs: 10_000, what: 'vipd restarts the session again' });
    await waitFor(() => birdBfdUp(l.node4), { timeoutMs: 20_000, what: 'BIRD BFD Up with the right key' });
    await bird.waitEstablished(l.node4, 25_000);
    await bird.waitForPrefix(VIP, true, 15_000);
    const log = vipd.readLog();
    for (const k of [BFD_KEY, WRONG_BFD_KEY, PASSWORD]) {
      assert.ok(!log.includes(k) && !log.includes(Buffer.from(k).toString('base64')), 'key material in vipd\'s log');
    }
  });
});
