// Capture scenarios, part 1 (shared types and helpers, then the two-router scenarios that exercise OPEN,
// UPDATE attributes, route refresh, End-of-RIB, withdraws and admin shutdown). Used by capture-fixtures.ts.
import type { Topology, Link } from '../support/netns.ts';
import type { Capture } from '../support/capture.ts';
import { waitFor } from '../support/exec.ts';
import { BirdRouter } from '../support/routers/bird.ts';
import { FrrRouter } from '../support/routers/frr.ts';
import { GobgpRouter } from '../support/routers/gobgp.ts';
import { ExabgpRouter } from '../support/routers/exabgp.ts';

export type Router = BirdRouter | FrrRouter | GobgpRouter | ExabgpRouter;

export interface ScenarioCtx {
  topo: Topology;
  link: Link;
  cap: Capture;
  /** Third router (scenarios with `third`), on a second link from namespace a. */
  third?: Router;
}

export interface Scenario {
  readonly name: string;
  readonly session: string;
  /** Whether both sides negotiate 4-octet AS (decides how AS_PATH bytes are read in the notes). */
  readonly as4: boolean;
  /** Router kind that sends ADD-PATH path identifiers (RFC 7911) in this scenario, if any. */
  readonly addPathFrom?: string;
  /** Builds the two routers on link ends a and b (the capture is on this link, in a); link2 = a↔c if `third`. */
  build(topo: Topology, link: Link, link2?: Link): [Router, Router];
  /** Optional third router in namespace c, on link a↔c (link2.a in a, link2.b in c). */
  third?(topo: Topology, link2: Link, link: Link): Router;
  drive(a: Router, b: Router, ctx: ScenarioCtx): Promise<void>;
}

/** Waits until the capture holds a message satisfying pred (bounded). */
export async function seen(cap: Capture, what: string, pred: (src: string, type: number, bytes: Buffer) => boolean): Promise<void> {
  await waitFor(() => cap.flows().some((f) => f.messages.some((m) => pred(f.src, m.type, m.bytes))), { timeoutMs: 15_000, intervalMs: 100, what });
}

export const isRR = (t: number) => t === 5;
export const isNotif = (t: number) => t === 3;

