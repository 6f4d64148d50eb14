// Lab harness: FRR output parsing and config fragments (vtysh JSON → normalized views, route-maps for
// originated routes, the frr user's ids). Used by frr.ts.
import { readFileSync } from 'node:fs';
import { LabError } from '../exec.ts';
import { canonicalIp } from '../addr.ts';
import { makeRoute, normalizeOrigin } from './base.ts';
import type { OriginateSpec, PeerState, RouteView } from './types.ts';

/** Splits vtysh output holding several JSON objects back to back. */
export function splitJsonStream(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(JSON.parse(text.slice(start, i + 1)));
        start = -1;
      }
    }
  }
  return out;
}

export interface FrrNeighbor {
  remoteAs?: number;
  bgpState?: string;
  bgpTimerUpString?: string;
  lastNotificationReason?: string;
  lastResetDueTo?: string;
  lastShutdownDescription?: string;
  lastErrorCodeSubcode?: string;
  [k: string]: unknown;
}

export interface FrrPath {
  aspath?: { string?: string; segments?: Array<{ type: string; list: number[] }> };
  path?: string;
  origin?: string;
  med?: number;
  metric?: number;
  localpref?: number;
  locPrf?: number;
  community?: { string?: string; list?: string[] };
  largeCommunity?: { string?: string; list?: string[] };
  extendedCommunity?: { string?: string };
  nexthops?: Array<{ ip?: string; scope?: string }>;
  peer?: { peerId?: string; hostname?: string };
  peerId?: string;
  bestpath?: { overall?: boolean } | boolean;
  stale?: boolean;
  sourced?: boolean;
  local?: boolean;
  [k: string]: unknown;
}

export function frrRoute(prefix: string, p: FrrPath): RouteView {
  const pathText = p.aspath?.string ?? p.path ?? '';
  const asPath = pathText.replace(/[{}()]/g, ' ').split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number);
  const ext = (p.extendedCommunity?.string ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((x) => x.replace(/^RT:/i, 'rt:').replace(/^SoO:/i, 'soo:'));
  return makeRoute({
    prefix,
    nextHops: (p.nexthops ?? []).map((n) => n.ip).filter((x): x is string => !!x).map(canonicalIp),
    asPath,
    communities: (p.community?.string ?? '').split(/\s+/).filter(Boolean),
    largeCommunities: (p.largeCommunity?.string ?? '').split(/\s+/).filter(Boolean),
    extCommunities: ext,
    med: p.med ?? p.metric,
    localPref: p.localpref ?? p.locPrf,
    origin: normalizeOrigin(p.origin),
    stale: p.stale || undefined,
    fromPeer: p.peer?.peerId,
    best: typeof p.bestpath === 'object' ? !!p.bestpath.overall : !!p.bestpath,
  });
}

export function frrState(s: string | undefined): PeerState {
  const t = (s ?? '').toLowerCase();
  const map: Record<string, PeerState> = {
    idle: 'Idle',
    connect: 'Connect',
    active: 'Active',
    opensent: 'OpenSent',
    openconfirm: 'OpenConfirm',
    established: 'Established',
  };
  return map[t] ?? (t.startsWith('idle') ? 'Idle' : 'Unknown');
}

export function routeMap(name: string, r: OriginateSpec): string[] {
  const L = [`route-map ${name} permit 10`];
  if (r.communities?.length) L.push(` set community ${r.communities.join(' ')} additive`);
  if (r.largeCommunities?.length) L.push(` set large-community ${r.largeCommunities.join(' ')} additive`);
  if (r.extCommunities?.length) {
    const byType = new Map<string, string[]>();
    for (const e of r.extCommunities) {
      const [t, ...rest] = e.split(':');
      byType.set(t, [...(byType.get(t) ?? []), rest.join(':')]);
    }
    for (const [t, vals] of byType) L.push(` set extcommunity ${t} ${vals.join(' ')}`);
  }
  if (r.med !== undefined) L.push(` set metric ${r.med}`);
  if (r.localPref !== undefined) L.push(` set local-preference ${r.localPref}`);
  if (r.origin) L.push(` set origin ${r.origin}`);
  if (r.asPathPrepend?.length) L.push(` set as-path prepend ${r.asPathPrepend.join(' ')}`);
  L.push('!');
  return L;
}

let ids: { uid: number; gid: number } | undefined;
function frrIds(): { uid: number; gid: number } {
  if (!ids) {
    const passwd = readFileSync('/etc/passwd', 'utf8');
    const line = passwd.split('\n').find((l) => l.startsWith('frr:'));
    if (!line) throw new LabError('LAB_SPAWN_FAILED', 'no frr user (install the frr package)');
    const f = line.split(':');
    ids = { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return ids;
}
export function frrUid(): number {
  return frrIds().uid;
}
export function frrGid(): number {
  return frrIds().gid;
}
