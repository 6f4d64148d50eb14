// Kubernetes mode against a real BIRD 2: the other address family's next hop. One node namespace
// (vnh-n1) peers with BIRD (vnh-r) over ONE IPv4 session (protocol sess4, families ipv4 + ipv6) and
// one IPv6 session (sess6, families ipv4 + ipv6); a dual-stack LoadBalancer Service (setup shared with
// k8s-next-hop-frr: e2e/support/k8s-next-hop-lab.ts). Asserted on
// BIRD's own table (`birdc show route all`, master4 / master6: BIRD imports a BGP route only when its
// next hop resolves, here as a directly connected neighbour on the veth, which carries both families):
//  - the /128 over the IPv4 session (MP_REACH_NLRI, RFC 4760 §3) has next hop = the Node's IPv6
//    InternalIP, the /32 over the IPv6 session has NEXT_HOP = the Node's IPv4 InternalIP;
//  - a Node address change re-announces with the new next hop, with no session restart;
//  - the Node left with only a link-local IPv6 address: the /128 is withdrawn from sess4 (kept on
//    sess6 with the session's address) and BGPSessionState says why; the same for IPv4 over sess6.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BirdRouter } from './support/routers/bird.ts';
import { waitFor } from './support/exec.ts';
import { NODE6_B, ROUTER_AS, VIP4, VIP6, createNextHopLab, nextHopNeighbors, sessionNextHops as stateOf, setNodeAddresses as setAddresses,
  startNextHopCluster, type NextHopLab, type NextHopState } from './support/k8s-next-hop-lab.ts';

const isRoot = process.getuid?.() === 0;

let lab: NextHopLab;
let bird: BirdRouter;
const opts = { skip: isRoot ? false : 'needs root for network namespaces', timeout: 120_000 };

/** BIRD's next hop for `prefix` per protocol (sess4 / sess6), e.g. { sess4: 'fd00:89:1::2' }. */
async function nextHops(prefix: string): Promise<Record<string, string>> {
  const rs = await bird.routes(prefix.includes(':') ? 'ipv6' : 'ipv4');
  return Object.fromEntries(rs.filter((r) => r.prefix === prefix).map((r) => [r.fromPeer ?? '?', r.nextHop ?? '?']));
}

async function expectNextHops(prefix: string, want: Record<string, string>, what: string): Promise<void> {
  const text = (o: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
  await waitFor(async () => text(await nextHops(prefix)) === text(want), { timeoutMs: 15_000, intervalMs: 50, what: `${what}: ${prefix} ${text(want)}` })
    .catch(async (err: unknown) => {
      throw new Error(`${(err as Error).message}; BIRD has ${text(await nextHops(prefix))}\n${lab.logs(30)}`);
    });
}

const setNodeAddresses = (addresses: { type: string; address: string }[]): void => setAddresses(lab, addresses);
const sessionNextHops = (peer: string): NextHopState[] | undefined => stateOf(lab, peer);

async function establishedSince(): Promise<string> {
  return (await bird.peers()).map((p) => `${p.name}:${p.state}:${p.uptime}`).sort().join(' ');
}

before(async () => {
  if (!isRoot) return;
  lab = await createNextHopLab('vnh-', 18983);
  bird = new BirdRouter(lab.topo, { ns: lab.routerNs, routerId: '10.89.0.1', localAs: ROUTER_AS, neighbors: nextHopNeighbors(lab) });
  await bird.start();
  startNextHopCluster(lab);
});

after(async () => {
  await lab?.destroy();
});

test('Kubernetes mode against BIRD: the other family\'s next hop is the Node\'s address', opts, async (t) => {
  const l = () => lab.link('n1');

  await t.test('IPv6 VIP over the IPv4 session with the Node IPv6 address; IPv4 VIP over the IPv6 session with the Node IPv4 address', async () => {
    for (const a of [l().node4, l().node6!]) await bird.waitEstablished(a, 20_000).catch((e: Error) => assert.fail(`${e.message}\n${lab.logs()}`));
    await expectNextHops(VIP6, { sess4: l().node6!, sess6: l().node6! }, 'the /128 on both sessions');
    await expectNextHops(VIP4, { sess4: l().node4, sess6: l().node4 }, 'the /32 on both sessions');
    await waitFor(() => sessionNextHops('tor-n1')?.[1]?.source === 'node', { timeoutMs: 10_000, intervalMs: 50, what: 'BGPSessionState next hop source' });
    assert.deepEqual(sessionNextHops('tor-n1'), [
      { family: 'ipv4-unicast', address: l().node4, source: 'session' },
      { family: 'ipv6-unicast', address: l().node6, source: 'node' },
    ]);
  });

  await t.test('the Node IPv6 address changes: re-announced with the new next hop, no session restart', async () => {
    const sessions = await establishedSince();
    setNodeAddresses([{ type: 'InternalIP', address: l().node4 }, { type: 'InternalIP', address: NODE6_B }]);
    await expectNextHops(VIP6, { sess4: NODE6_B, sess6: l().node6! }, 'sess4 follows the Node, sess6 keeps its session address');
    assert.equal(await establishedSince(), sessions, 'both sessions stayed up');
  });

  await t.test('only a link-local IPv6 address left: the /128 is withdrawn from the IPv4 session, and the status says why', async () => {
    setNodeAddresses([{ type: 'InternalIP', address: l().node4 }, { type: 'InternalIP', address: 'fe80::2' }]);
    await expectNextHops(VIP6, { sess6: l().node6! }, 'the /128 only on the IPv6 session');
    await expectNextHops(VIP4, { sess4: l().node4, sess6: l().node4 }, 'the /32 untouched');
    await waitFor(() => sessionNextHops('tor-n1')?.[1]?.withheld === 1, { timeoutMs: 10_000, intervalMs: 50, what: 'BGPSessionState: IPv6 withheld' });
    const v6 = sessionNextHops('tor-n1')![1]!;
    assert.equal(v6.address, undefined);
    assert.match(v6.problem ?? '', /fe80::2 \(link-local\)/);
    assert.match(lab.vipd.get('n1')!.readLog(), /IPv6 VIPs are NOT announced to this peer/);
  });

  await t.test('IPv4 removed from the Node: the /32 is withdrawn from the IPv6 session; IPv6 back on the IPv4 session', async () => {
    setNodeAddresses([{ type: 'InternalIP', address: l().node6! }]);
    await expectNextHops(VIP4, { sess4: l().node4 }, 'the /32 only on the IPv4 session');
    await expectNextHops(VIP6, { sess4: l().node6!, sess6: l().node6! }, 'the /128 back on both');
    await waitFor(() => sessionNextHops('tor-n1-v6')?.[0]?.withheld === 1, { timeoutMs: 10_000, intervalMs: 50, what: 'BGPSessionState: IPv4 withheld on the IPv6 session' });
  });
});
