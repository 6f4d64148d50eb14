// Worker thread for bench/k8s.bench.ts: the "cluster" side, on its own event loop so it does not share
// the measured daemon's: the test API server (real REST/watch for client-node) loaded with N
// LoadBalancer Services and their EndpointSlices, and a passive BGP Session playing the router (it
// takes the UPDATEs off the socket). Messages in: {type:'flip', i, ready} (one EndpointSlice change),
// {type:'stop'}; out: {type:'ready', kubeconfig}, {type:'flipped', i}, {type:'routes', count}.

import { parentPort, workerData } from 'node:worker_threads';
import { Listener } from '../../packages/bgp/src/listener.ts';
import { Session } from '../../packages/bgp/src/session.ts';
import { TestApiServer } from '../../e2e/support/apiserver/test-api-server.ts';

interface WorldData {
  readonly services: number;
  readonly apiPort: number;
  readonly bgpPort: number;
  readonly router: string;
  readonly node: string;
  readonly nodeAddress: string;
  readonly kubeconfig: string;
}

const d = workerData as WorldData;
const port = parentPort!;
const api = new TestApiServer({ port: d.apiPort, historyLimit: 50_000 });
const DS = 'discovery.k8s.io/v1';

const vip = (i: number) => `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
const sliceBody = (i: number, ready: boolean) => ({
  metadata: { name: `s${i}-abc`, namespace: 'bench', labels: { 'kubernetes.io/service-name': `s${i}` } },
  addressType: 'IPv4',
  endpoints: [{ addresses: [`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`], nodeName: 'other', conditions: { ready } }],
  ports: [{ port: 8080, protocol: 'TCP' }],
});

api.create('v1', 'namespaces', { metadata: { name: 'bench' } });
api.create('v1', 'namespaces', { metadata: { name: 'vipd-system' } });
const nodes = api.resource('v1', 'nodes');
const n = api.create('v1', 'nodes', { metadata: { name: d.node } });
api.objects.update(nodes, '', d.node, { ...n, status: { conditions: [{ type: 'Ready', status: 'True' }] } } as never, 'status');
api.create('vipd.io/v1alpha1', 'vipdsettings', { metadata: { name: 'default' }, spec: { drainPeriodSec: 0, sessionStateEnabled: true } });
api.create('vipd.io/v1alpha1', 'bgpadvertisements', { metadata: { name: 'all' }, spec: { communities: ['65000:1'] } });
api.create('vipd.io/v1alpha1', 'bgppeers', {
  metadata: { name: 'sink' },
  spec: { address: d.router, port: d.bgpPort, asn: 65000, localAsn: 65100, sourceAddress: d.nodeAddress, holdTimeSec: 30, connectRetrySec: 1, families: ['ipv4-unicast'] },
});
const svcs = api.resource('v1', 'services');
for (let i = 0; i < d.services; i++) {
  const s = api.create('v1', 'services', {
    metadata: { name: `s${i}`, namespace: 'bench' },
    spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', ports: [{ port: 80, protocol: 'TCP' }] },
  }, 'bench');
  api.objects.update(svcs, 'bench', `s${i}`, { ...s, status: { loadBalancer: { ingress: [{ ip: vip(i) }] } } } as never, 'status');
  api.create(DS, 'endpointslices', sliceBody(i, true), 'bench');
}
await api.start();
api.writeKubeconfig(d.kubeconfig);

// The router: counts the routes it holds from the UPDATEs it receives.
const held = new Set<string>();
const router = new Session({
  peerAddress: d.nodeAddress,
  fsm: { localAs: 65000, localBgpId: '10.255.255.1', peerAs: 65100, holdTimeSec: 30, passive: true, families: [{ afi: 1, safi: 1 }] },
});
router.on('update', (u) => {
  for (const p of u.withdrawn) held.delete(p.addr.join('.'));
  for (const p of u.nlri) held.add(p.addr.join('.'));
});
const listener = new Listener({ host: d.router, port: d.bgpPort });
listener.addSession(router);
await listener.listen();
router.start();

const slices = api.resource(DS, 'endpointslices');
port.on('message', (m: { type: string; i?: number; ready?: boolean }) => {
  if (m.type === 'flip') {
    const name = `s${m.i!}-abc`;
    const cur = api.get(DS, 'endpointslices', name, 'bench')!;
    api.objects.update(slices, 'bench', name, { ...cur, endpoints: sliceBody(m.i!, m.ready!).endpoints } as never, '');
    port.postMessage({ type: 'flipped', i: m.i });
  } else if (m.type === 'routes') {
    port.postMessage({ type: 'routes', count: held.size });
  } else if (m.type === 'stop') {
    void (async () => {
      await router.stop();
      await listener.close();
      await Promise.race([api.stop(), new Promise((r) => setTimeout(r, 2000))]);
      api.dispose();
      port.postMessage({ type: 'stopped' });
      process.exit(0);
    })();
  }
});
port.postMessage({ type: 'ready' });
