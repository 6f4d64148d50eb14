// A StatusProvider over literal data, for the server tests and the CLI tests (packages/controller).
// Two peers (one Established with both families, one Active after a Cease), three routes, decisions
// and health checks, all at fixed times relative to NOW_MS.

import type {
  DaemonInfo,
  DecisionStatus,
  HealthCheckStatus,
  PeerStatus,
  Readiness,
  RouteStatus,
  StatusProvider,
} from '../../src/status.ts';

export const NOW_MS = Date.UTC(2026, 10, 21, 12, 0, 0);

export const INFO: DaemonInfo = {
  version: '0.1.0',
  revision: 'abc1234',
  node: 'worker-1',
  mode: 'kubernetes',
  routerId: '10.0.0.11',
  localAsn: 64512,
  startedAtMs: NOW_MS - 3_723_000,
};

export const PEERS: readonly PeerStatus[] = [
  {
    address: '192.0.2.1',
    port: 179,
    localAddress: '192.0.2.11',
    description: 'tor-a',
    peerAsn: 65000,
    localAsn: 64512,
    peerRouterId: '192.0.2.1',
    state: 'Established',
    stateSinceMs: NOW_MS - 90_061_000,
    holdTimeSec: 90,
    keepaliveSec: 30,
    capabilities: ['multiprotocol', 'route-refresh', '4-octet-as', 'graceful-restart'],
    families: ['ipv4-unicast', 'ipv6-unicast'],
    prefixes: [
      { family: 'ipv4-unicast', advertised: 2, pending: 0, received: 0 },
      { family: 'ipv6-unicast', advertised: 1, pending: 1, received: 3 },
    ],
    messagesSent: 120,
    messagesReceived: 118,
    establishedTransitions: 2,
    lastError: null,
  },
  {
    address: '2001:db8::1',
    port: 179,
    localAddress: null,
    description: null,
    peerAsn: 65001,
    localAsn: 64512,
    peerRouterId: null,
    state: 'Active',
    stateSinceMs: NOW_MS - 42_000,
    holdTimeSec: null,
    keepaliveSec: null,
    capabilities: [],
    families: [],
    prefixes: [],
    messagesSent: 3,
    messagesReceived: 2,
    establishedTransitions: 1,
    lastError: {
      direction: 'received',
      code: 6,
      subcode: 2,
      name: 'Cease / Administrative Shutdown',
      message: 'maintenance',
      atMs: NOW_MS - 42_000,
    },
  },
];

const ATTRS = {
  origin: 'igp',
  asPath: [64512],
  nextHop: '192.0.2.11',
  med: null,
  localPref: null,
  communities: ['64512:100'],
  largeCommunities: [],
} as const;

export const ROUTES: readonly RouteStatus[] = [
  { prefix: '198.51.100.10/32', family: 'ipv4-unicast', peers: ['192.0.2.1'], pendingPeers: [], attributes: ATTRS, sources: ['default/web'] },
  { prefix: '198.51.100.11/32', family: 'ipv4-unicast', peers: ['192.0.2.1'], pendingPeers: [], attributes: { ...ATTRS, med: 10 }, sources: ['default/api', 'default/api-udp'] },
  {
    prefix: '2001:db8:100::10/128',
    family: 'ipv6-unicast',
    peers: [],
    pendingPeers: ['192.0.2.1'],
    attributes: { ...ATTRS, nextHop: '2001:db8::11', communities: ['graceful-shutdown'] },
    sources: ['default/web'],
  },
];

export const DECISIONS: readonly DecisionStatus[] = [
  { service: 'default/web', isAnnounced: true, reason: 'announced', vips: [{ vip: '198.51.100.10', reason: 'announced' }, { vip: '2001:db8:100::10', reason: 'announced' }], detail: null, decidedAtMs: NOW_MS - 5_000 },
  { service: 'shop/cart', isAnnounced: false, reason: 'no-local-endpoints', vips: [{ vip: '198.51.100.12', reason: 'no-local-endpoints' }], detail: 'externalTrafficPolicy Local, 0 of 3 endpoints on worker-1', decidedAtMs: NOW_MS - 7_000 },
];

export const HEALTH_CHECKS: readonly HealthCheckStatus[] = [
  {
    name: 'apiserver',
    kind: 'apiserver',
    target: 'https://127.0.0.1:6443/livez',
    vips: ['198.51.100.1'],
    state: 'up',
    stateSinceMs: NOW_MS - 600_000,
    consecutiveSuccesses: 42,
    consecutiveFailures: 0,
    transitions: 1,
    lastDurationMs: 3,
    lastDetail: '200',
    lastCheckedAtMs: NOW_MS - 1_000,
  },
];

export interface FakeStatus extends StatusProvider {
  peersData: readonly PeerStatus[];
}

export function fakeStatus(overrides: Partial<StatusProvider> = {}): FakeStatus {
  const s: FakeStatus = {
    peersData: PEERS,
    info: () => INFO,
    peers: () => s.peersData,
    routes: () => ROUTES,
    decisions: () => DECISIONS,
    healthChecks: () => HEALTH_CHECKS,
    ...overrides,
  };
  return s;
}

export function fakeReadiness(configLoaded = true, initialSyncDone = true): Readiness & { configLoaded: boolean; initialSyncDone: boolean } {
  const r = {
    configLoaded,
    initialSyncDone,
    isConfigLoaded: () => r.configLoaded,
    isInitialSyncDone: () => r.initialSyncDone,
  };
  return r;
}
