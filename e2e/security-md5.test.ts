// TCP-MD5 (RFC 2385) between vipd standalone and real BIRD 2 and FRR 8 in network namespaces (prefix
// vbf-m-), asserting on the routers' own views (birdc, vtysh json) and the kernels' counters (nstat):
//  - with passwords both sides: IPv4 and IPv6 sessions Established with BIRD and FRR, VIPs installed,
//    and no password in vipd's log;
//  - wrong password on our side (BIRD v4) → no session, vipd reports "likely key mismatch" and BIRD's
//    namespace counts TcpExtTCPMD5Failure; no password on our side (FRR v4) → no session and FRR's
//    namespace counts TcpExtTCPMD5NotFound; the other sessions stay up;
//  - a key → key change is applied to the live connection (reload reports the peer as updated, not
//    restarted); putting the right keys back re-establishes both.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BirdRouter } from './support/routers/bird.ts';
import { FrrRouter } from './support/routers/frr.ts';
import { waitFor } from './support/exec.ts';
import type { VipdProcess } from './support/vipd-process.ts';
import { VIPD_AS, VIPS4, VIPS6, baseConfig, createSpeakerLab, startVipd, type SpeakerLab } from './support/speaker-lab.ts';

const BIRD_KEY = 'b1rd-Secret!v4';
const BIRD_KEY6 = 'bird v6 secret';
const FRR_KEY = 'frrSecret42';
let lab: SpeakerLab;
let bird: BirdRouter;
let frr: FrrRouter;
let vipd: VipdProcess;

function peersWith(over: { birdV4?: string | null; frrV4?: string | null } = {}): Record<string, unknown>[] {
  const lb = lab.routers.get('bird')!.link;
  const lf = lab.routers.get('frr')!.link;
  const pw = (v: string | null | undefined, dflt: string) => (v === null ? {} : { password: v ?? dflt });
  return [
    { address: lb.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 9, ...pw(over.birdV4, BIRD_KEY) },
    { address: lb.a.v6!, asn: 65001, families: ['ipv6-unicast'], holdTimeSec: 9, password: BIRD_KEY6 },
    { address: lf.a.v4!, asn: 65002, families: ['ipv4-unicast'], holdTimeSec: 9, ...pw(over.frrV4, FRR_KEY) },
    { address: lf.a.v6!, asn: 65002, families: ['ipv6-unicast'], holdTimeSec: 9, password: FRR_KEY },
  ];
}

async function nstat(ns: string, name: string): Promise<number> {
  const r = await lab.topo.execIn(ns, 'nstat', ['-asz', name]);
  const m = new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(r.stdout);
  return m === null ? 0 : Number(m[1]);
}

before(async () => {
  lab = await createSpeakerLab('vbf-m-', [{ name: 'bird' }, { name: 'frr' }]);
  const lb = lab.routers.get('bird')!.link;
  const lf = lab.routers.get('frr')!.link;
  bird = new BirdRouter(lab.topo, {
    ns: lab.routers.get('bird')!.ns,
    routerId: '10.0.1.1',
    localAs: 65001,
    neighbors: [
      { address: lb.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], holdTimeSec: 9, password: BIRD_KEY, name: 'v4' },
      { address: lb.b.v6!, remoteAs: VIPD_AS, families: ['ipv6'], holdTimeSec: 9, password: BIRD_KEY6, name: 'v6' },
    ],
  });
  frr = new FrrRouter(lab.topo, {
    ns: lab.routers.get('frr')!.ns,
    routerId: '10.0.2.1',
    localAs: 65002,
    neighbors: [
      { address: lf.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], holdTimeSec: 9, password: FRR_KEY },
      { address: lf.b.v6!, remoteAs: VIPD_AS, families: ['ipv6'], holdTimeSec: 9, password: FRR_KEY },
    ],
  });
  await Promise.all([bird.start(), frr.start()]);
  vipd = startVipd(lab, baseConfig(peersWith()));
  await vipd.start();
});

after(async () => {
  await lab?.topo.destroy();
});

