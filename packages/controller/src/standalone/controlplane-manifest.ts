// The control-plane VIP as a static Pod (docs/control-plane.md): `vipd manifest controlplane` builds a
// standalone config that announces the API server VIP while the local kube-apiserver answers /livez
// (1 s interval, rise 3, fall 2, 10 s hold-down by default) and a kubelet static Pod running
// `vipd run --config-env=VIPD_CONFIG --expand-env` on the host network. The Pod does not need the
// Kubernetes API (it protects it): no ServiceAccount token, its config travels in the Pod itself, the
// router ID comes from the downward API (status.hostIP) as NODE_IP. Same shape as the chart's
// controlplane DaemonSet (charts/vipd/templates/controlplane-daemonset.yaml).

import { stringify } from 'yaml';
import { ipFamily } from '@vipd/bgp/ip.ts';

export class ManifestError extends Error {
  readonly code = 'ERR_MANIFEST_ARGS' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

export interface ControlPlaneOptions {
  readonly vip: string;
  readonly peers: readonly { readonly address: string; readonly asn: number }[];
  readonly localAsn: number;
  readonly url: string;
  readonly intervalMs: number;
  readonly rise: number;
  readonly fall: number;
  readonly holdDownSec: number;
  /** Verify the API server certificate with this CA (mounted from the host) and server name. */
  readonly caFile?: string;
  readonly serverName: string;
  readonly bindToLoopback: boolean;
  readonly image: string;
  readonly namespace: string;
  readonly name: string;
  readonly metricsPort: number;
  /** Router ID; default `${NODE_IP}` (the node's address, from the downward API). */
  readonly routerId: string;
}

export const CONTROLPLANE_DEFAULTS = {
  localAsn: 64512,
  url: 'https://127.0.0.1:6443/livez',
  intervalMs: 1000,
  rise: 3,
  fall: 2,
  holdDownSec: 10,
  serverName: 'kubernetes',
  bindToLoopback: true,
  image: 'vipd/vipd:0.1.0',
  namespace: 'kube-system',
  name: 'vipd-controlplane',
  metricsPort: 9181,
  routerId: '${NODE_IP}',
} as const;

/** The standalone config the Pod runs (validated by `vipd run`; the test runs validateConfig on it). */
export function controlPlaneConfig(o: ControlPlaneOptions): Record<string, unknown> {
  const fam = ipFamily(o.vip);
  if (fam === 0) throw new ManifestError(`--vip must be an IPv4 or IPv6 address (got ${o.vip})`);
  if (o.peers.length === 0) throw new ManifestError('at least one --peer is needed');
  for (const p of o.peers) if (ipFamily(p.address) === 0) throw new ManifestError(`--peer must be an IP address (got ${p.address})`);
  return {
    localAsn: o.localAsn,
    routerId: o.routerId,
    // Active sessions only: no listener on port 179, so no NET_BIND_SERVICE.
    listen: { enabled: false },
    peers: o.peers.map((p) => ({ address: p.address, asn: p.asn })),
    vips: [
      {
        prefix: `${o.vip}/${fam === 4 ? 32 : 128}`,
        healthCheck: {
          name: 'kube-apiserver',
          kind: 'http',
          url: o.url,
          ...(o.caFile === undefined ? { insecureSkipVerify: true } : { caFile: o.caFile, serverName: o.serverName }),
          intervalMs: o.intervalMs,
          fastIntervalMs: Math.max(100, Math.floor(o.intervalMs / 4)),
          timeoutMs: Math.min(o.intervalMs, 800),
          rise: o.rise,
          fall: o.fall,
          holdDownSec: o.holdDownSec,
        },
        bindToLoopback: o.bindToLoopback,
      },
    ],
    // A planned stop (kubelet removing the Pod) drains: GRACEFUL_SHUTDOWN, 5 s, then withdraw.
    drain: { mode: 'graceful-shutdown', periodSec: 5 },
    metrics: { address: '127.0.0.1', port: o.metricsPort },
    logLevel: 'info',
  };
}

/** The static Pod object. */
export function controlPlanePod(o: ControlPlaneOptions): Record<string, unknown> {
  const config = stringify(controlPlaneConfig(o));
  const caMount = o.caFile === undefined ? undefined : { name: 'ca', mountPath: o.caFile, readOnly: true };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      labels: { 'app.kubernetes.io/name': 'vipd', 'app.kubernetes.io/component': 'controlplane' },
    },
    spec: {
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      priorityClassName: 'system-node-critical',
      // Drain period (5 s) + margin.
      terminationGracePeriodSeconds: 15,
      automountServiceAccountToken: false,
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'vipd',
          image: o.image,
          imagePullPolicy: 'IfNotPresent',
          args: ['run', '--config-env=VIPD_CONFIG', '--expand-env'],
          env: [
            { name: 'NODE_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
            { name: 'VIPD_CONFIG', value: config },
          ],
          livenessProbe: { httpGet: { host: '127.0.0.1', port: o.metricsPort, path: '/healthz' }, periodSeconds: 10, failureThreshold: 3 },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            // `ip addr add` on lo needs CAP_NET_ADMIN, which only root keeps without ambient capabilities.
            capabilities: { drop: ['ALL'], ...(o.bindToLoopback ? { add: ['NET_ADMIN'] } : {}) },
            ...(o.bindToLoopback ? { runAsUser: 0, runAsNonRoot: false } : { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true }),
          },
          resources: { requests: { cpu: '20m', memory: '48Mi' }, limits: { memory: '192Mi' } },
          ...(caMount === undefined ? {} : { volumeMounts: [caMount] }),
        },
      ],
      ...(o.caFile === undefined ? {} : { volumes: [{ name: 'ca', hostPath: { path: o.caFile, type: 'File' } }] }),
    },
  };
}

export function controlPlaneManifest(o: ControlPlaneOptions): string {
  return `# vipd control-plane VIP ${o.vip}: copy to /etc/kubernetes/manifests/ on each control-plane node\n${stringify(controlPlanePod(o))}`;
}
