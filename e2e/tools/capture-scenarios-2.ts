// Capture scenarios, part 2: attributes that need more than a plain session — ADD-PATH path identifiers
// and BGP roles with OTC (RFC 7911, RFC 9234), aggregates with ATOMIC_AGGREGATE / AGGREGATOR / AS_SET
// and their 2-byte-peer forms AS4_AGGREGATOR (RFC 6793), and route reflection with ORIGINATOR_ID /
// CLUSTER_LIST (RFC 4456). Used by capture-fixtures.ts.
import { BirdRouter } from '../support/routers/bird.ts';
import { FrrRouter } from '../support/routers/frr.ts';
import { GobgpRouter } from '../support/routers/gobgp.ts';
import { ExabgpRouter } from '../support/routers/exabgp.ts';
import { seen } from './capture-scenarios.ts';
import type { Scenario } from './capture-scenarios.ts';

const isUpdateWithAttr = (b: Buffer, code: number): boolean => {
  if (b[18] !== 2) return false;
  const wlen = b.readUInt16BE(19);
  const alen = b.readUInt16BE(21 + wlen);
  for (let o = 23 + wlen; o + 3 <= 23 + wlen + alen; ) {
    const ext = (b[o] & 0x10) !== 0;
    if (b[o + 1] === code) return true;
    o += (ext ? 4 + b.readUInt16BE(o + 2) : 3 + b[o + 2]);
  }
  return false;
};

export const scenariosPart2: Scenario[] = [
  {
    name: 'addpath-role-aggregate',
    as4: true,
    addPathFrom: 'frr',
    session: 'IPv4 eBGP, FRR AS 4200000010 (role provider, ADD-PATH send, aggregate-address summary-only) ↔ BIRD AS 65011 (role customer, ADD-PATH receive)',
    build: (topo, l) => [
      new FrrRouter(topo, {
        ns: l.a.ns, routerId: '192.0.2.61', localAs: 4200000010,
        neighbors: [{ address: l.b.v4!, remoteAs: 65011, role: 'provider', addPath: 'both' }],
        originate: [{ prefix: '203.0.113.64/32' }, { prefix: '203.0.113.65/32' }, { prefix: '203.0.113.71/32', communities: ['65010:71'] }],
        aggregates: [{ prefix: '203.0.113.64/30', summaryOnly: true }],
      }),
      new BirdRouter(topo, {
        ns: l.b.ns, routerId: '192.0.2.62', localAs: 65011,
        neighbors: [{ address: l.a.v4!, remoteAs: 4200000010, role: 'customer', addPath: 'receive', passive: true }],
        originate: [{ prefix: '203.0.113.72/32' }],
      }),
    ],
    drive: async (a, b, { link, cap }) => {
      const frr = a as FrrRouter;
      const bird = b as BirdRouter;
      await Promise.all([frr.waitEstablished(), bird.waitEstablished()]);
      await Promise.all([bird.waitForPrefix('203.0.113.64/30'), bird.waitForPrefix('203.0.113.71/32'), frr.waitForPrefix('203.0.113.72/32')]);
      await seen(cap, 'UPDATE with AGGREGATOR from FRR', (s, _t, m) => s === link.a.v4 && isUpdateWithAttr(m, 7));
    },
  },
  {
    name: 'aggregate-as2',
    as4: false,
    session: 'eBGP FRR AS 4200000012 ↔ ExaBGP AS 65013 without 4-octet AS: FRR aggregates ExaBGP routes with AS_SET; AGGREGATOR with AS_TRANS + AS4_AGGREGATOR, AS4_PATH',
    build: (topo, l) => [
      new FrrRouter(topo, {
        ns: l.a.ns, routerId: '192.0.2.71', localAs: 4200000012,
        neighbors: [{ address: l.b.v4!, remoteAs: 65013, passive: true }],
        originate: [{ prefix: '203.0.113.80/32', asPathPrepend: [4200000013] }],
        aggregates: [{ prefix: '198.51.100.16/31', asSet: true, summaryOnly: true }],
      }),
      new ExabgpRouter(topo, {
        ns: l.b.ns, routerId: '192.0.2.72', localAs: 65013,
        neighbors: [{ address: l.a.v4!, localAddress: l.b.v4!, remoteAs: 23456, as4: false }],
        originate: [
          { prefix: '198.51.100.16/32', asPathPrepend: [64700] },
          { prefix: '198.51.100.17/32', asPathPrepend: [64701] },
        ],
      }),
    ],
    drive: async (a, b, { link, cap }) => {
      const frr = a as FrrRouter;
      const exa = b as ExabgpRouter;
      await Promise.all([frr.waitEstablished(), exa.waitEstablished()]);
      await Promise.all([frr.waitForPrefix('198.51.100.16/32'), frr.waitForPrefix('198.51.100.17/32'), exa.waitForPrefix('203.0.113.80/32')]);
      // the aggregate's AS_SET holds ExaBGP's own AS, so ExaBGP's loop check may drop it; the bytes are what matter
      await seen(cap, 'UPDATE with AS4_AGGREGATOR from FRR', (s, _t, m) => s === link.a.v4 && isUpdateWithAttr(m, 18));
    },
  },
  {
    name: 'route-reflector',
    as4: true,
    session: 'iBGP AS 65020: FRR route reflector (cluster id 192.0.2.200) reflecting a GoBGP client route to a BIRD client: ORIGINATOR_ID, CLUSTER_LIST',
    build: (topo, l, l2) => [
      new FrrRouter(topo, {
        ns: l.a.ns, routerId: '192.0.2.81', localAs: 65020, clusterId: '192.0.2.200',
        neighbors: [
          { address: l.b.v4!, remoteAs: 65020, routeReflectorClient: true },
          { address: l2!.b.v4!, remoteAs: 65020, routeReflectorClient: true },
        ],
      }),
      new BirdRouter(topo, {
        ns: l.b.ns, routerId: '192.0.2.82', localAs: 65020,
        neighbors: [{ address: l.a.v4!, remoteAs: 65020, passive: true }],
        originate: [{ prefix: '203.0.113.90/32', localPref: 120 }],
      }),
    ],
    third: (topo, l2) =>
      new GobgpRouter(topo, {
        ns: l2.b.ns, routerId: '192.0.2.83', localAs: 65020,
        neighbors: [{ address: l2.a.v4!, remoteAs: 65020, passive: true }],
        originate: [{ prefix: '203.0.113.91/32', communities: ['65020:91'], localPref: 130 }],
      }),
    drive: async (a, b, { link, cap, third }) => {
      const frr = a as FrrRouter;
      const bird = b as BirdRouter;
      const gobgp = third as GobgpRouter;
      await Promise.all([frr.waitEstablished(), bird.waitEstablished(), gobgp.waitEstablished()]);
      await Promise.all([bird.waitForPrefix('203.0.113.91/32'), gobgp.waitForPrefix('203.0.113.90/32')]);
      await seen(cap, 'reflected UPDATE with CLUSTER_LIST', (s, _t, m) => s === link.a.v4 && isUpdateWithAttr(m, 10));
    },
  },
];
