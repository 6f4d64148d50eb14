// Plain-text rendering for `vipd status|peers|routes`, in the spirit of `birdc show protocols` and
// `gobgp neighbor`: one row per peer or route, aligned columns, "-" for nothing. Values that came from
// a peer (a shutdown message) are stripped of control characters so they cannot drive the terminal.
// Kubernetes mode adds per-family next hops (PeerStatus.nextHops, daemon/peer-next-hops.ts): a column
// and, for a family without a next hop, a line saying why and how many VIPs are withheld.

import type { BfdProcessInfo, PeerNextHopStatus, PeerView, RouteStatus, StatusResponse } from '@vipd/metrics';

/** Replaces C0/C1 control characters (terminal escapes) by spaces and collapses runs of whitespace. */
export function printable(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').replace(/\s+/g, ' ');
}

/** Aligned columns separated by two spaces; the last column is not padded. */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [head, ...rows].map((r) => r.map((c) => printable(c)));
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

/** "42s", "3m12s", "5h04m", "1d01h01m": the most significant units, like BIRD's and GoBGP's since columns. */
export function formatDuration(totalSec: number | null): string {
  if (totalSec === null || !Number.isFinite(totalSec) || totalSec < 0) return '-';
  const s = Math.floor(totalSec);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${d}d${two(h)}h${two(m)}m`;
  if (h > 0) return `${h}h${two(m)}m`;
  if (m > 0) return `${m}m${two(sec)}s`;
  return `${sec}s`;
}

const dash = (v: string | number | null | undefined): string => (v === null || v === undefined || v === '' ? '-' : String(v));

function familyShort(f: string): string {
  return f.replace('-unicast', '');
}

function sum(p: PeerView, key: 'advertised' | 'pending' | 'received'): number {
  return p.prefixes.reduce((n, f) => n + f[key], 0);
}

function lastError(p: PeerView): string {
  const e = p.lastError;
  if (e === null) return '-';
  const msg = e.message === null ? '' : ` "${printable(e.message).trim()}"`;
  return `${e.direction} ${e.name} (${e.code}/${e.subcode})${msg}`;
}

const vips = (n: number): string => `${n} VIP${n === 1 ? '' : 's'}`;

/** One family's next hop for the table: "ipv6 2001:db8::11 (node)", "ipv6 WITHHELD (3 VIPs)", "ipv6 none". */
function nextHopCell(n: PeerNextHopStatus): string {
  const fam = familyShort(n.family);
  if (n.problem === null) return `${fam} ${dash(n.address)}${n.source === null ? '' : ` (${n.source})`}`;
  return n.withheld > 0 ? `${fam} WITHHELD (${vips(n.withheld)})` : `${fam} none`;
}

/** " 192.0.2.1 ipv6-unicast: 3 VIPs withheld: <why>" for every family without a next hop (indented as tables are). */
function nextHopProblems(peers: readonly PeerView[], withAddress: boolean): string[] {
  return peers.flatMap((p) => (p.nextHops ?? []).filter((n) => n.problem !== null).map((n) =>
    ` ${withAddress ? `${p.address} ` : ''}${n.family}: ${vips(n.withheld)} withheld: ${printable(n.problem ?? '').trim()}`));
}

export function renderPeers(peers: readonly PeerView[]): string {
  if (peers.length === 0) return 'no BGP peers configured';
  // Next hops per family exist in Kubernetes mode only; standalone output keeps its columns.
  const hasNextHops = peers.some((p) => p.nextHops !== undefined);
  const rows = peers.map((p) => [
    p.address,
    dash(p.peerAsn),
    p.state,
    formatDuration(p.stateForSec),
    String(sum(p, 'advertised')),
    String(sum(p, 'pending')),
    String(sum(p, 'received')),
    p.families.length === 0 ? '-' : p.families.map(familyShort).join(','),
    ...(hasNextHops ? [p.nextHops === undefined || p.nextHops.length === 0 ? '-' : p.nextHops.map(nextHopCell).join(', ')] : []),
    lastError(p),
  ]);
  const head = ['Peer', 'AS', 'State', 'Up/Down', 'Adv', 'Pend', 'Rcvd', 'Families', ...(hasNextHops ? ['Next hops'] : []), 'Last error'];
  const problems = nextHopProblems(peers, true);
  const table = renderTable(head, rows);
  return problems.length === 0 ? table : `${table}\nNo next hop:\n${problems.join('\n')}`;
}

/** The `gobgp neighbor <address>` style detail of one peer. */
export function renderPeerDetail(p: PeerView): string {
  const lines: [string, string][] = [
    ['BGP neighbor', `${p.address} port ${p.port}${p.description === null ? '' : ` (${p.description})`}`],
    ['Remote AS', dash(p.peerAsn)],
    ['Local AS', String(p.localAsn)],
    ['Local address', dash(p.localAddress)],
    ['Remote router ID', dash(p.peerRouterId)],
    ['State', `${p.state} for ${formatDuration(p.stateForSec)}`],
    ['Uptime', formatDuration(p.uptimeSec)],
    ['Hold time / keepalive', p.holdTimeSec === null ? '-' : `${p.holdTimeSec}s / ${dash(p.keepaliveSec)}s`],
    ['Capabilities', p.capabilities.length === 0 ? '-' : p.capabilities.join(', ')],
    ['Families', p.families.length === 0 ? '-' : p.families.join(', ')],
    ['Messages sent / received', `${p.messagesSent} / ${p.messagesReceived}`],
    ['Established transitions', String(p.establishedTransitions)],
    ['Last error', lastError(p)],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  const parts = [lines.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${printable(v)}`).join('\n')];
  if (p.prefixes.length > 0) {
    parts.push(`Prefixes:\n${renderTable(
      ['  Family', 'Advertised', 'Pending', 'Received'],
      p.prefixes.map((f) => [`  ${f.family}`, String(f.advertised), String(f.pending), String(f.received)]),
    )}`);
  }
  if (p.nextHops !== undefined && p.nextHops.length > 0) {
    parts.push(`Next hops:\n${renderTable(
      ['  Family', 'Next hop', 'Source', 'Withheld'],
      p.nextHops.map((n) => [`  ${n.family}`, n.problem === null ? dash(n.address) : 'none', dash(n.source), String(n.withheld)]),
    )}`, ...nextHopProblems([p], false));
  }
  return parts.join('\n');
}

