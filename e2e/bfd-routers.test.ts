// BFD (RFC 5880/5881) between vipd standalone and real routers in network namespaces (prefix vbf-b-):
// BIRD 2 `protocol bfd` at 100 ms × 3 (IPv4 and IPv6 sessions) and FRR 8 bfdd at 300 ms × 3 (vipd's `fast` / `dc` profiles).
// Asserts on the routers' own views: BFD sessions Up (birdc show bfd sessions / vtysh show bfd peers
// json); then the link is black-holed with nftables inside vipd's namespace and the time until the
// router no longer has vipd's VIP is measured against detection time + 100 ms; vipd closes its side
// with Cease 6/10 (RFC 9384); after the link heals BFD and BGP come back.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BirdRouter } from './support/routers/bird.ts';
import { FrrRouter } from './support/routers/frr.ts';
import { waitFor } from './support/exec.ts';
import { cutLink, lastPollMs, msUntil } from './support/link-cut.ts';
import type { VipdProcess } from './support/vipd-process.ts';
import { VIPD_AS, VIPS4, baseConfig, createSpeakerLab, startVipd, type SpeakerLab } from './support/speaker-lab.ts';

let lab: SpeakerLab;
let bird: BirdRouter;
let frr: FrrRouter;
let vipd: VipdProcess;

before(async () => {
  lab = await createSpeakerLab('vbf-b-', [{ name: 'bird' }, { name: 'frr' }]);
  const lb = lab.routers.get('bird')!.link;
  const lf = lab.routers.get('frr')!.link;
  bird = new BirdRouter(lab.topo, {
    ns: lab.routers.get('bird')!.ns,
    routerId: '10.0.1.1',
    localAs: 65001,
    neighbors: [
      { address: lb.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], holdTimeSec: 9, bfd: { intervalMs: 100, multiplier: 3 } },
      { address: lb.b.v6!, remoteAs: VIPD_AS, families: ['ipv6'], holdTimeSec: 9, bfd: { intervalMs: 100, multiplier: 3 } },
    ],
  });
  frr = new FrrRouter(lab.topo, {
    ns: lab.routers.get('frr')!.ns,
    routerId: '10.0.2.1',
    localAs: 65002,
    neighbors: [{ address: lf.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], holdTimeSec: 9, bfd: { intervalMs: 300, multiplier: 3 } }],
  });
  await Promise.all([bird.start(), frr.start()]);
  vipd = startVipd(lab, baseConfig(
    [
      { address: lb.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 9, bfd: { profile: 'fast' } },
      { address: lb.a.v6!, asn: 65001, families: ['ipv6-unicast'], holdTimeSec: 9, bfd: { profile: 'fast' } },
      { address: lf.a.v4!, asn: 65002, families: ['ipv4-unicast'], holdTimeSec: 9, bfd: { profile: 'dc' } },
    ],
    undefined,
    {
      bfdProfiles: { fast: { minTxMs: 100, minRxMs: 100, multiplier: 3 }, dc: { minTxMs: 300, minRxMs: 300, multiplier: 3 } },
      metrics: { address: '127.0.0.1', port: 9180 },
    },
  ));
  await vipd.start();
});

after(async () => {
  await lab?.topo.destroy();
});

