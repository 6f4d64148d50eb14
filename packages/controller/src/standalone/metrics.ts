// Standalone mode's metrics and status server: the vipd metric catalogue on a private registry, the
// BgpMetrics adapter the sessions and the speaker report to, and the fastify app from packages/metrics
// serving /metrics, /healthz, /readyz and /api/v1/* on `metrics.address:port` (docs/metrics.md).

import { hostname } from 'node:os';
import {
  Registry,
  buildServer,
  createBgpMetricsAdapter,
  createCatalogue,
  createSecurityRecorder,
  listenServer,
  type BgpMetricsAdapter,
  type Logging,
  type PeerStatus,
  type RouteStatus,
  type SessionStateName,
  type StatusProvider,
} from '@vipd/metrics/index.ts';
import type { StandaloneConfig } from './config.ts';
import type { StandaloneDaemon } from './daemon.ts';
import type { HealthGate } from './health-gate.ts';
import type { PeerDetails } from './peer-details.ts';

export interface MetricsHandle {
  readonly bgp: BgpMetricsAdapter;
  /** BFD state and TCP-MD5 diagnosis recorder for the session layer (issue 8). */
  readonly security: ReturnType<typeof createSecurityRecorder>;
  readonly registry: Registry;
  /** Controller / health-check metrics (vipd_health_check_*). */
  readonly control: ReturnType<typeof createCatalogue>['control'];
  attach(daemon: StandaloneDaemon, health?: HealthGate): Promise<string | undefined>;
  close(): Promise<void>;
}

const STATES: readonly string[] = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'];

/** Creates the registry and adapter now (sessions need them); serves HTTP once the daemon exists. */
export function createMetrics(cfg: StandaloneConfig, logging: Logging): MetricsHandle {
  const registry = new Registry();
  let daemonRef: StandaloneDaemon | undefined;
  const catalogue = createCatalogue(registry, {
    sources: {
      // vipd_bgp_prefixes_announced: the speaker's Adj-RIB-Out per peer and family, read at scrape time.
      announcedPrefixes: () =>
        (daemonRef?.speaker.status() ?? []).flatMap((s) =>
          (['ipv4-unicast', 'ipv6-unicast'] as const).map((family) => ({ peer: s.peer, family, count: s.advertised[family] })),
        ),
    },
  });
  const bgp = createBgpMetricsAdapter(catalogue.bgp);
  let close = async (): Promise<void> => {};
  const startedAtMs = Date.now();
  return {
    bgp,
    security: createSecurityRecorder(catalogue.security),
    registry,
    control: catalogue.control,
    async attach(daemon, health) {
      daemonRef = daemon;
      daemon.onEventToWire = (peer, seconds) => bgp.eventToWire(peer, seconds);
      if (cfg.metrics === undefined) return undefined;
      const status: StatusProvider = {
        info: () => ({
          version: 'dev',
          revision: 'unknown',
          node: hostname(),
          mode: 'standalone',
          routerId: daemon.config.routerId,
          localAsn: daemon.config.localAsn,
          startedAtMs,
          bfd: daemon.bfdProcess(),
        }),
        peers: () => {
          const ribs = new Map(daemon.speaker.status().map((s) => [s.peer, s]));
          return daemon.peerSnapshots().map((p) =>
            peerStatusOf({ ...p, localAsn: daemon.config.localAsn, advertised: ribs.get(p.address)?.advertised }, catalogue.bgp.hot.prefixesPending, startedAtMs),
          );
        },
        routes: () =>
          daemon.config.vips.filter((v) => health === undefined || health.attributesFor(v) !== undefined).map(
            (v): RouteStatus => ({
              prefix: v.prefix,
              family: v.prefix.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast',
              peers: daemon.speaker.advertisedTo(v.prefix),
              pendingPeers: [],
              attributes: {
                origin: (['igp', 'egp', 'incomplete'] as const)[v.attributes.origin ?? 0]!,
                asPath: [daemon.config.localAsn],
                nextHop: v.attributes.nextHop ?? 'self',
                med: v.attributes.med ?? null,
                localPref: v.attributes.localPref ?? null,
                communities: (v.attributes.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`),
                largeCommunities: (v.attributes.largeCommunities ?? []).map((l) => l.join(':')),
              },
              sources: ['config'],
            }),
          ),
        decisions: () => [],
        healthChecks: () => health?.statuses() ?? [],
      };
      const app = buildServer({
        registry,
        status,
        readiness: { isConfigLoaded: () => true, isInitialSyncDone: () => true },
        logger: logging.component('server'),
        // The maintenance switch is a mutation: served only on a loopback status address.
        ...(health !== undefined && isLoopback(cfg.metrics.address) ? { healthMaintenance: (name: string, on: boolean) => health.setMaintenance(name, on) } : {}),
      });
      const url = await listenServer(app, { host: cfg.metrics.address, port: cfg.metrics.port });
      close = () => app.close();
      return url;
    },
    close: () => close(),
  };
}

/** What both modes know about one peer for GET /api/v1/peers (`details` from PeerDetailsTracker). */
export interface PeerStatusInput {
  readonly address: string;
  readonly port: number;
  readonly description: string | null;
  readonly asn: number | null;
  readonly localAsn: number;
  readonly state: string;
  /** Configured families (shown until a session negotiated some). */
  readonly families: readonly string[];
  readonly diagnosis: string | null;
  readonly bfd: string | null;
  readonly details: PeerDetails | null;
  readonly advertised: Readonly<Record<'ipv4-unicast' | 'ipv6-unicast', number>> | undefined;
}

/** One PeerStatus (standalone and Kubernetes mode share it); `pending` is the prefixesPending store. */
export function peerStatusOf(
  p: PeerStatusInput,
  pending: { get(peer: string, family: string): number | undefined },
  startedAtMs: number,
): PeerStatus {
  const state = (STATES.includes(p.state) ? p.state : 'Idle') as SessionStateName;
  const d = p.details;
  const families = d !== null && d.families.length > 0 ? d.families : p.families;
  return {
    address: p.address,
    port: p.port,
    localAddress: d?.localAddress ?? null,
    description: p.description,
    peerAsn: p.asn,
    localAsn: p.localAsn,
    peerRouterId: d?.peerRouterId ?? null,
    state,
    stateSinceMs: d?.stateSinceMs ?? startedAtMs,
    holdTimeSec: d?.holdTimeSec ?? null,
    keepaliveSec: d?.keepaliveSec ?? null,
    capabilities: d?.capabilities ?? [],
    families: families as PeerStatus['families'],
    prefixes: (['ipv4-unicast', 'ipv6-unicast'] as const).map((family) => ({
      family,
      advertised: p.advertised?.[family] ?? 0,
      pending: pending.get(p.address, family) ?? 0,
      received: d?.received[family] ?? 0,
    })),
    messagesSent: d?.messagesSent ?? 0,
    messagesReceived: d?.messagesReceived ?? 0,
    establishedTransitions: d?.establishedTransitions ?? 0,
    lastError: d?.lastError ?? null,
    diagnosis: p.diagnosis,
    bfd: p.bfd,
  };
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