export function renderRoutes(routes: readonly RouteStatus[]): string {
  if (routes.length === 0) return 'no routes';
  const rows = routes.map((r) => {
    const a = r.attributes;
    const peers = [...r.peers, ...r.pendingPeers.map((p) => `${p} (pending)`)];
    return [
      r.prefix,
      a.nextHop,
      peers.length === 0 ? '-' : peers.join(','),
      a.asPath.length === 0 ? '-' : a.asPath.join(' '),
      dash(a.med),
      dash(a.localPref),
      [...a.communities, ...a.largeCommunities].join(' ') || '-',
      r.sources.length === 0 ? '-' : r.sources.join(','),
    ];
  });
  return renderTable(['Prefix', 'Next hop', 'Peers', 'AS path', 'MED', 'LocPref', 'Communities', 'Sources'], rows);
}

const SCHEDULING = { rr: 'real-time (SCHED_RR)', nice: 'nice -10', none: 'NORMAL priority (no CAP_SYS_NICE: load can delay BFD)' } as const;

function bfdProcessLine(b: BfdProcessInfo): string {
  const proc = b.pid === null ? 'process restarting' : `process ${b.pid}, ${SCHEDULING[b.scheduling] ?? b.scheduling}`;
  const watchdog = b.watchdogMs > 0 ? `, watchdog ${b.watchdogMs / 1000} s` : ', no watchdog';
  return `${proc}${watchdog}, ${b.restarts} restart${b.restarts === 1 ? '' : 's'}`;
}

export function renderStatus(s: StatusResponse, peers: readonly PeerView[]): string {
  const i = s.info;
  const decisions = Object.entries(s.decisions)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const lines = [
    `vipd ${i.version} (${i.revision}) on ${i.node}, ${i.mode} mode`,
    `Router ID ${dash(i.routerId)}, local AS ${dash(i.localAsn)}, up ${formatDuration(s.uptimeSec)}, ${s.ready ? 'ready' : 'NOT ready'}`,
    `Peers: ${s.peers.established}/${s.peers.total} established`,
    `Routes: ${s.routes.total}${s.routes.pending > 0 ? ` (${s.routes.pending} pending)` : ''}`,
    `Decisions: ${decisions === '' ? '-' : decisions}`,
    `Health checks: ${s.healthChecks.total === 0 ? '-' : `${s.healthChecks.up} up, ${s.healthChecks.down} down`}`,
    ...(i.bfd === undefined || i.bfd === null ? [] : [`BFD: ${bfdProcessLine(i.bfd)}`]),
  ];
  return `${lines.map(printable).join('\n')}\n\n${renderPeers(peers)}`;
}
