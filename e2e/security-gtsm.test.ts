// GTSM (RFC 5082) between vipd standalone and real routers in network namespaces (prefix vbf-g-),
// asserting on the routers' own views:
//  - FRR `neighbor X ttl-security hops 1` + vipd `ttlSecurityHops: 1` (IPv4): Established, VIP in FRR;
//  - FRR with ttl-security, vipd without (IPv6, control): vipd sends TTL 64, FRR's minimum TTL 255
//    drops it → no session;
//  - vipd with ttlSecurityHops 1, BIRD without (BIRD sends eBGP with TTL 1): vipd's IP_MINTTL drops
//    BIRD's segments → no session (our receive-side check works).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BirdRouter } from './support/routers/bird.ts';
import { FrrRouter } from './support/routers/frr.ts';
import { sleep } from './support/exec.ts';
import type { VipdProcess } from './support/vipd-process.ts';
import { VIPD_AS, VIPS4, baseConfig, createSpeakerLab, startVipd, type SpeakerLab } from './support/speaker-lab.ts';

let lab: SpeakerLab;
let frr: FrrRouter;
let bird: BirdRouter;
let vipd: VipdProcess;

before(async () => {
  lab = await createSpeakerLab('vbf-g-', [{ name: 'frr' }, { name: 'bird' }]);
  const lf = lab.routers.get('frr')!.link;
  const lb = lab.routers.get('bird')!.link;
  frr = new FrrRouter(lab.topo, {
    ns: lab.routers.get('frr')!.ns,
    routerId: '10.0.1.1',
    localAs: 65002,
    neighbors: [
      { address: lf.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], holdTimeSec: 9, ttlSecurityHops: 1 },
      { address: lf.b.v6!, remoteAs: VIPD_AS, families: ['ipv6'], holdTimeSec: 9, ttlSecurityHops: 1 },
    ],
  });
  bird = new BirdRouter(lab.topo, {
    ns: lab.routers.get('bird')!.ns,
    routerId: '10.0.2.1',
    localAs: 65001,
    neighbors: [{ address: lb.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], holdTimeSec: 9 }],
  });
  await Promise.all([frr.start(), bird.start()]);
  vipd = startVipd(lab, baseConfig([
    { address: lf.a.v4!, asn: 65002, families: ['ipv4-unicast'], holdTimeSec: 9, ttlSecurityHops: 1 },
    { address: lf.a.v6!, asn: 65002, families: ['ipv6-unicast'], holdTimeSec: 9 },
    { address: lb.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 9, ttlSecurityHops: 1 },
  ]));
  await vipd.start();
});

after(async () => {
  await lab?.topo.destroy();
});

test('GTSM both sides (FRR ttl-security hops 1): Established, VIP in FRR', async () => {
  const lf = lab.routers.get('frr')!.link;
  await frr.waitEstablished(lf.b.v4!, 25_000);
  await frr.waitForPrefix(VIPS4[0], true, 15_000);
});

test('GTSM on one side only: no session (FRR drops our TTL 64; we drop BIRD\'s TTL 1)', async () => {
  const lf = lab.routers.get('frr')!.link;
  const lb = lab.routers.get('bird')!.link;
  // Both routers and vipd retry every few seconds; a session would be up well within this window.
  await frr.waitEstablished(lf.b.v4!, 25_000);
  await sleep(8000);
  assert.notEqual((await frr.peers()).find((p) => p.address === lf.b.v6)?.state, 'Established');
  assert.notEqual((await bird.peers()).find((p) => p.address === lb.b.v4)?.state, 'Established');
  // Sanity: the IPv4 GTSM session was never disturbed meanwhile.
  assert.equal((await frr.peers()).find((p) => p.address === lf.b.v4)?.state, 'Established');
});

test('control: the same two sessions come up once both sides agree (vipd config changed only)', async () => {
  const lf = lab.routers.get('frr')!.link;
  const lb = lab.routers.get('bird')!.link;
  await vipd.reload(baseConfig([
    { address: lf.a.v4!, asn: 65002, families: ['ipv4-unicast'], holdTimeSec: 9, ttlSecurityHops: 1 },
    { address: lf.a.v6!, asn: 65002, families: ['ipv6-unicast'], holdTimeSec: 9, ttlSecurityHops: 1 },
    { address: lb.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 9 },
  ]));
  await Promise.all([frr.waitEstablished(lf.b.v6!, 25_000), bird.waitEstablished(lb.b.v4!, 25_000)]);
});
