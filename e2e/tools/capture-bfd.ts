// Regenerates packages/bgp/test/fixtures/bfd/captured.json: BFD Control packets exchanged by vipd with
// BIRD 2 (100 ms × 3, IPv4 + IPv6) and FRR 8 bfdd (300 ms × 3) in lab namespaces (prefix vbf-c-),
// captured with tcpdump in vipd's namespace and cut out of the pcap with tshark (with each datagram's
// IP TTL / hop limit). Usage: node e2e/tools/capture-bfd.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BirdRouter } from '../support/routers/bird.ts';
import { FrrRouter } from '../support/routers/frr.ts';
import { run, sleep, waitFor } from '../support/exec.ts';
import { VIPD_AS, baseConfig, createSpeakerLab, startVipd } from '../support/speaker-lab.ts';

const OUT = fileURLToPath(new URL('../../packages/bgp/test/fixtures/bfd/captured.json', import.meta.url));
const lab = await createSpeakerLab('vbf-c-', [{ name: 'bird' }, { name: 'frr' }]);
try {
  const lb = lab.routers.get('bird')!.link;
  const lf = lab.routers.get('frr')!.link;
  const bird = new BirdRouter(lab.topo, {
    ns: lab.routers.get('bird')!.ns, routerId: '10.0.1.1', localAs: 65001,
    neighbors: [
      { address: lb.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], bfd: { intervalMs: 100, multiplier: 3 } },
      { address: lb.b.v6!, remoteAs: VIPD_AS, families: ['ipv6'], bfd: { intervalMs: 100, multiplier: 3 } },
    ],
  });
  const frr = new FrrRouter(lab.topo, {
    ns: lab.routers.get('frr')!.ns, routerId: '10.0.2.1', localAs: 65002,
    neighbors: [{ address: lf.b.v4!, remoteAs: VIPD_AS, families: ['ipv4'], bfd: { intervalMs: 300, multiplier: 3 } }],
  });
  await Promise.all([bird.start(), frr.start()]);
  const pcap = join(lab.topo.dir, 'bfd.pcap');
  const dump = lab.topo.spawnIn(lab.vns, ['tcpdump', '-i', 'any', '-U', '-w', pcap, 'udp port 3784']);
  await sleep(500);
  const vipd = startVipd(lab, baseConfig([
    { address: lb.a.v4!, asn: 65001, families: ['ipv4-unicast'], bfd: { minTxMs: 100, minRxMs: 100, multiplier: 3 } },
    { address: lb.a.v6!, asn: 65001, families: ['ipv6-unicast'], bfd: { minTxMs: 100, minRxMs: 100, multiplier: 3 } },
    { address: lf.a.v4!, asn: 65002, families: ['ipv4-unicast'], bfd: { minTxMs: 300, minRxMs: 300, multiplier: 3 } },
  ]));
  await vipd.start();
  await waitFor(async () => (await bird.bfdSessions()).filter((s) => s.state === 'Up').length === 2, { timeoutMs: 20_000, what: 'BIRD BFD Up' });
  await waitFor(async () => (await frr.bfdSessions()).some((s) => s.state === 'Up'), { timeoutMs: 20_000, what: 'FRR BFD Up' });
  await sleep(1500);
  await vipd.stop(); // AdminDown packets on the way out
  await sleep(500);
  process.stdout.write(vipd.logs().filter((l) => String(l.msg).includes('BFD')).map((l) => JSON.stringify(l)).join('\n') + '\n');
  await dump.stop(2000);
  const r = await run('tshark', ['-r', pcap, '-T', 'fields', '-E', 'separator=|', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'ip.ttl', '-e', 'ipv6.hlim', '-e', 'udp.payload']);
  // Routers are host 1 (side a) of each link, vipd host 2 (side b).
  const who = (src: string) => (src === lb.a.v4 || src === lb.a.v6 ? 'bird' : src === lf.a.v4 ? 'frr' : 'vipd');
  const seen = new Set<string>();
  const packets: { from: string; family: 4 | 6; ttl: number; hex: string }[] = [];
  for (const line of r.stdout.split('\n')) {
    const [s4, s6, t4, t6, hex] = line.split('|');
    if (hex === undefined || hex === '') continue;
    const src = s4 || s6!;
    // Distinct packets per sender, in first-seen order, bytes as sent.
    const key = `${who(src)}:${hex}`;
    if (seen.has(key)) continue;
    seen.add(key);
    packets.push({ from: who(src), family: s4 ? 4 : 6, ttl: Number(t4 || t6), hex });
  }
  writeFileSync(OUT, `${JSON.stringify({ note: 'BFD Control packets captured by e2e/tools/capture-bfd.ts (BIRD 2.0.12, FRR 8.4.4, vipd)', packets }, null, 1)}\n`);
  process.stdout.write(`wrote ${packets.length} packets to ${OUT}\n`);
} finally {
  await lab.topo.destroy();
}
