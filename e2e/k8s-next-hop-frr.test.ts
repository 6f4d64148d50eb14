// Kubernetes mode against a real FRR 8.4 (zebra + bgpd, SONiC's routing stack): the other address
// family's next hop. Same setup as k8s-next-hop (BIRD), shared through e2e/support/k8s-next-hop-lab.ts:
// one node namespace (vnf-n1) peers with FRR (vnf-r) over ONE IPv4 session (sess4) and one IPv6
// session (sess6), each with both families activated (FRR: `neighbor X activate` under BOTH
// `address-family ipv4 unicast` and `address-family ipv6 unicast`; the driver writes
// `no bgp default ipv4-unicast`, so nothing is activated implicitly), and a dual-stack LoadBalancer
// Service. Asserted on FRR's own view, `vtysh -c 'show bgp ipv6 unicast <vip>/128 json'` (and ipv4):
// the path per neighbour (peer.peerId), its nexthops (FRR lists the global and, when one was sent, the
// link-local next hop with scope "link-local": the global one must be the Node's address), and FRR's
// own verdict on the next hop (path `valid`, next hop `accessible`). Next-hop reachability: the veth
// carries BOTH families, so each next hop is a connected address and FRR's eBGP connected check and
// next-hop tracking (zebra) accept it; FRR's BGP table is asserted (bgpd runs with -n, nothing goes
// to the kernel), including `valid`/`accessible`, which FRR clears for an unreachable next hop.
//  - the /128 over the IPv4 session (MP_REACH_NLRI, RFC 4760 §3) has next hop = the Node's IPv6
//    InternalIP; the /32 over the IPv6 session has NEXT_HOP = the Node's IPv4 InternalIP;
//  - the Node's IPv6 address changes: FRR's next hop follows, the session is not reset (FRR's
//    connectionsEstablished per neighbour unchanged);
//  - IPv6 removed from the Node: the /128 is withdrawn from sess4 in FRR's table (kept on sess6 with the
//    session's address), no session reset, and BGPSessionState reports the withheld family;
// `vipd peers`, run in the node namespace against the daemon's status API (127.0.0.1:19471 inside
// vnf-n1), shows the same next hops and, once IPv6 is gone, the withheld family.
//  - IPv4 removed: the /32 leaves sess6. This one does reset both sessions: the BGP Identifier is the
//    Node's IPv4 InternalIP (routerIdOf), so FRR sees a new remoteRouterId.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FrrRouter } from './support/routers/frr.ts';
import { waitFor } from './support/exec.ts';
import { canonicalIp } from './support/addr.ts';
import { VIPD_CLI } from './support/vipd-process.ts';
import { NODE6_B, ROUTER_AS, VIP4, VIP6, createNextHopLab, nextHopNeighbors, sessionNextHops, setNodeAddresses,
  startNextHopCluster, type NextHopLab } from './support/k8s-next-hop-lab.ts';

const isRoot = process.getuid?.() === 0;
const API_PORT = 19470;
/** The daemon's status API, on the loopback of the node namespace. */
const STATUS_PORT = 19471;

let lab: NextHopLab;
let frr: FrrRouter;
const opts = { skip: isRoot ? false : 'needs root for network namespaces', timeout: 120_000 };

interface FrrNextHop { ip?: string; afi?: string; scope?: string; accessible?: boolean; used?: boolean }
interface FrrPrefixPath { valid?: boolean; nexthops?: FrrNextHop[]; peer?: { peerId?: string } }

/** One path of `prefix` in FRR's table: its global next hop, every next hop, and FRR's verdict. */
interface PathView { global: string; all: string[]; valid: boolean; accessible: boolean }

/** `show bgp <afi> unicast <prefix> json` per session (sess4 / sess6, by the path's peerId). */
async function frrPaths(prefix: string): Promise<Record<string, PathView>> {
  const afi = prefix.includes(':') ? 'ipv6' : 'ipv4';
  const j = await frr.vtyshJson<{ prefix?: string; paths?: FrrPrefixPath[] }>(`show bgp ${afi} unicast ${prefix} json`);
  const l = lab.link('n1');
  const session = (peerId: string | undefined) => (peerId === l.node4 ? 'sess4' : peerId !== undefined && canonicalIp(peerId) === l.node6 ? 'sess6' : `?${peerId}`);
  const out: Record<string, PathView> = {};
  for (const p of j.paths ?? []) {
    const hops = p.nexthops ?? [];
    // IPv4 next hops carry no scope; an IPv6 one is "global" or "link-local".
    const global = hops.filter((h) => h.scope === undefined || h.scope === 'global').map((h) => canonicalIp(h.ip ?? '?'));
    out[session(p.peer?.peerId)] = {
      global: global.join(','),
      all: hops.map((h) => `${h.ip}/${h.scope ?? afi}`),
      valid: p.valid === true,
      accessible: hops.length > 0 && hops.every((h) => h.accessible === true),
    };
  }
  return out;
}