test('MD5 sessions Established with BIRD and FRR over IPv4 and IPv6; VIPs installed; no key in the log', async () => {
  const lb = lab.routers.get('bird')!.link;
  const lf = lab.routers.get('frr')!.link;
  await Promise.all([
    bird.waitEstablished(lb.b.v4!, 25_000), bird.waitEstablished(lb.b.v6!, 25_000),
    frr.waitEstablished(lf.b.v4!, 25_000), frr.waitEstablished(lf.b.v6!, 25_000),
  ]);
  await bird.waitForRoutes('ipv4', (rs) => VIPS4.every((p) => rs.some((r) => r.prefix === p)), 15_000);
  await bird.waitForRoutes('ipv6', (rs) => VIPS6.every((p) => rs.some((r) => r.prefix === p)), 15_000);
  await frr.waitForRoutes('ipv4', (rs) => VIPS4.every((p) => rs.some((r) => r.prefix === p)), 15_000);
  await frr.waitForRoutes('ipv6', (rs) => VIPS6.every((p) => rs.some((r) => r.prefix === p)), 15_000);
  const log = vipd.process!.readLog();
  for (const k of [BIRD_KEY, BIRD_KEY6, FRR_KEY]) assert.ok(!log.includes(k), 'a password appeared in the log');
  assert.ok(vipd.logs().some((l) => l.msg === 'transport security configured' && l.md5 === true));
  // TCP-AO detection is reported at start (this kernel has none).
  assert.ok(vipd.logs().some((l) => typeof l.tcpAo === 'boolean'));
});

test('wrong key → no session + "likely key mismatch" + TcpExtTCPMD5Failure; no key → no session + TcpExtTCPMD5NotFound', async () => {
  const lb = lab.routers.get('bird')!.link;
  const lf = lab.routers.get('frr')!.link;
  const birdNs = lab.routers.get('bird')!.ns;
  const frrNs = lab.routers.get('frr')!.ns;
  const failBefore = await nstat(birdNs, 'TcpExtTCPMD5Failure');
  const notFoundBefore = await nstat(frrNs, 'TcpExtTCPMD5NotFound');
  const from = vipd.logs().length;
  const r = await vipd.reload(baseConfig(peersWith({ birdV4: 'not-the-key', frrV4: null })));
  // A key → key change is applied to the live connection (no restart: a peer that rekeys live keeps the
  // session); removing the key restarts the peer. BIRD keeps the old key, so the session dies by hold
  // time (9 s) and reconnects then fail.
  assert.deepEqual(r.peersUpdated, [lb.a.v4!]);
  assert.deepEqual(r.peersRestarted, [lf.a.v4!]);
  // The only symptom on our side: connect attempts time out (segments dropped silently).
  const diag = await vipd.waitLog((l) => l.peer === lb.a.v4 && l.diagnosis === 'md5-key-mismatch-likely', 30_000, from);
  assert.equal(diag.level === 40 || diag.level === 'warn', true);
  await waitFor(async () => (await nstat(birdNs, 'TcpExtTCPMD5Failure')) > failBefore, { timeoutMs: 10_000, what: 'TcpExtTCPMD5Failure in BIRD namespace' });
  await waitFor(async () => (await nstat(frrNs, 'TcpExtTCPMD5NotFound')) > notFoundBefore, { timeoutMs: 10_000, what: 'TcpExtTCPMD5NotFound in FRR namespace' });
  const bv4 = (await bird.peers()).find((p) => p.address === lb.b.v4);
  const fv4 = (await frr.peers()).find((p) => p.address === lf.b.v4);
  assert.notEqual(bv4?.state, 'Established');
  assert.notEqual(fv4?.state, 'Established');
  // IPv4 VIPs are gone from both routers; the IPv6 sessions (keys unchanged) were not touched.
  await bird.waitForPrefix(VIPS4[0], false, 20_000);
  await frr.waitForPrefix(VIPS4[0], false, 20_000);
  assert.equal((await bird.peers()).find((p) => p.address === lb.b.v6)?.state, 'Established');
  assert.equal((await frr.peers()).find((p) => p.address === lf.b.v6)?.state, 'Established');
});

test('key rotation back to the right keys: both IPv4 sessions re-establish', async () => {
  const lb = lab.routers.get('bird')!.link;
  const lf = lab.routers.get('frr')!.link;
  await vipd.reload(baseConfig(peersWith()));
  await Promise.all([bird.waitEstablished(lb.b.v4!, 25_000), frr.waitEstablished(lf.b.v4!, 25_000)]);
  await bird.waitForPrefix(VIPS4[0], true, 15_000);
  const log = vipd.process!.readLog();
  assert.ok(!log.includes('not-the-key'));
});
