// `vipd manifest controlplane --vip IP --peer ADDR [--peer ADDR…] --peer-asn ASN [--asn ASN] …`: prints
// a kubelet static Pod manifest that announces the Kubernetes API server VIP from this control-plane
// node while the local kube-apiserver answers /livez (docs/control-plane.md), like kube-vip's
// `manifest pod` generator.

import { parseArgs } from 'node:util';
import { CONTROLPLANE_DEFAULTS, ManifestError, controlPlaneManifest, type ControlPlaneOptions } from '../standalone/controlplane-manifest.ts';

export const summary = 'print a static Pod manifest for the control-plane VIP (kubeadm nodes)';

const D = CONTROLPLANE_DEFAULTS;
const USAGE = `usage: vipd manifest controlplane --vip IP --peer ADDRESS [--peer ADDRESS…] --peer-asn ASN [options]

  --vip IP              the API server VIP (announced as /32 or /128)
  --peer ADDRESS        a router to peer with (repeatable); ADDRESS=ASN gives that peer its own AS
  --peer-asn ASN        the routers' AS (for --peer without =ASN)
  --asn ASN             this node's AS (default ${D.localAsn})
  --url URL             health check (default ${D.url})
  --interval-ms N       check interval (default ${D.intervalMs}); rise/fall/hold-down below
  --rise N              passes before announcing (default ${D.rise})
  --fall N              failures before withdrawing (default ${D.fall})
  --hold-down-sec N     no re-announce for N s after a failure (default ${D.holdDownSec})
  --ca-file PATH        verify the API server with this CA (mounted from the host), e.g.
                        /etc/kubernetes/pki/ca.crt; default: do not verify (/livez is public)
  --server-name NAME    TLS server name with --ca-file (default ${D.serverName})
  --no-bind-loopback    do not add the VIP to lo (then no NET_ADMIN and no root)
  --router-id IP        default \${NODE_IP} (the node's address, from the downward API)
  --image IMAGE         default ${D.image}
  --namespace NS        default ${D.namespace}
  --metrics-port N      status/metrics on 127.0.0.1:N (default ${D.metricsPort})
`;

function int(v: string | undefined, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ManifestError(`--${name} must be ${min}..${max}`);
  return n;
}

export function parseManifestArgs(argv: readonly string[]): ControlPlaneOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        vip: { type: 'string' }, peer: { type: 'string', multiple: true }, 'peer-asn': { type: 'string' }, asn: { type: 'string' },
        url: { type: 'string' }, 'interval-ms': { type: 'string' }, rise: { type: 'string' }, fall: { type: 'string' },
        'hold-down-sec': { type: 'string' }, 'ca-file': { type: 'string' }, 'server-name': { type: 'string' },
        'no-bind-loopback': { type: 'boolean' }, 'router-id': { type: 'string' }, image: { type: 'string' },
        namespace: { type: 'string' }, 'metrics-port': { type: 'string' },
      },
    });
  } catch (err) {
    throw new ManifestError((err as Error).message);
  }
  const v = parsed.values;
  if (parsed.positionals.length !== 1 || parsed.positionals[0] !== 'controlplane') throw new ManifestError('expected: vipd manifest controlplane …');
  if (v.vip === undefined) throw new ManifestError('--vip is required');
  const peerAsn = v['peer-asn'] === undefined ? undefined : int(v['peer-asn'], 'peer-asn', 1, 4294967295, 0);
  const peers = (v.peer ?? []).map((p) => {
    const eq = p.lastIndexOf('=');
    const address = eq < 0 ? p : p.slice(0, eq);
    const asn = eq < 0 ? peerAsn : int(p.slice(eq + 1), 'peer', 1, 4294967295, 0);
    if (asn === undefined) throw new ManifestError(`--peer ${p}: give --peer-asn or ADDRESS=ASN`);
    return { address, asn };
  });
  return {
    vip: v.vip,
    peers,
    localAsn: int(v.asn, 'asn', 1, 4294967295, D.localAsn),
    url: v.url ?? D.url,
    intervalMs: int(v['interval-ms'], 'interval-ms', 100, 60_000, D.intervalMs),
    rise: int(v.rise, 'rise', 1, 100, D.rise),
    fall: int(v.fall, 'fall', 1, 100, D.fall),
    holdDownSec: int(v['hold-down-sec'], 'hold-down-sec', 0, 3600, D.holdDownSec),
    ...(v['ca-file'] === undefined ? {} : { caFile: v['ca-file'] }),
    serverName: v['server-name'] ?? D.serverName,
    bindToLoopback: v['no-bind-loopback'] !== true,
    image: v.image ?? D.image,
    namespace: v.namespace ?? D.namespace,
    name: D.name,
    metricsPort: int(v['metrics-port'], 'metrics-port', 1, 65535, D.metricsPort),
    routerId: v['router-id'] ?? D.routerId,
  };
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    process.stdout.write(controlPlaneManifest(parseManifestArgs(argv)));
    return 0;
  } catch (err) {
    if (err instanceof ManifestError) {
      process.stderr.write(`vipd manifest: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}
