// `vipd daemon`: Kubernetes mode on one node (docs/kubernetes.md). Flags as the Helm chart's speaker
// DaemonSet passes them (charts/vipd/templates/speaker-daemonset.yaml), plus --kubeconfig for tests.
// Serves /metrics, /healthz, /readyz and the status API; SIGTERM/SIGINT drain and exit 0.
// /api/v1/peers is built by the standalone mapping (standalone/metrics.ts peerStatusOf) from each
// session's PeerDetailsTracker; BFD profiles come from --bfd-profiles (docs/kubernetes.md).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import {
  Registry, buildServer, createBgpMetricsAdapter, createCatalogue, createLogging, createSecurityRecorder, isLogLevel, listenServer, parseListenAddress,
  type DecisionStatus, type PeerStatus, type RouteStatus,
} from '@vipd/metrics/index.ts';
import { ConfigError, validateBfdProfiles, type BfdTimersConfig } from '../standalone/config.ts';
import { peerStatusOf } from '../standalone/metrics.ts';
import { formatCommunity } from '../config/communities.ts';
import { FOREIGN_REASONS } from '../reasons.ts';
import { loadKubeConfig } from '../kube/informer.ts';
import { K8sDaemon } from '../daemon/k8s-daemon.ts';

export const summary = 'run on a Kubernetes node: announce this node\'s healthy Service VIPs (DaemonSet mode)';

const USAGE = `usage: vipd daemon --node-name NAME [--namespace NS] [--metrics-address HOST:PORT] [--listen [HOST]:PORT]
                   [--log-level LEVEL] [--kubeconfig FILE] [--bfd-profiles FILE]
  --node-name        this node (default $NODE_NAME)
  --namespace        vipd's namespace: BGP password Secrets are read here (default $POD_NAMESPACE, else vipd-system)
  --metrics-address  metrics, probes and status API (default :7472; "off" disables)
  --listen           accept BGP connections (passive peers), e.g. :179
  --kubeconfig       kubeconfig file (default: in-cluster, else ~/.kube/config)
  --bfd-profiles     YAML file with \`bfdProfiles: {NAME: {minTxMs, minRxMs, multiplier}}\` that
                     BGPPeer.spec.bfdProfile names ("default", 300/300/3, always exists)
`;

/** The --bfd-profiles file; ConfigError (exit 2) when it does not validate. */
function readBfdProfiles(file: string): Readonly<Record<string, BfdTimersConfig>> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ path: '(file)', message: (err as Error).message.split('\n')[0] ?? 'unreadable' }]);
  }
  return validateBfdProfiles(doc);
}

