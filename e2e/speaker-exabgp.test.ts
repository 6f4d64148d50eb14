// vipd standalone against real ExaBGP 4 in network namespaces, asserting on what ExaBGP reports
// through its JSON API (every OPEN, UPDATE, End-of-RIB, ROUTE-REFRESH and NOTIFICATION it received):
//  r1: IPv4 session (vipd active) and IPv6 session (vipd passive: ExaBGP connects)
//  r2: ExaBGP with `asn4 disable` (a 2-octet-only speaker): AS_TRANS in AS_PATH + AS4_PATH
// vipd runs with a 4-byte local AS (4200000001).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ExabgpRouter, type ExabgpMessage } from './support/routers/exabgp.ts';
import { waitFor } from './support/exec.ts';
import type { RouteView } from './support/routers/types.ts';
import type { VipdProcess } from './support/vipd-process.ts';
import { VIPD_AS, VIPS4, VIPS6, baseConfig, createSpeakerLab, startVipd, vipList, vipdConnections, type SpeakerLab } from './support/speaker-lab.ts';

let lab: SpeakerLab;
let r1: ExabgpRouter;
let r2: ExabgpRouter;
let vipd: VipdProcess;
let peers: Record<string, unknown>[];

const has = (rs: RouteView[], prefixes: readonly string[]) => prefixes.every((p) => rs.some((r) => r.prefix === p));
const lacks = (rs: RouteView[], prefixes: readonly string[]) => prefixes.every((p) => !rs.some((r) => r.prefix === p));
const from = (peer: string) => (m: ExabgpMessage) => m.neighbor?.address?.peer === peer;

/** Count of received announcements of `prefix` from `peer` so far. */
function announcements(router: ExabgpRouter, peer: string, prefix: string): number {
  let n = 0;
  for (const m of router.messages().filter(from(peer))) {
    if (m.type !== 'update' || m.neighbor?.direction === 'send') continue;
    for (const byNh of Object.values(m.neighbor?.message?.update?.announce ?? {})) {
      for (const list of Object.values(byNh)) n += list.filter((a) => a.nlri === prefix).length;
    }
  }
  return n;
}

before(async () => {
  lab = await createSpeakerLab('vsp-e-', [{ name: 'r1' }, { name: 'r2' }]);
  const l1 = lab.routers.get('r1')!.link;
  const l2 = lab.routers.get('r2')!.link;
  r1 = new ExabgpRouter(lab.topo, {
    ns: lab.routers.get('r1')!.ns,
    routerId: '10.0.1.1',
    localAs: 65001,
    neighbors: [
      { address: l1.b.v4!, localAddress: l1.a.v4!, remoteAs: VIPD_AS, families: ['ipv4'], holdTimeSec: 6 },
      { address: l1.b.v6!, localAddress: l1.a.v6!, remoteAs: VIPD_AS, families: ['ipv6'], holdTimeSec: 6 },
    ],
  });
  r2 = new ExabgpRouter(lab.topo, {
    ns: lab.routers.get('r2')!.ns,
    routerId: '10.0.2.1',
    localAs: 65002,
    // A 2-octet speaker knows a 4-byte AS only as AS_TRANS (RFC 6793 §4.2.1).
    neighbors: [{ address: l2.b.v4!, localAddress: l2.a.v4!, remoteAs: 23456, families: ['ipv4'], as4: false, holdTimeSec: 6 }],
  });
  await Promise.all([r1.start(), r2.start()]);
  peers = [
    { address: l1.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 6 },
    { address: l1.a.v6!, asn: 65001, families: ['ipv6-unicast'], holdTimeSec: 6, mode: 'passive' },
    // ExaBGP with asn4 disabled still reads a 4-octet AS capability and rejects 4200000001 where it
    // expects AS_TRANS, so toward it vipd does not offer the capability.
    { address: l2.a.v4!, asn: 65002, families: ['ipv4-unicast'], holdTimeSec: 6, fourOctetAs: false },
  ];
  vipd = startVipd(lab, baseConfig(peers));
  await vipd.start();
});

after(async () => {
  await lab?.topo.destroy();
});

test('IPv4 and IPv6 sessions: 3 /32 and 2 /128 VIPs with our 4-byte AS, then End-of-RIB per family', async () => {
  const l1 = lab.routers.get('r1')!.link;
  await r1.waitEstablished(undefined, 20_000);
  const v4 = await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 15_000);
  const v6 = await r1.waitForRoutes('ipv6', (rs) => has(rs, VIPS6), 15_000);
  for (const r of [...v4, ...v6]) assert.deepEqual(r.asPath, [VIPD_AS]);
  for (const r of v4) assert.equal(r.nextHop, l1.b.v4);
  for (const r of v6) assert.equal(r.nextHop, l1.b.v6);
  const first = v4.find((r) => r.prefix === VIPS4[0])!;
  assert.deepEqual(first.communities, ['65000:100']);
  assert.deepEqual(first.largeCommunities, [`${VIPD_AS}:7:8`]);
  assert.equal(first.med, 10);
  const eors = await waitFor(() => {
    const e = r1.messages().filter((m) => m.neighbor?.message?.eor !== undefined).map((m) => `${m.neighbor?.address?.peer} ${m.neighbor?.message?.eor?.afi}`);
    return e.length >= 2 ? e : undefined;
  }, { timeoutMs: 10_000, what: 'End-of-RIB' });
  assert.ok(eors.includes(`${l1.b.v4} ipv4`), JSON.stringify(eors));
  assert.ok(eors.includes(`${l1.b.v6} ipv6`), JSON.stringify(eors));
  const open = r1.messages().find((m) => m.type === 'open' && from(l1.b.v4!)(m)) as { neighbor?: { open?: { asn?: number; capabilities?: Record<string, { asn4?: number }> } } } | undefined;
  assert.equal(open?.neighbor?.open?.asn, 23456, 'OPEN My AS is AS_TRANS for a 4-byte AS');
  assert.equal(open?.neighbor?.open?.capabilities?.['65']?.asn4, VIPD_AS);
});

