// Regenerates the captured golden vectors in packages/bgp/test/fixtures/captured/: runs sessions between
// pairs of real routers (BIRD 2, FRR 8, GoBGP 3, ExaBGP 4) in network namespaces, drives them through
// OPEN, UPDATEs with many attributes, route refresh, End-of-RIB, withdraws and admin shutdown, captures
// with tcpdump, and writes one JSON file per distinct message plus the pcaps and router configs.
// Run as root:  node e2e/tools/capture-fixtures.ts [--out DIR] [--only SCENARIO]
// (--only keeps the fixtures already in DIR and adds the scenario's messages that are not there yet)
import { copyFileSync, mkdirSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Topology } from '../support/netns.ts';
import { Capture } from '../support/capture.ts';
import { FixtureSet } from './fixture-writer.ts';
import { scenariosPart1 } from './capture-scenarios.ts';
import { scenariosPart2 } from './capture-scenarios-2.ts';
import type { Router, Scenario } from './capture-scenarios.ts';
import type { Link } from '../support/netns.ts';

const scenarios: Scenario[] = [...scenariosPart1, ...scenariosPart2];

const PREFIX = 'vl-cap-';
const REPO = resolve(import.meta.dirname, '../..');
const outArg = process.argv.indexOf('--out');
const OUT = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(REPO, 'packages/bgp/test/fixtures/captured');

async function runScenario(s: Scenario, set: FixtureSet, n: number): Promise<void> {
  const topo = await Topology.create(PREFIX);
  try {
    const a = await topo.addNamespace(`a${n}`);
    const b = await topo.addNamespace(`b${n}`);
    const link = await topo.addLink(a, b, { v4: `10.100.${n}.0/30`, v6: `fd00:100:${n}::/64` });
    const cap = await Capture.start(topo, a, link.a.ifname);
    let third: Router | undefined;
    let link2: Link | undefined;
    if (s.third) {
      const c = await topo.addNamespace(`c${n}`);
      link2 = await topo.addLink(a, c, { v4: `10.110.${n}.0/30`, v6: `fd00:110:${n}::/64` });
      third = s.third(topo, link2, link);
    }
    const [ra, rb] = s.build(topo, link, link2);
    await Promise.all([ra.start(), rb.start(), third?.start()]);
    const [va, vb] = await Promise.all([ra.version(), rb.version()]);
    await s.drive(ra, rb, { topo, link, cap, third });
    await cap.stop();
    const pcapName = `pcap/${s.name}.pcap`;
    copyFileSync(cap.file, join(OUT, pcapName));
    for (const r of [ra, rb, ...(third ? [third] : [])]) {
      const file = `${s.name}-${r.kind}${r === third ? '-c' : ''}.conf`;
      writeFileSync(join(OUT, 'configs', file), r.config().split(topo.dir).join('$LABDIR'));
    }
    const labels = new Map<string, { name: string; label: string }>();
    for (const [end, r, v] of [[link.a, ra, va], [link.b, rb, vb]] as const) {
      for (const addr of [end.v4, end.v6, end.v6LinkLocal]) if (addr) labels.set(addr, { name: r.kind, label: `${r.kind} ${v}` });
    }
    const who = (addr: string) => labels.get(addr) ?? { name: 'unknown', label: addr };
    const before = set.size();
    // a stable order (not capture order) so regenerated file names (open, open-2…) do not shuffle
    const flows = [...cap.flows()].sort((x, y) => `${x.src}|${x.dst}`.localeCompare(`${y.src}|${y.dst}`) || x.messages[0].tsUs - y.messages[0].tsUs);
    for (const f of flows) {
      for (const m of f.messages) set.add({ scenario: s.name, session: s.session, pcap: pcapName, who, as4: s.as4, addPathFrom: s.addPathFrom }, f.src, f.dst, f.sport, f.dport, m);
    }
    console.log(`${s.name}: ${cap.flows().length} flows, ${set.size() - before} new distinct messages (${va} / ${vb})`);
  } finally {
    await topo.destroy();
  }
}

async function main(): Promise<void> {
  mkdirSync(join(OUT, 'pcap'), { recursive: true });
  mkdirSync(join(OUT, 'configs'), { recursive: true });
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  // a full run replaces the fixture set; --only adds to (or overwrites in) the output directory
  if (!only) for (const f of readdirSync(OUT)) if (f.endsWith('.json')) rmSync(join(OUT, f));
  const set = new FixtureSet();
  if (only) set.preload(OUT);
  let n = 0;
  for (const s of scenarios) {
    n++;
    if (only && s.name !== only) continue;
    await runScenario(s, set, n);
  }
  const files = set.write(OUT);
  console.log(`wrote ${files.length} fixtures to ${OUT}`);
}

await main();