function listenOf(v: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v.trim());
  if (m === null || Number(m[3]) > 65535) throw new Error(`--listen: expected [HOST]:PORT, got "${v}"`);
  return { host: m[1] ?? (m[2] === '' || m[2] === undefined ? '::' : m[2]), port: Number(m[3]) };
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'node-name': { type: 'string', default: process.env.NODE_NAME },
        namespace: { type: 'string', default: process.env.POD_NAMESPACE ?? 'vipd-system' },
        'metrics-address': { type: 'string', default: ':7472' },
        'log-level': { type: 'string', default: 'info' },
        listen: { type: 'string' },
        kubeconfig: { type: 'string' },
        'bfd-profiles': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`vipd daemon: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const nodeName = values['node-name'];
  const level = values['log-level'];
  if (nodeName === undefined || nodeName === '') {
    process.stderr.write(`vipd daemon: --node-name (or $NODE_NAME) is required\n${USAGE}`);
    return 2;
  }
  if (!isLogLevel(level)) {
    process.stderr.write(`vipd daemon: --log-level: unknown level ${level}\n`);
    return 2;
  }
  let listen: { host: string; port: number } | undefined;
  let metricsAddr: { host: string; port: number } | undefined;
  let bfdProfiles: Readonly<Record<string, BfdTimersConfig>> | undefined;
  try {
    listen = values.listen === undefined ? undefined : listenOf(values.listen);
    bfdProfiles = values['bfd-profiles'] === undefined ? undefined : readBfdProfiles(values['bfd-profiles']);
    metricsAddr = values['metrics-address'] === 'off' ? undefined : parseListenAddress(values['metrics-address']);
  } catch (err) {
    process.stderr.write(`vipd daemon: ${(err as Error).message}\n`);
    return 2;
  }

  const logging = createLogging({ level, base: { node: nodeName } });
  const log = logging.root;
  const registry = new Registry();
  let daemon: K8sDaemon | undefined;
  const catalogue = createCatalogue(registry, {
    sources: {
      decisionCounts: () => daemon?.decisionCounts() ?? {},
      // vipd_bgp_prefixes_announced: each session's Adj-RIB-Out, read at scrape time.
      announcedPrefixes: () =>
        (daemon?.sessionStatus() ?? []).flatMap((s) =>
          (['ipv4-unicast', 'ipv6-unicast'] as const).map((family) => ({ peer: s.address, family, count: s.advertised[family] })),
        ),
      configObjects: () => daemon?.configCounts() ?? {},
    },
  });
  const bgp = createBgpMetricsAdapter(catalogue.bgp);
  const security = createSecurityRecorder(catalogue.security);
  daemon = new K8sDaemon({
    kc: loadKubeConfig(values.kubeconfig),
    nodeName,
    namespace: values.namespace,
    ...(listen === undefined ? {} : { listen }),
    log: logging.component('controller'),
    metrics: bgp,
    eventToWire: (peer, s) => bgp.eventToWire(peer, s),
    control: catalogue.control,
    // vipd_bfd_session_state / _up / _transitions_total, vipd_bgp_connect_timeouts_total and
    // vipd_bgp_md5_mismatch_suspected, as in standalone mode.
    bfdObserver: security,
    connectObserver: security,
    ...(bfdProfiles === undefined ? {} : { bfdProfiles }),
  });
  const d = daemon;
  const startedAtMs = Date.now();
  const app = buildServer({
    registry,
    logLevel: logging.control,
    // Ready once the first full list is decided and applied. Losing the API server later does NOT make
    // the pod unready: the routes stay (keepAnnouncingWhenDisconnected) and an unready speaker would
    // only stall rollouts; vipd_kube_watch_connected and the logs report the disconnection instead.
    readiness: { isConfigLoaded: () => d.ready, isInitialSyncDone: () => d.ready },
    status: {
      info: () => ({ version: 'dev', revision: 'unknown', node: nodeName, mode: 'kubernetes', routerId: null, localAsn: null, startedAtMs, bfd: d.bfdProcess() }),
      peers: () =>
        d.sessionStatus().map((s) => {
          const p: PeerStatus = {
            ...peerStatusOf({
              address: s.address, port: s.port, description: s.description ?? null, asn: s.asn ?? null, localAsn: s.localAsn, state: s.state, families: s.families,
              diagnosis: s.diagnosis, bfd: s.bfd, details: s.details, advertised: s.advertised,
            }, catalogue.bgp.hot.prefixesPending, startedAtMs),
            // The next hop per family, or why VIPs of a family are withheld (daemon/peer-next-hops.ts).
            ...(s.nextHops === undefined ? {} : { nextHops: s.nextHops }),
          };
          // No NOTIFICATION recorded: say why the session went down or was not started (e.g. a missing
          // password Secret, an unknown BFD profile) instead.
          if (p.lastError !== null || s.lastError === undefined) return p;
          return { ...p, lastError: { direction: 'sent' as const, code: 0, subcode: 0, name: 'session down', message: s.lastError, atMs: s.lastErrorAtMs ?? 0 } };
        }),
      routes: () =>
        [...d.table.vips.values()].filter((v) => v.announce).map((v): RouteStatus => ({
          prefix: v.prefix,
          family: v.family === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast',
          peers: v.routes.map((r) => r.peerAddress),
          pendingPeers: [],
          attributes: {
            origin: 'igp', asPath: [], nextHop: 'self', med: v.routes[0]?.med ?? null, localPref: v.routes[0]?.localPref ?? null,
            communities: (v.routes[0]?.communities ?? []).map(formatCommunity), largeCommunities: (v.routes[0]?.largeCommunities ?? []).map((l) => l.join(':')),
          },
          sources: v.services,
        })),
      decisions: () =>
        [...d.table.decisions.values()].filter((x) => !FOREIGN_REASONS.has(x.reason)).map((x): DecisionStatus => ({
          service: x.key, isAnnounced: x.announce, reason: x.reason, vips: x.vips.map((v) => ({ vip: v.address, reason: v.reason })),
          detail: x.detail, decidedAtMs: d.table.decidedAtMs.get(x.key) ?? startedAtMs,
        })),
      healthChecks: () => [],
    },
  });
  if (metricsAddr !== undefined) {
    const url = await listenServer(app, metricsAddr);
    log.info({ url }, 'metrics and status server listening');
  }

  let stopping = false;
  const done = new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      if (stopping) {
        log.warn({ signal }, 'second signal during shutdown: exiting now');
        resolve(1);
        return;
      }
      stopping = true;
      log.info({ signal }, 'shutting down: draining');
      d.shutdown(`vipd on node ${nodeName} is shutting down`)
        .then(() => app.close())
        .then(() => resolve(0))
        .catch((err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  log.info({ namespace: values.namespace, listen: values.listen ?? null }, 'vipd daemon starting');
  void d.start().then(
    () => log.info({ peers: d.feedList().length }, 'vipd running'),
    (err: unknown) => log.error({ err }, 'start failed'),
  );
  const code = await done;
  log.info({ code }, 'vipd exiting');
  logging.root.flush();
  setTimeout(() => process.exit(code), 50).unref();
  return code;
}
