// Lab harness for the speaker e2e tests: a `vipd` namespace joined by one veth link to each router
// namespace, the example VIP set (3 IPv4 /32, 2 IPv6 /128) and helpers to build vipd's YAML config.
// Each router test file (speaker-<router>.test.ts) uses its own namespace prefix under `vsp-`.
import { Topology, type Link } from './netns.ts';
import { VipdProcess } from './vipd-process.ts';

export const VIPD_AS = 4200000001;
export const VIPS4 = ['198.51.100.1/32', '198.51.100.2/32', '198.51.100.3/32'] as const;
export const VIPS6 = ['2001:db8:100::1/128', '2001:db8:100::2/128'] as const;

/** The default VIP list: the first IPv4 VIP carries communities and a MED. */
export function vipList(opts: { drop?: readonly string[]; first?: Record<string, unknown> } = {}): unknown[] {
  const first = opts.first ?? { communities: ['65000:100'], largeCommunities: [`${VIPD_AS}:7:8`], med: 10 };
  return [...VIPS4, ...VIPS6]
    .filter((p) => !(opts.drop ?? []).includes(p))
    .map((p) => (p === VIPS4[0] ? { prefix: p, ...first } : p));
}

export interface SpeakerLab {
  readonly topo: Topology;
  readonly vns: string;
  /** Router namespace and link per short name. */
  readonly routers: Map<string, { ns: string; link: Link }>;
}

/**
 * Creates the vipd namespace and one router namespace per entry, linked with IPv4 10.0.N.0/30 and IPv6
 * fd00:0:0:N::/64 (router = host 1, vipd = host 2); `v6only` links carry no IPv4.
 */
export async function createSpeakerLab(
  prefix: string,
  routers: readonly { name: string; v6only?: boolean }[],
): Promise<SpeakerLab> {
  const topo = await Topology.create(prefix);
  try {
    const vns = await topo.addNamespace('vipd');
    const map = new Map<string, { ns: string; link: Link }>();
    let n = 1;
    for (const r of routers) {
      const ns = await topo.addNamespace(r.name, { forwarding: true });
      const link = await topo.addLink(ns, vns, {
        ...(r.v6only === true ? {} : { v4: `10.0.${n}.0/30` }),
        v6: `fd00:0:0:${n}::/64`,
        bIf: `to-${r.name}`.slice(0, 15),
      });
      map.set(r.name, { ns, link });
      n++;
    }
    return { topo, vns, routers: map };
  } catch (err) {
    await topo.destroy();
    throw err;
  }
}

export function baseConfig(peers: unknown[], vips: unknown[] = vipList(), extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    localAsn: VIPD_AS,
    routerId: '10.255.0.1',
    listen: { enabled: true, address: '::', port: 179 },
    shutdownMessage: 'vipd e2e: planned maintenance',
    logLevel: 'debug',
    peers,
    vips,
    ...extra,
  };
}

export function startVipd(lab: SpeakerLab, config: Record<string, unknown>): VipdProcess {
  return new VipdProcess(lab.topo, lab.vns, config);
}

/** TCP connections of the vipd namespace (ss), to tell who connected to whom. */
export async function vipdConnections(lab: SpeakerLab): Promise<{ local: string; remote: string }[]> {
  const r = await lab.topo.execIn(lab.vns, 'ss', ['-Htn', 'state', 'established']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 4)
    .map((f) => ({ local: plain(f[2]!), remote: plain(f[3]!) }));
}

/** '[::ffff:10.0.2.2]:179' → '10.0.2.2:179'; '[fd00::1]:179' stays. */
function plain(endpoint: string): string {
  return endpoint.replace(/^\[::ffff:(\d+\.\d+\.\d+\.\d+)\]/, '$1');
}
