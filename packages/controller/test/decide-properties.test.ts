// decide(): properties over random small clusters (fast-check), checked against an independent,
// deliberately naive restatement of the rules in docs/decision.md:
//  - a VIP is announced from a node iff the node is eligible and some Service on the VIP has a servable
//    endpoint of the VIP's family (on this node for Local);
//  - the result does not depend on the order of Services, slices or endpoints;
//  - decideService per Service + mergeVipDecisions equals the whole-node decision.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { decideAnnouncements, decideService, evaluateNode, mergeVipDecisions } from '../src/decide.ts';
import { endpointSliceFromK8s, nodeFromK8s, serviceFromK8s, snapshotFromK8s } from '../src/snapshot.ts';
import { config, node, slice, svc, type Ep } from './support/k8s-objects.ts';

const NODES = ['n1', 'n2', 'n3'];
const VIPS = ['192.0.2.1', '192.0.2.2', '2001:db8::1'];
const tri = fc.constantFrom<boolean | null>(true, false, null);

const epArb = fc.record({
  node: fc.constantFrom(...NODES, undefined),
  ready: tri,
  serving: tri,
  terminating: tri,
  v6: fc.boolean(),
});

const svcArb = fc.record({
  etp: fc.constantFrom<'Local' | 'Cluster'>('Local', 'Cluster'),
  vips: fc.subarray(VIPS, { minLength: 1 }),
  eps: fc.array(epArb, { maxLength: 6 }),
  slicesPerFamily: fc.integer({ min: 1, max: 2 }),
});

const nodeArb = fc.record({
  ready: fc.constantFrom<'True' | 'False' | 'Unknown'>('True', 'True', 'True', 'False', 'Unknown'),
  cordoned: fc.boolean(),
  excluded: fc.boolean(),
});

const clusterArb = fc.record({
  services: fc.array(svcArb, { minLength: 1, maxLength: 5 }),
  nodes: fc.tuple(nodeArb, nodeArb, nodeArb),
  keepServing: fc.boolean(),
});

type Cluster = typeof clusterArb extends fc.Arbitrary<infer T> ? T : never;

function build(c: Cluster): { services: V1Service[]; slices: V1EndpointSlice[]; nodes: V1Node[] } {
  const services: V1Service[] = [];
  const slices: V1EndpointSlice[] = [];
  c.services.forEach((s, i) => {
    const name = `s${i}`;
    services.push(svc(name, { etp: s.etp, ingress: s.vips, ipFamilies: ['IPv4', 'IPv6'] }));
    for (const fam of ['IPv4', 'IPv6'] as const) {
      const eps: Ep[] = s.eps.filter((e) => e.v6 === (fam === 'IPv6')).map((e, j) => ({
        ip: fam === 'IPv4' ? `10.0.${i}.${j + 1}` : `fd00::${i}:${j + 1}`,
        ...(e.node === undefined ? {} : { node: e.node }),
        ready: e.ready,
        serving: e.serving,
        terminating: e.terminating,
      }));
      for (let k = 0; k < s.slicesPerFamily; k++) {
        slices.push(slice(name, fam, eps.filter((_, j) => j % s.slicesPerFamily === k), `${name}-${fam}-${k}`));
      }
    }
  });
  const nodes = c.nodes.map((n, i) =>
    node(NODES[i]!, {
      ready: n.ready,
      unschedulable: n.cordoned,
      ...(n.excluded ? { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } : {}),
    }),
  );
  return { services, slices, nodes };
}

/** The rules restated independently, on the generator's own data. */
function expected(c: Cluster, nodeIndex: number, vip: string): boolean {
  const n = c.nodes[nodeIndex]!;
  if (n.ready !== 'True' || n.cordoned || n.excluded) return false;
  const v6 = vip.includes(':');
  return c.services.some((s) => {
    if (!s.vips.includes(vip)) return false;
    return s.eps.some((e) => {
      if (e.v6 !== v6) return false;
      const terminating = e.terminating === true;
      const ok = terminating ? c.keepServing && e.serving !== false : e.ready !== false;
      return ok && (s.etp === 'Cluster' || e.node === NODES[nodeIndex]);
    });
  });
}

function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('decide properties', () => {
  it('announce iff eligible node and a servable endpoint (per family, local for Local) on some sharing Service', () => {
    fc.assert(fc.property(clusterArb, (c) => {
      const objs = build(c);
      const cfg = config({ settings: { terminatingPolicy: c.keepServing ? 'keep-serving' : 'withdraw' } });
      const snap = snapshotFromK8s({ services: objs.services, endpointSlices: objs.slices, nodes: objs.nodes });
      NODES.forEach((nodeName, i) => {
        const d = decideAnnouncements(snap, nodeName, cfg);
        const used = new Set(c.services.flatMap((s) => s.vips));
        assert.deepEqual(new Set(d.vips.map((v) => v.address)), used);
        for (const v of d.vips) {
          assert.equal(v.announce, expected(c, i, v.address), `${nodeName} ${v.address}: ${v.reason} ${v.detail}`);
          assert.equal(v.routes.length > 0, v.announce);
          assert.equal(v.reason === 'announced', v.announce);
        }
      });
    }), { numRuns: 300 });
  });

  it('input order does not matter', () => {
    fc.assert(fc.property(clusterArb, fc.integer({ min: 1, max: 1 << 30 }), (c, seed) => {
      const objs = build(c);
      const cfg = config();
      const a = decideAnnouncements(snapshotFromK8s({ services: objs.services, endpointSlices: objs.slices, nodes: objs.nodes }), 'n1', cfg);
      const b = decideAnnouncements(
        snapshotFromK8s({ services: shuffle(objs.services, seed), endpointSlices: shuffle(objs.slices, seed + 1), nodes: shuffle(objs.nodes, seed + 2) }),
        'n1',
        cfg,
      );
      assert.deepEqual(a, b);
    }), { numRuns: 200 });
  });

  it('per-Service decisions merged equal the whole-node decision', () => {
    fc.assert(fc.property(clusterArb, (c) => {
      const objs = build(c);
      const cfg = config();
      const whole = decideAnnouncements(snapshotFromK8s({ services: objs.services, endpointSlices: objs.slices, nodes: objs.nodes }), 'n2', cfg);
      const ctx = evaluateNode('n2', nodeFromK8s(objs.nodes[1]!), cfg.settings, cfg.peers);
      const slices = objs.slices.map(endpointSliceFromK8s);
      const per = objs.services.map((s) => {
        const sd = serviceFromK8s(s);
        return decideService(sd, slices.filter((x) => x.serviceName === sd.name), ctx, cfg);
      });
      assert.deepEqual(mergeVipDecisions(per), whole.vips);
    }), { numRuns: 200 });
  });
});
