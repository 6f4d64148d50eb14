// BFD timers hold under route work in the real daemon (prefix vbf-l-): vipd standalone announces
// 100,000 VIPs to BIRD 2 with BFD at 100 ms × 3, then a reload replaces them with 100,000 others
// (100k withdrawals + 100k announcements through the speaker on vipd's main thread). BIRD's own view
// must show the same BFD session Up the whole time (its "since" timestamp unchanged, no flap of the
// BGP session), and vipd must have logged no BFD transition out of Up. Unit-level twin:
// packages/bgp/test/bfd/under-load.test.ts (which also proves the main thread stalls > 300 ms).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BirdRouter } from './support/routers/bird.ts';
import { waitFor } from './support/exec.ts';
import type { VipdProcess } from './support/vipd-process.ts';
import { VIPD_AS, baseConfig, createSpeakerLab, startVipd, type SpeakerLab } from './support/speaker-lab.ts';

const COUNT = 100_000;
let lab: SpeakerLab;
let bird: BirdRouter;
let vipd: VipdProcess;

function vips(second: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < COUNT; i++) out.push(`100.${64 + second * 2 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}/32`);
  return out;
}

async function bfdLine(addr: string): Promise<string | undefined> {
  const text = await bird.birdc(['show', 'bfd', 'sessions']);
  return text.split('\n').find((l) => l.trim().startsWith(addr));
}

before(async () => {
  lab = await createSpeakerLab('vbf-l-', [{ name: 'r' }]);
  const l = lab.routers.get('r')!.link;
  bird = new BirdRouter(lab.topo, {
    ns: lab.routers.get('r')!.ns,
    routerId: '10.0.1.1',
    localAs: 65001,
    neighbors: [{ address: l.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], holdTimeSec: 9, bfd: { intervalMs: 100, multiplier: 3 } }],
  });
  await bird.start();
  vipd = startVipd(lab, baseConfig(
    [{ address: l.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 9, bfd: { minTxMs: 100, minRxMs: 100, multiplier: 3 } }],
    vips(0),
    { logLevel: 'info' },
  ));
  await vipd.start();
});

after(async () => {
  await lab?.topo.destroy();
});

test('100k VIPs announced, then all replaced: BIRD\'s BFD session (100 ms × 3) never leaves Up', { timeout: 90_000 }, async () => {
  const l = lab.routers.get('r')!.link;
  await bird.waitEstablished(l.b.v4!, 30_000);
  await waitFor(async () => (await bfdLine(l.b.v4!))?.includes(' Up ') === true, { timeoutMs: 15_000, what: 'BIRD BFD Up' });
  await waitFor(async () => (await bird.routeCount('ipv4')) === COUNT, { timeoutMs: 40_000, intervalMs: 250, what: '100k routes in BIRD' });
  const bfdBefore = await bfdLine(l.b.v4!);
  const from = vipd.logs().length;
  const reload = vipd.reload(baseConfig(
    [{ address: l.a.v4!, asn: 65001, families: ['ipv4-unicast'], holdTimeSec: 9, bfd: { minTxMs: 100, minRxMs: 100, multiplier: 3 } }],
    vips(1),
    { logLevel: 'info' },
  ));
  // Sample BIRD's BFD view through the churn (every poll must still say Up).
  const samples: string[] = [];
  let done = false;
  const churn = waitFor(async () => {
    const line = await bfdLine(l.b.v4!);
    samples.push(line ?? '(missing)');
    const n = await bird.routeCount('ipv4');
    const first = (await bird.birdc(['show', 'route', 'for', '100.66.0.1'])).includes('100.66.0.1');
    return n === COUNT && first ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200, what: 'the second 100k set in BIRD' }).finally(() => (done = true));
  await reload;
  await churn;
  assert.ok(done);
  const bfdAfter = await bfdLine(l.b.v4!);
  process.stdout.write(`# ${samples.length} BIRD BFD samples during the 100k replacement, all Up\n`);
  assert.ok(samples.length >= 3, 'sampled during the churn');
  for (const s of samples) assert.match(s, / Up /, `BIRD BFD during churn: ${s}`);
  assert.equal(bfdAfter, bfdBefore, 'same BFD session, same "since" time');
  assert.deepEqual(vipd.logs().slice(from).filter((x) => x.msg === 'BFD state change'), []);
  assert.equal((await bird.peers()).find((p) => p.address === l.b.v4)?.state, 'Established');
});