test('passive vipd peer: ExaBGP opened the IPv6 connection to vipd port 179', async () => {
  const l1 = lab.routers.get('r1')!.link;
  const conns = await vipdConnections(lab);
  assert.ok(conns.some((c) => c.local === `[${l1.b.v6}]:179` && c.remote.startsWith(`[${l1.a.v6}]:`)), JSON.stringify(conns));
});

test('a 2-octet-only ExaBGP (asn4 disable) gets AS_TRANS in AS_PATH and the real path in AS4_PATH', async () => {
  const l2 = lab.routers.get('r2')!.link;
  const rs = await r2.waitForRoutes('ipv4', (x) => has(x, VIPS4), 20_000);
  // ExaBGP merges AS_PATH [23456] with AS4_PATH [4200000001] (RFC 6793 §4.2.3) and reports the result.
  for (const r of rs) assert.deepEqual(r.asPath, [VIPD_AS]);
  const open = r2.messages().find((m) => m.type === 'open' && from(l2.b.v4!)(m)) as { neighbor?: { open?: { asn?: number; capabilities?: Record<string, unknown> } } } | undefined;
  assert.equal(open?.neighbor?.open?.asn, 23456);
  assert.equal(open?.neighbor?.open?.capabilities?.['65'], undefined);
  // ExaBGP's packet log has the raw UPDATE: AS_PATH (40 02 04 02 01 5ba0) and AS4_PATH (c0 11 06 02 01 fa56ea01).
  const log = readFileSync(`${r2.dir}/exabgp.log`, 'utf8').replace(/[\s:]/g, '').toUpperCase();
  assert.ok(log.includes('40020402015BA0'), 'AS_PATH with AS_TRANS on the wire');
  assert.ok(log.includes('C011060201FA56EA01'), 'AS4_PATH with 4200000001 on the wire');
});

test('SIGHUP with changed attributes and a removed VIP: ExaBGP receives both, sessions stay up', async () => {
  const ups = () => r1.messages().filter((m) => m.type === 'state' && m.neighbor?.state === 'up').length;
  const before = ups();
  await vipd.reload(baseConfig(peers, vipList({ drop: [VIPS4[2], VIPS6[1]], first: { communities: ['65000:200'], med: 77 } })));
  const v4 = await r1.waitForRoutes('ipv4', (rs) => lacks(rs, [VIPS4[2]]) && rs.some((r) => r.prefix === VIPS4[0] && r.med === 77), 10_000);
  assert.deepEqual(v4.find((r) => r.prefix === VIPS4[0])!.communities, ['65000:200']);
  await r1.waitForRoutes('ipv6', (rs) => lacks(rs, [VIPS6[1]]) && has(rs, [VIPS6[0]]), 10_000);
  assert.equal(ups(), before, 'no session was reset');
  await vipd.reload(baseConfig(peers));
  await r1.waitForRoutes('ipv4', (rs) => has(rs, VIPS4), 10_000);
});

test('route refresh from ExaBGP is answered with the whole table', async () => {
  const l1 = lab.routers.get('r1')!.link;
  const peer = l1.b.v4!;
  const before = VIPS4.map((p) => announcements(r1, peer, p));
  const logFrom = vipd.logs().length;
  await r1.routeRefresh(peer, 'ipv4');
  await vipd.waitLog((l) => l.msg === 'route refresh received', 10_000, logFrom);
  await waitFor(() => VIPS4.every((p, i) => announcements(r1, peer, p) > before[i]!), { timeoutMs: 10_000, what: 're-sent VIPs' });
  assert.ok(has(await r1.routes('ipv4'), VIPS4));
});

test('SIGTERM: VIPs withdrawn, then Cease 6/2 with our RFC 9003 message on the wire to ExaBGP, exit 0', async () => {
  const code = await vipd.stop('SIGTERM', 20_000);
  assert.equal(code, 0);
  // Withdrawn before the NOTIFICATION: ExaBGP received explicit withdraws.
  const withdrawn = r1.messages().flatMap((m) => Object.values(m.neighbor?.message?.update?.withdraw ?? {}).flat().map((w) => w.nlri));
  for (const p of [...VIPS4, ...VIPS6]) assert.ok(withdrawn.includes(p), `${p} withdrawn`);
  // ExaBGP 4.2.21 cannot decode any RFC 9003 shutdown communication (a Python 3 bytes/str bug in
  // notification.py, answered with its own 1/0), so the API never reports it; its packet log shows
  // the NOTIFICATION it received: code 6, subcode 2, length 29, the text.
  const msg = 'vipd e2e: planned maintenance';
  const wire = `0602${Buffer.from([msg.length]).toString('hex')}${Buffer.from(msg).toString('hex')}`.toUpperCase();
  const log = await waitFor(() => {
    const text = readFileSync(`${r1.dir}/exabgp.log`, 'utf8').replace(/[ \t]/g, '').toUpperCase();
    return text.includes(wire) ? text : undefined;
  }, { timeoutMs: 10_000, what: 'the NOTIFICATION in the ExaBGP packet log' });
  assert.ok(log.includes(wire));
});
