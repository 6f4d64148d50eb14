// The vipd metric catalogue: every metric vipd exports, created on a registry passed in. One place
// defines the names that docs/metrics.md, the Grafana dashboard and the alert rules use; tests build it
// on a fresh registry and fail when a dashboard or alert names anything not created here.
// Conventions: prefix `vipd_`, counters end in `_total` (gauges never), label values from the closed
// sets in labels.ts, `peer` is the peer's IP, durations in seconds. Point-in-time values that someone
// else owns (pool usage, decisions, config objects) are read from `sources` in collect().

import { Counter, type Gauge, type Histogram, type Registry } from 'prom-client';
import { FAST_LATENCY_BUCKETS_SEC, SLOW_LATENCY_BUCKETS_SEC, counter, gauge, histogram, readSource } from './factories.ts';
import { SeriesStore } from './series-store.ts';
import { createControlMetrics, type ControlMetrics, type CatalogueSources } from './catalogue-control.ts';
import { createSecurityMetrics, type SecurityMetrics } from './catalogue-security.ts';

export type { CatalogueSources, ControlMetrics } from './catalogue-control.ts';

export interface BuildInfo {
  readonly version: string;
  readonly revision: string;
}

export interface BgpCatalogue {
  /** BGP4-MIB state code 1..6 (labels.ts SESSION_STATE_CODES). */
  readonly sessionState: Gauge<'peer'>;
  readonly sessionUp: Gauge<'peer'>;
  readonly establishedTransitions: Counter<'peer'>;
  readonly lastErrorInfo: Gauge<'peer' | 'direction' | 'code' | 'subcode'>;
  readonly lastErrorTimestamp: Gauge<'peer'>;
  readonly messagesSent: Counter<'peer' | 'type'>;
  readonly messagesReceived: Counter<'peer' | 'type'>;
  readonly notificationsSent: Counter<'peer' | 'code' | 'subcode'>;
  readonly notificationsReceived: Counter<'peer' | 'code' | 'subcode'>;
  readonly prefixesAdvertised: Counter<'peer' | 'family'>;
  readonly prefixesWithdrawn: Counter<'peer' | 'family'>;
  /** Point-in-time, from `sources.announcedPrefixes` in collect(). */
  readonly prefixesAnnounced: Gauge<'peer' | 'family'>;
  readonly prefixesPending: Gauge<'peer' | 'family'>;
  readonly prefixesReceived: Gauge<'peer' | 'family'>;
  readonly updateQueueDepth: Gauge<'peer'>;
  readonly keepaliveLateness: Histogram<'peer'>;
  readonly eventToWire: Histogram<'peer'>;
  /**
   * Per-message metrics accumulate here and are copied into the metrics above when scraped
   * (series-store.ts). Write them through these stores (the adapter does); a direct inc()/set() on
   * those metrics would be overwritten at the next scrape.
   */
  readonly hot: HotStores;
}

export interface HotStores {
  readonly messagesSent: SeriesStore<'peer' | 'type'>;
  readonly messagesReceived: SeriesStore<'peer' | 'type'>;
  readonly prefixesAdvertised: SeriesStore<'peer' | 'family'>;
  readonly prefixesWithdrawn: SeriesStore<'peer' | 'family'>;
  readonly prefixesPending: SeriesStore<'peer' | 'family'>;
  readonly prefixesReceived: SeriesStore<'peer' | 'family'>;
  readonly updateQueueDepth: SeriesStore<'peer'>;
}

export interface Catalogue {
  readonly registry: Registry;
  readonly bgp: BgpCatalogue;
  readonly control: ControlMetrics;
  /** TCP-MD5 diagnosis and BFD (issue 8). */
  readonly security: SecurityMetrics;
  readonly buildInfo: Gauge<'version' | 'revision' | 'nodejs_version'>;
  readonly startTime: Gauge<never>;
  readonly sourceErrors: Counter<'source'>;
}

export interface CatalogueOptions {
  readonly build?: BuildInfo;
  readonly sources?: CatalogueSources;
  /** Unix time in seconds the process started (defaults to now). */
  readonly startTimeSec?: number;
}

