// The pure announce decision at scale: 10,000 LoadBalancer Services (half Local, half Cluster; one in
// ten dual-stack; one in twenty sharing a VIP with a neighbour), three endpoints each on a 50-node
// cluster, 2 peers, 2 advertisements (one pool-restricted). Measures API-object → plain-data
// conversion, the whole-node decision (what a Node or config change costs) and the per-Service
// decision (what one EndpointSlice change costs before the speaker diff). Bounded: fixed counts.

import { requireValid } from '../packages/controller/src/config/issues.ts';
import { parseBgpAdvertisement } from '../packages/controller/src/config/bgp-advertisement.ts';
import { parseBgpPeer } from '../packages/controller/src/config/bgp-peer.ts';
import { parseIpAddressPool } from '../packages/controller/src/config/ip-address-pool.ts';
import { DEFAULT_SETTINGS } from '../packages/controller/src/config/settings.ts';
import { decideAnnouncements, decideService, evaluateNode, mergeVipDecisions, type DecideConfig } from '../packages/controller/src/decide.ts';
import { snapshotFromK8s } from '../packages/controller/src/snapshot.ts';
import { markdownTable, median, percentile, type BenchSection } from './support/section.ts';

// The API object types, taken from the snapshot's signature (bench/ does not depend on the client).
type Objects = Parameters<typeof snapshotFromK8s>[0];
type V1Service = Objects['services'][number];
type V1EndpointSlice = Objects['endpointSlices'][number];
type V1Node = Objects['nodes'][number];

export const title = 'Announce decision (pure decide) with 10,000 Services';
export const order = 30;

const SERVICES = 10_000;
const NODES = 50;
const ROUNDS = 5;

function cluster(): { services: V1Service[]; slices: V1EndpointSlice[]; nodes: V1Node[] } {
  const services: V1Service[] = [];
  const slices: V1EndpointSlice[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const shared = i % 20 === 1 ? i - 1 : i;
    const v4 = `198.18.${(shared >> 8) & 255}.${shared & 255}`;
    const dual = i % 10 === 0;
    const ingress = dual ? [{ ip: v4 }, { ip: `2001:db8::${shared.toString(16)}` }] : [{ ip: v4 }];
    services.push({
      metadata: { name: `s${i}`, namespace: `ns${i % 100}`, labels: { app: `s${i}` } },
      spec: { type: 'LoadBalancer', loadBalancerClass: 'vipd.io/bgp', externalTrafficPolicy: i % 2 ? 'Local' : 'Cluster', ports: [{ port: 80 + (i % 20) }] },
      status: { loadBalancer: { ingress } },
    });
    const eps = [0, 1, 2].map((k) => ({
      addresses: [`10.${(i >> 8) & 255}.${i & 255}.${k + 1}`],
      conditions: { ready: k !== 2, serving: k !== 2, terminating: false },
      nodeName: `node-${(i + k * 17) % NODES}`,
    }));
    const meta = (fam: string) => ({ name: `s${i}-${fam}`, namespace: `ns${i % 100}`, labels: { 'kubernetes.io/service-name': `s${i}` } });
    slices.push({ metadata: meta('v4'), addressType: 'IPv4', endpoints: eps });
    if (dual) slices.push({ metadata: meta('v6'), addressType: 'IPv6', endpoints: eps.map((e, k) => ({ ...e, addresses: [`fd00::${i.toString(16)}:${k + 1}`] })) });
  }
  const nodes: V1Node[] = [];
  for (let n = 0; n < NODES; n++) {
    nodes.push({ metadata: { name: `node-${n}`, labels: { rack: `r${n % 5}` } }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  }
  return { services, slices, nodes };
}

function config(): DecideConfig {
  const meta = (kind: string, name: string, spec: object) => ({ apiVersion: 'vipd.io/v1alpha1', kind, metadata: { name }, spec });
  return {
    settings: DEFAULT_SETTINGS,
    peers: [
      requireValid('p', parseBgpPeer(meta('BGPPeer', 'tor-a', { address: '192.0.2.1', asn: 65001, localAsn: 65000 }))),
      requireValid('p', parseBgpPeer(meta('BGPPeer', 'tor-b', { address: '192.0.2.2', asn: 65001, localAsn: 65000 }))),
    ],
    advertisements: [
      requireValid('a', parseBgpAdvertisement(meta('BGPAdvertisement', 'public', { ipAddressPools: ['public'], communities: ['65000:100', 'NO_EXPORT'] }))),
      requireValid('a', parseBgpAdvertisement(meta('BGPAdvertisement', 'all', { localPref: 150 }))),
    ],
    pools: [requireValid('pool', parseIpAddressPool(meta('IPAddressPool', 'public', { addresses: ['198.18.0.0/16'] })))],
  };
}

const us = (ms: number): string => (ms * 1000).toFixed(1);

export async function run(): Promise<BenchSection> {
  const objs = cluster();
  const cfg = config();
  const convert: number[] = [];
  let snap = snapshotFromK8s({ services: objs.services, endpointSlices: objs.slices, nodes: objs.nodes });
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    snap = snapshotFromK8s({ services: objs.services, endpointSlices: objs.slices, nodes: objs.nodes });
    convert.push(performance.now() - t0);
  }
  const whole: number[] = [];
  let announced = 0;
  decideAnnouncements(snap, 'node-0', cfg);
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const d = decideAnnouncements(snap, `node-${r}`, cfg);
    whole.push(performance.now() - t0);
    announced = d.vips.filter((v) => v.announce).length;
  }
  const node = evaluateNode('node-0', snap.nodes.get('node-0'), cfg.settings, cfg.peers);
  const per: number[] = [];
  const keys = [...snap.services.keys()];
  for (const k of keys) decideService(snap.services.get(k)!, snap.endpointSlices.get(k) ?? [], node, cfg);
  for (const k of keys) {
    const t0 = performance.now();
    const d = decideService(snap.services.get(k)!, snap.endpointSlices.get(k) ?? [], node, cfg);
    mergeVipDecisions([d]);
    per.push(performance.now() - t0);
  }
  per.sort((a, b) => a - b);
  const heapMiB = (process.memoryUsage().heapUsed / 2 ** 20).toFixed(0);
  return {
    method:
      `${SERVICES.toLocaleString('en')} LoadBalancer Services (half Local, 10 % dual-stack, 5 % sharing a VIP), ` +
      `3 endpoints each over ${NODES} nodes, 2 BGPPeers, 2 BGPAdvertisements. Conversion = snapshotFromK8s over all ` +
      `objects; whole node = decideAnnouncements for one node (median of ${ROUNDS}, after one warm-up); one Service = ` +
      `decideService + mergeVipDecisions for that Service, each of the ${SERVICES.toLocaleString('en')} timed after a warm-up pass ` +
      `(performance.now). Heap used after the run: ${heapMiB} MiB.`,
    results: markdownTable(
      ['Measure', 'Value'],
      [
        ['API objects → snapshot, 10k Services + slices (median)', `${median(convert).toFixed(1)} ms`],
        ['Whole-node decision, 10k Services (median)', `${median(whole).toFixed(1)} ms`],
        ['VIPs announced from one node (node-4)', announced],
        ['One Service decision p50', `${us(percentile(per, 50))} µs`],
        ['One Service decision p99', `${us(percentile(per, 99))} µs`],
        ['One Service decision max', `${us(per[per.length - 1]!)} µs`],
      ],
    ),
  };
}
