// BFD authentication (RFC 5880 §6.7) between vipd standalone and BIRD 2 in network namespaces (prefix
// vbf-a-), asserting on BIRD's own view (birdc show bfd sessions):
//  - r1: meticulous keyed SHA1 with the same key on both sides → BFD Up, and a link cut is detected;
//  - r2: simple password → Up;
//  - r3: keyed SHA1 with a different key → never Up (BGP itself still comes up: BFD Down alone does
//    not block a session), and the key is never in vipd's log.
// FRR 8.4 bfdd has no authentication, so it is not part of this file.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BirdRouter } from './support/routers/bird.ts';
import { sleep, waitFor } from './support/exec.ts';
import { cutLink, msUntil } from './support/link-cut.ts';
import type { VipdProcess } from './support/vipd-process.ts';
import { VIPD_AS, VIPS4, baseConfig, createSpeakerLab, startVipd, type SpeakerLab } from './support/speaker-lab.ts';

let lab: SpeakerLab;
const birds = new Map<string, BirdRouter>();
let vipd: VipdProcess;
const KEYS = { r1: 'sha1-key-r1', r2: 'simple-pw', r3: 'birds-key' } as const;
const TYPES = { r1: 'meticulous-keyed-sha1', r2: 'simple', r3: 'keyed-sha1' } as const;

before(async () => {
  lab = await createSpeakerLab('vbf-a-', [{ name: 'r1' }, { name: 'r2' }, { name: 'r3' }]);
  const peers: Record<string, unknown>[] = [];
  for (const [i, name] of (['r1', 'r2', 'r3'] as const).entries()) {
    const r = lab.routers.get(name)!;
    const bird = new BirdRouter(lab.topo, {
      ns: r.ns,
      routerId: `10.0.${i + 1}.1`,
      localAs: 65001 + i,
      neighbors: [{
        address: r.link.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], holdTimeSec: 9,
        bfd: { intervalMs: 100, multiplier: 3, auth: { type: TYPES[name], keyId: 3, password: KEYS[name] } },
      }],
    });
    birds.set(name, bird);
    peers.push({
      address: r.link.a.v4!, asn: 65001 + i, families: ['ipv4-unicast'], holdTimeSec: 9,
      bfd: { minTxMs: 100, minRxMs: 100, multiplier: 3, auth: { type: TYPES[name], keyId: 3, password: name === 'r3' ? 'vipds-key' : KEYS[name] } },
    });
  }
  await Promise.all([...birds.values()].map((b) => b.start()));
  vipd = startVipd(lab, baseConfig(peers, [VIPS4[0]]));
  await vipd.start();
});

after(async () => {
  await lab?.topo.destroy();
});

const bfdUp = async (name: string) => {
  const addr = lab.routers.get(name)!.link.b.v4!;
  return (await birds.get(name)!.bfdSessions()).some((s) => s.peer === addr && s.state === 'Up');
};

test('meticulous keyed SHA1 and simple password: BIRD shows BFD Up', async () => {
  for (const name of ['r1', 'r2']) {
    await birds.get(name)!.waitEstablished(lab.routers.get(name)!.link.b.v4!, 25_000);
    await waitFor(() => bfdUp(name), { timeoutMs: 15_000, what: `${name} BFD Up` });
  }
});

test('keyed SHA1 with a different key: BGP up, BFD never Up; keys absent from the log', async () => {
  await birds.get('r3')!.waitEstablished(lab.routers.get('r3')!.link.b.v4!, 25_000);
  await waitFor(() => bfdUp('r1'), { timeoutMs: 15_000, what: 'r1 BFD Up (control)' });
  await sleep(3000);
  assert.equal(await bfdUp('r3'), false);
  const log = vipd.process!.readLog();
  for (const k of [...Object.values(KEYS), 'vipds-key']) assert.ok(!log.includes(k), 'a BFD key appeared in the log');
});

test('authenticated BFD still detects a cut link: BIRD withdraws the VIP within ~detection time', async () => {
  // BIRD's detection time at 300 ms: the poll sequence leaving the slow pre-Up rate is done.
  const r1 = lab.routers.get('r1')!.link.b.v4!;
  await waitFor(async () => (await birds.get('r1')!.bfdSessions()).some((s) => s.peer === r1 && s.state === 'Up' && s.timeoutMs === 300), { timeoutMs: 15_000, what: 'r1 BFD at 100 ms x 3' });
  const { cutAtMs, restore } = await cutLink(lab.topo, lab.vns, 'to-r1');
  try {
    const ms = await msUntil(cutAtMs, async () => !(await birds.get('r1')!.routes('ipv4')).some((r) => r.prefix === VIPS4[0]), 10_000);
    process.stdout.write(`# BIRD (meticulous keyed SHA1) withdrew the VIP ${ms.toFixed(0)} ms after the cut\n`);
    assert.ok(ms < 600, `${ms.toFixed(0)} ms`);
  } finally {
    await restore();
  }
});