function createBgpCatalogue(r: Registry, sources: CatalogueSources, sourceErrors: Counter<'source'>): BgpCatalogue {
  const hot: HotStores = {
    messagesSent: new SeriesStore(['peer', 'type']),
    messagesReceived: new SeriesStore(['peer', 'type']),
    prefixesAdvertised: new SeriesStore(['peer', 'family']),
    prefixesWithdrawn: new SeriesStore(['peer', 'family']),
    prefixesPending: new SeriesStore(['peer', 'family']),
    prefixesReceived: new SeriesStore(['peer', 'family']),
    updateQueueDepth: new SeriesStore(['peer']),
  };
  return {
    hot,
    sessionState: gauge(r, 'vipd_bgp_session_state', 'BGP FSM state per peer as the BGP4-MIB bgpPeerState code: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, 6 Established.', ['peer']),
    sessionUp: gauge(r, 'vipd_bgp_session_up', '1 when the session with the peer is Established, else 0.', ['peer']),
    establishedTransitions: counter(r, 'vipd_bgp_session_established_transitions_total', 'Times the session reached Established; more than one in a window means the session flapped.', ['peer']),
    lastErrorInfo: gauge(r, 'vipd_bgp_session_last_error_info', 'Always 1: the last NOTIFICATION sent or received on the session, as code/subcode labels.', ['peer', 'direction', 'code', 'subcode']),
    lastErrorTimestamp: gauge(r, 'vipd_bgp_session_last_error_timestamp_seconds', 'Unix time of the last NOTIFICATION sent or received on the session.', ['peer']),
    messagesSent: counter(r, 'vipd_bgp_messages_sent_total', 'BGP messages written to the peer, by type.', ['peer', 'type'], function collect() {
      hot.messagesSent.flushCounter(this);
    }),
    messagesReceived: counter(r, 'vipd_bgp_messages_received_total', 'BGP messages read from the peer, by type.', ['peer', 'type'], function collect() {
      hot.messagesReceived.flushCounter(this);
    }),
    notificationsSent: counter(r, 'vipd_bgp_notifications_sent_total', 'NOTIFICATION messages sent, by code and subcode.', ['peer', 'code', 'subcode']),
    notificationsReceived: counter(r, 'vipd_bgp_notifications_received_total', 'NOTIFICATION messages received, by code and subcode.', ['peer', 'code', 'subcode']),
    prefixesAdvertised: counter(r, 'vipd_bgp_prefixes_advertised_total', 'Prefixes announced to the peer in UPDATE messages.', ['peer', 'family'], function collect() {
      hot.prefixesAdvertised.flushCounter(this);
    }),
    prefixesWithdrawn: counter(r, 'vipd_bgp_prefixes_withdrawn_total', 'Prefixes withdrawn from the peer in UPDATE messages.', ['peer', 'family'], function collect() {
      hot.prefixesWithdrawn.flushCounter(this);
    }),
    prefixesAnnounced: gauge(r, 'vipd_bgp_prefixes_announced', 'Prefixes currently announced to the peer (Adj-RIB-Out), read from the speaker at scrape time.', ['peer', 'family'], function collect() {
      const announced = readSource(sources.announcedPrefixes, sourceErrors, 'announced-prefixes');
      if (announced === undefined) return;
      this.reset();
      for (const a of announced) this.set({ peer: a.peer, family: a.family }, a.count);
    }),
    prefixesPending: gauge(r, 'vipd_bgp_prefixes_pending', 'Prefixes whose desired state differs from what the peer was last sent (announce or withdraw not yet written).', ['peer', 'family'], function collect() {
      hot.prefixesPending.flushGauge(this);
    }),
    prefixesReceived: gauge(r, 'vipd_bgp_prefixes_received', 'Prefixes currently received from the peer (Adj-RIB-In).', ['peer', 'family'], function collect() {
      hot.prefixesReceived.flushGauge(this);
    }),
    updateQueueDepth: gauge(r, 'vipd_bgp_update_queue_depth', 'UPDATE messages built but not yet written to the peer socket.', ['peer'], function collect() {
      hot.updateQueueDepth.flushGauge(this);
    }),
    keepaliveLateness: histogram(r, 'vipd_bgp_keepalive_lateness_seconds', 'How late each KEEPALIVE was written against its schedule (event-loop health).', ['peer'], SLOW_LATENCY_BUCKETS_SEC),
    eventToWire: histogram(r, 'vipd_event_to_wire_seconds', 'Time from a Kubernetes change observed by an informer to the resulting UPDATE written to the peer socket.', ['peer'], FAST_LATENCY_BUCKETS_SEC),
  };
}

/** Creates every vipd metric on `registry`. Call once per registry. */
export function createCatalogue(registry: Registry, options: CatalogueOptions = {}): Catalogue {
  const build = options.build ?? { version: 'dev', revision: 'unknown' };
  const buildInfo = gauge(registry, 'vipd_build_info', 'Always 1, labelled with the vipd version, git revision and Node.js version.', [
    'version',
    'revision',
    'nodejs_version',
  ]);
  buildInfo.set({ version: build.version, revision: build.revision, nodejs_version: process.version }, 1);
  const startTime = gauge(registry, 'vipd_start_time_seconds', 'Unix time the vipd process started.', []);
  startTime.set(options.startTimeSec ?? Date.now() / 1000);
  // Registered last: the registry serialises in registration order, so an error counted while
  // collecting any other metric appears in the same scrape.
  const sourceErrors = new Counter<'source'>({
    name: 'vipd_metrics_source_errors_total',
    help: 'Scrape-time sources that threw; the affected metric kept its previous values.',
    labelNames: ['source'],
    registers: [],
  });
  const bgp = createBgpCatalogue(registry, options.sources ?? {}, sourceErrors);
  const control = createControlMetrics(registry, options.sources ?? {}, sourceErrors);
  const security = createSecurityMetrics(registry);
  registry.registerMetric(sourceErrors);
  return {
    registry,
    sourceErrors,
    bgp,
    control,
    security,
    buildInfo,
    startTime,
  };
}

/** The name, type and label names of every metric on a registry, as read back from prom-client. */
export interface MetricDescription {
  readonly name: string;
  readonly type: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

export function describeRegistry(registry: Registry): MetricDescription[] {
  return registry.getMetricsAsArray().map((m) => {
    const raw = m as unknown as { labelNames?: readonly string[] };
    return { name: m.name, type: String(m.type), help: m.help, labelNames: [...(raw.labelNames ?? [])] };
  });
}

/**
 * Every series name the registry can expose with the label names each may carry: histograms add
 * `_bucket` (with `le`), `_sum` and `_count`.
 */
export function exportedSeries(registry: Registry): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of describeRegistry(registry)) {
    if (m.type === 'histogram') {
      out.set(`${m.name}_bucket`, new Set([...m.labelNames, 'le']));
      out.set(`${m.name}_sum`, new Set(m.labelNames));
      out.set(`${m.name}_count`, new Set(m.labelNames));
    } else {
      out.set(m.name, new Set(m.labelNames));
    }
  }
  return out;
}
