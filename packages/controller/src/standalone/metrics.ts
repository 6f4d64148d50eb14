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
} from '../../../metrics/src/index.ts';
import type { StandaloneConfig } from './config.ts';
import type { StandaloneDaemon } from './daemon.ts';
import type { HealthGate } from './health-gate.ts';

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
  const catalogue = createCatalogue(registry);
  const bgp = createBgpMetricsAdapter(catalogue.bgp);
  let close = async (): Promise<void> => {};
  const startedAtMs = Date.now();
  return {
    bgp,
    security: createSecurityRecorder(catalogue.security),
    registry,
    control: catalogue.control,
    async attach(daemon, health) {
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
        }),
        peers: () => {
          const ribs = new Map(daemon.speaker.status().map((s) => [s.peer, s]));
          return daemon.peerSnapshots().map((p): PeerStatus => {
            const rib = ribs.get(p.address);
            const state = (STATES.includes(p.state) ? p.state : 'Idle') as SessionStateName;
            return {
              address: p.address,
              port: p.port,
              localAddress: null,
              description: p.description,
              peerAsn: p.asn,
              localAsn: daemon.config.localAsn,
              peerRouterId: null,
              state,
              stateSinceMs: startedAtMs,
              holdTimeSec: null,
              keepaliveSec: null,
              capabilities: [],
              families: p.families as PeerStatus['families'],
              prefixes: (['ipv4-unicast', 'ipv6-unicast'] as const).map((family) => ({
                family,
                advertised: rib?.advertised[family] ?? 0,
                pending: 0,
                received: 0,
              })),
              messagesSent: 0,
              messagesReceived: 0,
              establishedTransitions: 0,
              lastError: null,
              diagnosis: p.diagnosis,
              bfd: p.bfd,
            };
          });
        },
        routes: () =>
          daemon.config.vips.filter((v) => health === undefined || health.attributesFor(v) !== undefined).map(
            (v): RouteStatus => ({
              prefix: v.prefix,
              family: v.prefix.includes(':') ? 'ipv6-unicast' : 'ipv4-unicast',
              peers: [],
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

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