test('BFD Up in BIRD (100 ms × 3, IPv4 and IPv6) and FRR bfdd (300 ms × 3), VIPs announced', async () => {
  const lb = lab.routers.get('bird')!.link;
  const lf = lab.routers.get('frr')!.link;
  await Promise.all([bird.waitEstablished(lb.b.v4!, 25_000), bird.waitEstablished(lb.b.v6!, 25_000), frr.waitEstablished(lf.b.v4!, 25_000)]);
  // Up with BIRD's detection time at 300 ms: the poll sequence leaving the slow pre-Up rate is done.
  await waitFor(async () => (await bird.bfdSessions()).some((s) => s.peer === lb.b.v4 && s.state === 'Up' && s.timeoutMs === 300), { timeoutMs: 15_000, what: 'BIRD BFD Up at 100 ms x 3' });
  await waitFor(async () => (await bird.bfdSessions()).some((s) => s.peer === lb.b.v6 && s.state === 'Up' && s.timeoutMs === 300), { timeoutMs: 15_000, what: 'BIRD BFD Up (IPv6) at 100 ms x 3' });
  await waitFor(async () => (await frr.bfdSessions()).some((s) => s.peer === lf.b.v4 && s.state === 'Up'), { timeoutMs: 15_000, what: 'FRR BFD Up' });
  await bird.waitForPrefix(VIPS4[0], true, 10_000);
  await frr.waitForPrefix(VIPS4[0], true, 10_000);
  // FRR's negotiated timers as it sees them: our 300 ms.
  const peers = await frr.vtyshJson<Array<{ peer: string; status: string; 'remote-transmit-interval'?: number; 'remote-receive-interval'?: number }>>('show bfd peers json');
  const p = peers.find((x) => x.peer === lf.b.v4)!;
  assert.equal(p['remote-transmit-interval'], 300);
  assert.equal(p['remote-receive-interval'], 300);
  const ups = vipd.logs().filter((l) => l.msg === 'BFD state change' && l.to === 'Up').map((l) => l.peer);
  assert.deepEqual([...new Set(ups)].sort(), [lb.a.v4!, lb.a.v6!, lf.a.v4!].sort());
  // vipd's status API and metrics (inside its namespace's loopback).
  const status = JSON.parse((await lab.topo.execIn(lab.vns, 'curl', ['-sf', 'http://127.0.0.1:9180/api/v1/peers'])).stdout) as unknown;
  const list = (Array.isArray(status) ? status : (status as { peers: unknown[] }).peers) as { address: string; bfd?: string }[];
  assert.deepEqual(list.map((x) => x.bfd), ['Up', 'Up', 'Up']);
  // The BFD process in /api/v1/status: a live process of its own (PIDs are not namespaced here), at
  // SCHED_RR (the tests run as root), with the default watchdog and no restart.
  const info = (JSON.parse((await lab.topo.execIn(lab.vns, 'curl', ['-sf', 'http://127.0.0.1:9180/api/v1/status'])).stdout) as { info: { bfd: { pid: number; scheduling: string; restarts: number; watchdogMs: number } } }).info;
  assert.equal(info.bfd.scheduling, 'rr');
  assert.equal(info.bfd.restarts, 0);
  assert.equal(info.bfd.watchdogMs, 10_000);
  assert.match(readFileSync(`/proc/${info.bfd.pid}/cmdline`, 'utf8'), /bfd-process\.ts/);
  const metrics = (await lab.topo.execIn(lab.vns, 'curl', ['-sf', 'http://127.0.0.1:9180/metrics'])).stdout;
  assert.match(metrics, new RegExp(`vipd_bfd_session_up\\{peer="${lb.a.v4!.replace(/\./g, '\\.')}"\\} 1`));
  assert.match(metrics, /vipd_bfd_transitions_total\{peer="[^"]+",to="Up"\} 1/);
});

test('BIRD: link black-holed → VIP withdrawn within detection time (300 ms) + 100 ms; vipd sends Cease 6/10 path; heals', async () => {
  const lb = lab.routers.get('bird')!.link;
  const from = vipd.logs().length;
  const { cutAtMs, nftMs, restore } = await cutLink(lab.topo, lab.vns, 'to-bird');
  const ms = await msUntil(cutAtMs, async () => !(await bird.routes('ipv4')).some((r) => r.prefix === VIPS4[0]), 10_000);
  process.stdout.write(`# BIRD withdrew the VIP ${ms.toFixed(0)} ms after the cut (BFD 100 ms x 3; nft ${nftMs.toFixed(0)} ms, birdc poll ${lastPollMs.toFixed(0)} ms)\n`);
  // Counted from before `nft -f` to the end of the birdc poll that saw it: both add to the real time,
  // so the bound allows their measured durations on top of detection time + 100 ms.
  assert.ok(ms < 300 + 100 + nftMs + lastPollMs, `BIRD withdrew after ${ms.toFixed(0)} ms`);
  // vipd's own detection (same 300 ms) tears its side down with Cease 6/10.
  await vipd.waitLog((l) => l.peer === lb.a.v4 && l.msg === 'BFD down: closing the BGP session (Cease 6/10)', 5000, from);
  await restore();
  await waitFor(async () => (await bird.bfdSessions()).some((s) => s.peer === lb.b.v4 && s.state === 'Up'), { timeoutMs: 15_000, what: 'BIRD BFD Up again' });
  await bird.waitEstablished(lb.b.v4!, 25_000);
  await bird.waitEstablished(lb.b.v6!, 25_000);
  await bird.waitForPrefix(VIPS4[0], true, 15_000);
});

test('FRR: link black-holed → VIP withdrawn after detection time (900 ms), measured; heals', async () => {
  const lf = lab.routers.get('frr')!.link;
  const from = vipd.logs().length;
  const { cutAtMs, nftMs, restore } = await cutLink(lab.topo, lab.vns, 'to-frr');
  const ms = await msUntil(cutAtMs, async () => {
    const j = await frr.vtyshJson<{ paths?: unknown[] }>(`show bgp ipv4 unicast ${VIPS4[0]} json`);
    return (j.paths ?? []).length === 0;
  }, 10_000);
  process.stdout.write(`# FRR withdrew the VIP ${ms.toFixed(0)} ms after the cut (BFD 300 ms x 3; nft ${nftMs.toFixed(0)} ms, vtysh poll ${lastPollMs.toFixed(0)} ms)\n`);
  // vtysh polls cost 45–170 ms each on this machine; bgpd reacts to bfdd through zebra.
  assert.ok(ms < 900 + 100 + nftMs + lastPollMs + 150, `FRR withdrew after ${ms.toFixed(0)} ms`);
  await vipd.waitLog((l) => l.peer === lf.a.v4 && l.msg === 'BFD down: closing the BGP session (Cease 6/10)', 5000, from);
  await restore();
  await waitFor(async () => (await frr.bfdSessions()).some((s) => s.peer === lf.b.v4 && s.state === 'Up'), { timeoutMs: 20_000, what: 'FRR BFD Up again' });
  await frr.waitEstablished(lf.b.v4!, 25_000);
  await frr.waitForPrefix(VIPS4[0], true, 15_000);
});
