// The session layer against a real BIRD 2 in network namespaces (prefix vfs-): vipd Sessions (run by
// e2e/support/session-probe.ts inside the namespace) reach Established over IPv4 and over IPv6 with
// both sides connecting, plus a passive vipd session that BIRD connects to (through our Listener); BIRD's
// own view (birdc) shows all Established, and on SIGTERM BIRD records our admin shutdown with the RFC
// 9003 message.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Topology, type Link, type LabProcess } from './support/netns.ts';
import { BirdRouter } from './support/routers/bird.ts';
import { waitFor } from './support/exec.ts';

let topo: Topology;
let link: Link;
let link2: Link;
let bird: BirdRouter;
let probe: LabProcess;
const PROBE = fileURLToPath(new URL('./support/session-probe.ts', import.meta.url));
const MESSAGE = 'vipd session e2e: planned maintenance';

function probeEvents(): Record<string, unknown>[] {
  return probe.readLog().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

before(async () => {
  topo = await Topology.create('vfs-');
  try {
    const rns = await topo.addNamespace('r');
    const hns = await topo.addNamespace('h');
    link = await topo.addLink(rns, hns, { v4: '10.77.0.0/30', v6: 'fd00:77::/64' });
    link2 = await topo.addLink(rns, hns, { v4: '10.78.0.0/30', v6: 'fd00:78::/64' });
    bird = new BirdRouter(topo, {
      ns: rns,
      routerId: '10.77.0.1',
      localAs: 65001,
      neighbors: [
        { address: link.b.v4!, remoteAs: 4200000010, families: ['ipv4'], holdTimeSec: 9, name: 'v4' },
        { address: link.b.v6!, remoteAs: 4200000010, families: ['ipv6'], holdTimeSec: 9, name: 'v6' },
        { address: link2.b.v4!, remoteAs: 4200000010, families: ['ipv4'], holdTimeSec: 9, name: 'p4' },
      ],
    });
    await bird.start();
    const spec = {
      localAs: 4200000010,
      routerId: '10.77.0.2',
      listenPort: 179,
      shutdownMessage: MESSAGE,
      peers: [
        { address: link.a.v4!, localAddress: link.b.v4!, peerAs: 65001, families: [{ afi: 1, safi: 1 }] },
        { address: link.a.v6!, localAddress: link.b.v6!, peerAs: 65001, families: [{ afi: 2, safi: 1 }] },
        { address: link2.a.v4!, localAddress: link2.b.v4!, peerAs: 65001, families: [{ afi: 1, safi: 1 }], passive: true },
      ],
    };
    probe = topo.spawnIn(hns, [process.execPath, PROBE, JSON.stringify(spec)]);
  } catch (err) {
    await topo.destroy();
    throw err;
  }
});

after(async () => {
  await topo?.destroy();
});

test('vipd sessions reach Established with BIRD over IPv4 and IPv6 (BIRD\'s own view)', async () => {
  const v4 = await bird.waitEstablished(link.b.v4!, 30_000);
  const v6 = await bird.waitEstablished(link.b.v6!, 30_000);
  assert.equal(v4.state, 'Established');
  assert.equal(v6.state, 'Established');
  await waitFor(() => probeEvents().filter((e) => e.event === 'established').length >= 2, { timeoutMs: 10_000, what: 'probe established' }).catch(async () => {
    assert.fail(`probe log:\n${probe.readLog()}`);
  });
  const est = probeEvents().filter((e) => e.event === 'established');
  const byPeer = new Map(est.map((e) => [e.peer as string, e]));
  assert.deepEqual(byPeer.get(link.a.v4!)?.families, [{ afi: 1, safi: 1 }]);
  assert.deepEqual(byPeer.get(link.a.v6!)?.families, [{ afi: 2, safi: 1 }]);
  assert.equal(byPeer.get(link.a.v4!)?.fourOctetAs, true);
  assert.equal(byPeer.get(link.a.v4!)?.holdTimeSec, 9);
  // Keepalives flow: still Established after more than one hold time.
  await new Promise((r) => setTimeout(r, 10_000));
  assert.equal((await bird.waitEstablished(link.b.v4!, 1000)).state, 'Established');
  assert.ok(!probeEvents().some((e) => e.event === 'down' && e.code === 4), 'no hold timer expiry');
});

test('passive vipd session: BIRD connects through our Listener and reaches Established', async () => {
  const p = await bird.waitEstablished(link2.b.v4!, 30_000);
  assert.equal(p.state, 'Established');
  const est = probeEvents().find((e) => e.event === 'established' && e.peer === link2.a.v4);
  assert.ok(est !== undefined, 'the passive session reported Established');
  assert.equal(est.localPort, 179, 'the connection came in to our listening port');
  assert.ok(!probeEvents().some((e) => e.peer === link2.a.v4 && e.event === 'state' && e.to === 'Connect'), 'never connected out');
});

test('SIGTERM: BIRD records Cease / administrative shutdown with our RFC 9003 message', async () => {
  await probe.stop(5000);
  assert.ok(probeEvents().some((e) => e.event === 'stopped'), 'the probe stopped its sessions');
  const n = await bird.lastNotification('v4');
  assert.ok(n !== undefined, 'BIRD saw a NOTIFICATION');
  assert.equal(n.message, MESSAGE);
  const n6 = await bird.lastNotification('v6');
  assert.equal(n6?.message, MESSAGE);
});