export const scenariosPart1: Scenario[] = [
  {
    name: 'ipv4-as4-gr',
    as4: true,
    session: 'IPv4 eBGP, BIRD AS 4200000001 (4-byte) ↔ FRR AS 65002, graceful restart, route refresh, communities',
    build: (topo, l) => [
      new BirdRouter(topo, {
        ns: l.a.ns, routerId: '192.0.2.1', localAs: 4200000001,
        neighbors: [{ address: l.b.v4!, remoteAs: 65002, holdTimeSec: 90, gracefulRestart: { restartTimeSec: 120 } }],
        originate: [
          { prefix: '203.0.113.1/32', communities: ['65000:100', '65535:666'], largeCommunities: ['4200000001:1:2'], extCommunities: ['rt:65000:100'], med: 50, origin: 'egp' },
          { prefix: '203.0.113.2/32', asPathPrepend: [4200000001, 64512] },
        ],
      }),
      new FrrRouter(topo, {
        ns: l.b.ns, routerId: '192.0.2.2', localAs: 65002,
        neighbors: [{ address: l.a.v4!, remoteAs: 4200000001, holdTimeSec: 90, gracefulRestart: true }],
        originate: [{ prefix: '203.0.113.10/32', communities: ['65002:10'], largeCommunities: ['65002:0:10'], extCommunities: ['rt:65002:10'], med: 10 }],
      }),
    ],
    drive: async (a, b, { link, cap }) => {
      const bird = a as BirdRouter;
      const frr = b as FrrRouter;
      await Promise.all([bird.waitEstablished(), frr.waitEstablished()]);
      await Promise.all([frr.waitForPrefix('203.0.113.1/32'), frr.waitForPrefix('203.0.113.2/32'), bird.waitForPrefix('203.0.113.10/32')]);
      await bird.routeRefresh(link.b.v4!);
      await seen(cap, 'ROUTE-REFRESH from BIRD', (s, t) => s === link.a.v4 && isRR(t));
      await frr.routeRefresh(link.a.v4!);
      await seen(cap, 'ROUTE-REFRESH from FRR', (s, t) => s === link.b.v4 && isRR(t));
      await frr.withdraw('203.0.113.10/32');
      await bird.waitForPrefix('203.0.113.10/32', false);
      await bird.announce({ prefix: '203.0.113.3/32', communities: ['0:666'] });
      await frr.waitForPrefix('203.0.113.3/32');
      await bird.withdraw('203.0.113.3/32');
      await frr.waitForPrefix('203.0.113.3/32', false);
      await bird.disable(link.b.v4!, 'maintenance: vipd fixture capture');
      await seen(cap, 'NOTIFICATION from BIRD', (s, t) => s === link.a.v4 && isNotif(t));
    },
  },
  {
    name: 'ipv6-extnh',
    as4: true,
    session: 'IPv6 eBGP, BIRD AS 65001 ↔ FRR AS 4200000002 (4-byte), IPv6 /128 with 32-byte next hops, IPv4 NLRI over IPv6 (RFC 8950)',
    build: (topo, l) => [
      new BirdRouter(topo, {
        ns: l.a.ns, routerId: '192.0.2.11', localAs: 65001,
        neighbors: [{ address: l.b.v6!, remoteAs: 4200000002, families: ['ipv6', 'ipv4'], extendedNextHop: true }],
        originate: [
          { prefix: '2001:db8:1::1/128', communities: ['65001:1'], largeCommunities: ['65001:2:3'] },
          { prefix: '2001:db8:1::2/128', med: 7 },
          { prefix: '203.0.113.21/32', communities: ['65001:21'] },
        ],
      }),
      new FrrRouter(topo, {
        ns: l.b.ns, routerId: '192.0.2.12', localAs: 4200000002,
        neighbors: [{ address: l.a.v6!, remoteAs: 65001, families: ['ipv6', 'ipv4'], extendedNextHop: true, passive: true }],
        originate: [{ prefix: '2001:db8:2::1/128', largeCommunities: ['4200000002:7:8'], med: 3 }, { prefix: '203.0.113.22/32' }],
      }),
    ],
    drive: async (a, b, { link, cap }) => {
      const bird = a as BirdRouter;
      const frr = b as FrrRouter;
      await Promise.all([bird.waitEstablished(), frr.waitEstablished()]);
      await Promise.all([frr.waitForPrefix('2001:db8:1::1/128'), frr.waitForPrefix('203.0.113.21/32'), bird.waitForPrefix('2001:db8:2::1/128')]);
      await bird.waitForPrefix('203.0.113.22/32');
      await bird.announce({ prefix: '2001:db8:1::3/128' });
      await frr.waitForPrefix('2001:db8:1::3/128');
      await bird.withdraw('2001:db8:1::3/128');
      await frr.waitForPrefix('2001:db8:1::3/128', false);
      await frr.withdraw('2001:db8:2::1/128');
      await bird.waitForPrefix('2001:db8:2::1/128', false);
      await frr.disable(link.a.v6!, 'frr: planned maintenance');
      await seen(cap, 'NOTIFICATION from FRR', (s, t) => s === link.b.v6 && isNotif(t));
    },
  },
  {
    name: 'ibgp',
    as4: true,
    session: 'iBGP AS 65010, FRR ↔ GoBGP, IPv4 and IPv6 sessions, LOCAL_PREF, route refresh both ways',
    build: (topo, l) => [
      new FrrRouter(topo, {
        ns: l.a.ns, routerId: '192.0.2.21', localAs: 65010,
        neighbors: [
          { address: l.b.v4!, remoteAs: 65010, families: ['ipv4'], nextHopSelf: true },
          { address: l.b.v6!, remoteAs: 65010, families: ['ipv6'], nextHopSelf: true },
        ],
        originate: [{ prefix: '203.0.113.31/32', localPref: 200, med: 5 }, { prefix: '2001:db8:3::1/128', localPref: 300, communities: ['65010:3'] }],
      }),
      new GobgpRouter(topo, {
        ns: l.b.ns, routerId: '192.0.2.22', localAs: 65010,
        neighbors: [
          { address: l.a.v4!, remoteAs: 65010, families: ['ipv4'], passive: true },
          { address: l.a.v6!, remoteAs: 65010, families: ['ipv6'], passive: true },
        ],
        originate: [{ prefix: '203.0.113.32/32', localPref: 150, communities: ['65010:32'], largeCommunities: ['65010:3:2'] }, { prefix: '2001:db8:3::2/128' }],
      }),
    ],
    drive: async (a, b, { link, cap }) => {
      const frr = a as FrrRouter;
      const gobgp = b as GobgpRouter;
      await Promise.all([frr.waitEstablished(), gobgp.waitEstablished()]);
      await Promise.all([gobgp.waitForPrefix('203.0.113.31/32'), gobgp.waitForPrefix('2001:db8:3::1/128'), frr.waitForPrefix('203.0.113.32/32'), frr.waitForPrefix('2001:db8:3::2/128')]);
      await frr.routeRefresh(link.b.v6!, 'ipv6');
      await seen(cap, 'ROUTE-REFRESH from FRR', (s, t) => s === link.a.v6 && isRR(t));
      await gobgp.withdraw('2001:db8:3::2/128');
      await frr.waitForPrefix('2001:db8:3::2/128', false);
      await gobgp.withdraw('203.0.113.32/32');
      await frr.waitForPrefix('203.0.113.32/32', false);
      await gobgp.disable(link.a.v4!, 'gobgp: draining node');
      await seen(cap, 'NOTIFICATION from GoBGP', (s, t) => s === link.b.v4 && isNotif(t));
    },
  },
  {
    name: 'as2-peer',
    as4: false,
    session: 'eBGP GoBGP AS 4200000003 ↔ ExaBGP AS 65004 without 4-octet AS (asn4 disable): AS_TRANS, AS4_PATH; raw unknown attribute; IPv4 and IPv6 sessions',
    build: (topo, l) => [
      new GobgpRouter(topo, {
        ns: l.a.ns, routerId: '192.0.2.31', localAs: 4200000003,
        neighbors: [
          { address: l.b.v4!, remoteAs: 65004, families: ['ipv4'], passive: true },
          { address: l.b.v6!, remoteAs: 65004, families: ['ipv6'], passive: true },
        ],
        originate: [{ prefix: '203.0.113.42/32', communities: ['65000:42'], asPathPrepend: [4200000099] }, { prefix: '2001:db8:4::2/128' }],
      }),
      new ExabgpRouter(topo, {
        ns: l.b.ns, routerId: '192.0.2.32', localAs: 65004,
        neighbors: [
          { address: l.a.v4!, localAddress: l.b.v4!, remoteAs: 23456, families: ['ipv4'], as4: false },
          { address: l.a.v6!, localAddress: l.b.v6!, remoteAs: 23456, families: ['ipv6'], as4: false },
        ],
        originate: [
          { prefix: '203.0.113.41/32', communities: ['65004:41'], raw: [{ code: 0xf0, flags: 0xc0, hex: 'deadbeef' }] },
          { prefix: '2001:db8:4::1/128', asPathPrepend: [64600], med: 1 },
        ],
      }),
    ],
    drive: async (a, b, { link, cap }) => {
      const gobgp = a as GobgpRouter;
      const exa = b as ExabgpRouter;
      await Promise.all([gobgp.waitEstablished(), exa.waitEstablished()]);
      await Promise.all([exa.waitForPrefix('203.0.113.42/32'), exa.waitForPrefix('2001:db8:4::2/128'), gobgp.waitForPrefix('203.0.113.41/32'), gobgp.waitForPrefix('2001:db8:4::1/128')]);
      await exa.routeRefresh(link.a.v4!, 'ipv4');
      await seen(cap, 'ROUTE-REFRESH from ExaBGP', (s, t) => s === link.b.v4 && isRR(t));
      await exa.withdraw('203.0.113.41/32', link.a.v4!);
      await gobgp.waitForPrefix('203.0.113.41/32', false);
      await exa.disable(link.a.v6!);
      await seen(cap, 'NOTIFICATION from ExaBGP', (s, t) => s === link.b.v6 && isNotif(t));
    },
  },
  {
    name: 'as2-speaker',
    as4: false,
    session: 'eBGP BIRD AS 65005 with `enable as4 off` (2-byte speaker) ↔ ExaBGP AS 65006 sending a path with 4-byte AS 4200000007 (AS_TRANS + AS4_PATH); IPv4 and IPv6 sessions',
    build: (topo, l) => [
      new BirdRouter(topo, {
        ns: l.a.ns, routerId: '192.0.2.41', localAs: 65005,
        neighbors: [
          { address: l.b.v4!, remoteAs: 65006, families: ['ipv4'], as4: false },
          { address: l.b.v6!, remoteAs: 65006, families: ['ipv6'], as4: false },
        ],
        originate: [{ prefix: '203.0.113.51/32', communities: ['65005:51'] }, { prefix: '2001:db8:5::1/128', extCommunities: ['rt:65005:1'] }],
      }),
      new ExabgpRouter(topo, {
        ns: l.b.ns, routerId: '192.0.2.42', localAs: 65006,
        neighbors: [
          { address: l.a.v4!, localAddress: l.b.v4!, remoteAs: 65005, families: ['ipv4'], passive: true },
          { address: l.a.v6!, localAddress: l.b.v6!, remoteAs: 65005, families: ['ipv6'], passive: true },
        ],
        originate: [
          { prefix: '203.0.113.52/32', largeCommunities: ['4200000006:5:2'], asPathPrepend: [4200000007] },
          { prefix: '2001:db8:5::2/128', communities: ['65535:65281'] },
        ],
      }),
    ],
    drive: async (a, b, { link, cap }) => {
      const bird = a as BirdRouter;
      const exa = b as ExabgpRouter;
      await Promise.all([bird.waitEstablished(), exa.waitEstablished()]);
      await Promise.all([exa.waitForPrefix('203.0.113.51/32'), exa.waitForPrefix('2001:db8:5::1/128'), bird.waitForPrefix('203.0.113.52/32'), bird.waitForPrefix('2001:db8:5::2/128')]);
      await bird.routeRefresh(link.b.v6!);
      await seen(cap, 'ROUTE-REFRESH from BIRD', (s, t) => s === link.a.v6 && isRR(t));
      await exa.withdraw('2001:db8:5::2/128', link.a.v6!);
      await bird.waitForPrefix('2001:db8:5::2/128', false);
      await bird.disable(link.b.v4!, 'bird: 2-byte peer going down');
      await seen(cap, 'NOTIFICATION from BIRD', (s, t) => s === link.a.v4 && isNotif(t));
    },
  },
  {
    name: 'bad-peer-as',
    as4: true,
    session: 'IPv4 eBGP, BIRD expects AS 65099 but FRR is AS 65002: OPEN error 2/2 (Bad Peer AS) with data',
    build: (topo, l) => [
      new BirdRouter(topo, { ns: l.a.ns, routerId: '192.0.2.51', localAs: 65001, neighbors: [{ address: l.b.v4!, remoteAs: 65099 }] }),
      new FrrRouter(topo, { ns: l.b.ns, routerId: '192.0.2.52', localAs: 65002, neighbors: [{ address: l.a.v4!, remoteAs: 65001, passive: true }] }),
    ],
    drive: async (_a, _b, { link, cap }) => {
      await seen(cap, 'NOTIFICATION 2/2 from BIRD', (s, t, b) => s === link.a.v4 && isNotif(t) && b[19] === 2 && b[20] === 2);
    },
  },
];