/** Waits until FRR has exactly the paths in `want` (session → global next hop), each valid and accessible. */
async function expectNextHops(prefix: string, want: Record<string, string>, what: string): Promise<Record<string, PathView>> {
  const text = (o: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
  const seen = async () => {
    const paths = await frrPaths(prefix);
    return { paths, text: text(Object.fromEntries(Object.entries(paths).map(([s, p]) => [s, p.global]))) };
  };
  try {
    return await waitFor(async () => {
      const s = await seen();
      return s.text === text(want) && Object.values(s.paths).every((p) => p.valid && p.accessible) ? s.paths : undefined;
    }, { timeoutMs: 15_000, intervalMs: 50, what: `${what}: ${prefix} ${text(want)}` });
  } catch (err) {
    throw new Error(`${(err as Error).message}; FRR has ${JSON.stringify((await seen()).paths)}\n${lab.logs(30)}`);
  }
}

/** Per neighbour: FRR's state and how many times it has brought the session up (a reset adds one). */
async function sessionCounts(): Promise<string> {
  const j = await frr.vtyshJson<Record<string, { bgpState?: string; connectionsEstablished?: number }>>('show bgp neighbors json');
  return Object.entries(j).map(([a, n]) => `${a}:${n.bgpState}#${n.connectionsEstablished}`).sort().join(' ');
}

/** `vipd peers` (human output) run in the node namespace against the daemon. */
async function vipdPeers(): Promise<string> {
  const r = await lab.topo.execIn(lab.topo.nsName('n1'), process.execPath, [VIPD_CLI, 'peers', '--url', `http://127.0.0.1:${STATUS_PORT}`]);
  return r.stdout;
}

/** The `vipd peers` row of the IPv4 session (FRR's side of the link is 10.89.1.1). */
async function cliRow(): Promise<string> {
  return (await vipdPeers()).split('\n').find((line) => line.startsWith(`${lab.link('n1').router4} `)) ?? '';
}

before(async () => {
  if (!isRoot) return;
  lab = await createNextHopLab('vnf-', API_PORT);
  frr = new FrrRouter(lab.topo, { ns: lab.routerNs, routerId: '10.89.0.1', localAs: ROUTER_AS, neighbors: nextHopNeighbors(lab) });
  await frr.start();
  startNextHopCluster(lab, [`--metrics-address=127.0.0.1:${STATUS_PORT}`]);
});

after(async () => {
  await lab?.destroy();
});

test('Kubernetes mode against FRR: the other family\'s next hop is the Node\'s address', opts, async (t) => {
  const l = () => lab.link('n1');
  let sessions = '';

  await t.test('IPv6 VIP over the IPv4 session with the Node IPv6 address; IPv4 VIP over the IPv6 session with the Node IPv4 address', async () => {
    for (const a of [l().node4, l().node6!]) await frr.waitEstablished(a, 20_000).catch((e: Error) => assert.fail(`${e.message}\n${lab.logs()}`));
    const v6 = await expectNextHops(VIP6, { sess4: l().node6!, sess6: l().node6! }, 'the /128 on both sessions');
    // The global next hop is the Node's; any other next hop FRR lists for the path is link-local.
    for (const p of Object.values(v6)) assert.ok(p.all.every((h) => h === `${l().node6}/global` || h.endsWith('/link-local')), JSON.stringify(v6));
    await expectNextHops(VIP4, { sess4: l().node4, sess6: l().node4 }, 'the /32 on both sessions');
    await waitFor(() => sessionNextHops(lab, 'tor-n1')?.[1]?.source === 'node', { timeoutMs: 10_000, intervalMs: 50, what: 'BGPSessionState next hop source' });
    assert.deepEqual(sessionNextHops(lab, 'tor-n1'), [
      { family: 'ipv4-unicast', address: l().node4, source: 'session' },
      { family: 'ipv6-unicast', address: l().node6, source: 'node' },
    ]);
    const row = await waitFor(async () => ((await cliRow()).includes(`ipv6 ${l().node6} (node)`) ? cliRow() : undefined),
      { timeoutMs: 10_000, intervalMs: 100, what: 'vipd peers: the Node IPv6 address as next hop' });
    assert.ok(row.includes(`ipv4 ${l().node4} (session)`), row);
    sessions = await sessionCounts();
    assert.equal(sessions.match(/:Established#\d+/g)?.length, 2, sessions);
  });

  await t.test('the Node IPv6 address changes: FRR\'s next hop follows, no session reset', async () => {
    setNodeAddresses(lab, [{ type: 'InternalIP', address: l().node4 }, { type: 'InternalIP', address: NODE6_B }]);
    await expectNextHops(VIP6, { sess4: NODE6_B, sess6: l().node6! }, 'sess4 follows the Node, sess6 keeps its session address');
    await expectNextHops(VIP4, { sess4: l().node4, sess6: l().node4 }, 'the /32 untouched');
    assert.equal(await sessionCounts(), sessions, 'FRR did not bring either session up again');
  });

  await t.test('IPv6 removed from the Node: the /128 is withdrawn from the IPv4 session in FRR\'s view', async () => {
    setNodeAddresses(lab, [{ type: 'InternalIP', address: l().node4 }]);
    await expectNextHops(VIP6, { sess6: l().node6! }, 'the /128 only on the IPv6 session');
    await expectNextHops(VIP4, { sess4: l().node4, sess6: l().node4 }, 'the /32 untouched');
    await waitFor(() => sessionNextHops(lab, 'tor-n1')?.[1]?.withheld === 1, { timeoutMs: 10_000, intervalMs: 50, what: 'BGPSessionState: IPv6 withheld' });
    const v6 = sessionNextHops(lab, 'tor-n1')![1]!;
    assert.equal(v6.address, undefined);
    assert.ok((v6.problem ?? '').length > 0, 'the status says why');
    await waitFor(async () => (await cliRow()).includes('ipv6 WITHHELD (1 VIP)'), { timeoutMs: 10_000, intervalMs: 100, what: 'vipd peers: IPv6 withheld' });
    const text = await vipdPeers();
    assert.match(text, new RegExp(`^No next hop:\\n ${l().router4.replaceAll('.', '\\.')} ipv6-unicast: 1 VIP withheld: \\S`, 'm'), text);
    assert.equal(await sessionCounts(), sessions, 'withdrawn by UPDATE, not by a session reset');
  });

  await t.test('IPv6 back, then IPv4 removed: the /128 returns to the IPv4 session, the /32 leaves the IPv6 session', async () => {
    setNodeAddresses(lab, [{ type: 'InternalIP', address: l().node4 }, { type: 'InternalIP', address: l().node6! }]);
    await expectNextHops(VIP6, { sess4: l().node6!, sess6: l().node6! }, 'the /128 back on both');
    assert.equal(await sessionCounts(), sessions, 'no session reset while the IPv6 address came and went');
    // The BGP Identifier is the Node's first IPv4 InternalIP (k8s-daemon.ts routerIdOf): without one it
    // changes, and a new Identifier needs a new OPEN, so here both sessions are brought up once more.
    setNodeAddresses(lab, [{ type: 'InternalIP', address: l().node6! }]);
    type Nb = { bgpState?: string; remoteRouterId?: string };
    const renewed = (j: Record<string, Nb>) => Object.values(j).length === 2 &&
      Object.values(j).every((n) => n.bgpState === 'Established' && n.remoteRouterId !== undefined && n.remoteRouterId !== l().node4);
    await waitFor(async () => renewed(await frr.vtyshJson<Record<string, Nb>>('show bgp neighbors json')),
      { timeoutMs: 20_000, intervalMs: 100, what: 'both sessions Established again with the new BGP Identifier at FRR' });
    await expectNextHops(VIP4, { sess4: l().node4 }, 'the /32 only on the IPv4 session');
    await expectNextHops(VIP6, { sess4: l().node6!, sess6: l().node6! }, 'the /128 still on both');
    await waitFor(() => sessionNextHops(lab, 'tor-n1-v6')?.[0]?.withheld === 1, { timeoutMs: 10_000, intervalMs: 50, what: 'BGPSessionState: IPv4 withheld on the IPv6 session' });
  });
});
