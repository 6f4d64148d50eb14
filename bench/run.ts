// `pnpm bench`: runs every bench/*.bench.ts (or those named on the command line) and writes
// BENCHMARKS.md. Each bench module exports `title`, `order` and `run(): Promise<BenchSection>`.
// A partial run (names given) replaces only its own sections and keeps the others as they were,
// each section carrying its own date and the machine's load average, so mixed runs stay honest.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from './support/section.ts';

interface BenchModule {
  readonly title: string;
  readonly order: number;
  run(): Promise<BenchSection>;
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const out = new URL('../BENCHMARKS.md', import.meta.url);
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));

const mods: { file: string; mod: BenchModule }[] = [];
for (const file of files) mods.push({ file, mod: (await import(`./${file}`)) as BenchModule });
mods.sort((a, b) => a.mod.order - b.mod.order);

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' / ');

/** Sections of an existing BENCHMARKS.md by bench file, with their order, to keep on a partial run. */
function previousSections(): Map<string, { order: number; text: string }> {
  const kept = new Map<string, { order: number; text: string }>();
  if (!existsSync(out)) return kept;
  const text = readFileSync(out, 'utf8');
  const parts = text.split(/\n(?=## )/).slice(1);
  for (const part of parts) {
    const m = /_Bench file `bench\/([^`]+)`/.exec(part);
    const order = /<!-- order (\d+) -->/.exec(part);
    if (m !== null && existsSync(`${dir}${m[1]}`)) kept.set(m[1]!, { order: order === null ? 1000 : Number(order[1]), text: part.trimEnd() });
  }
  return kept;
}

const sections = previousSections();
let failed = 0;
for (const { file, mod } of mods) {
  process.stderr.write(`bench: ${file} …\n`);
  const started = Date.now();
  const loadBefore = load();
  let body: string;
  try {
    const s = await mod.run();
    body = `**Method.** ${s.method}\n\n${s.results}`;
  } catch (err) {
    // Recorded, not hidden: the section says the run failed and why; the command exits non-zero.
    failed++;
    body = `**This run failed**: ${(err as Error).message.split('\n')[0]}`;
    process.stderr.write(`bench: ${file} FAILED: ${(err as Error).stack ?? String(err)}\n`);
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const text = `## ${mod.title}\n<!-- order ${mod.order} -->\n\n${body}\n\n_Bench file \`bench/${file}\`, run ${new Date(started).toISOString()}, ${secs} s; load average (1/5/15 min) ${loadBefore} before, ${load()} after._`;
  sections.set(file, { order: mod.order, text });
  write();
  process.stderr.write(`bench: ${file} done in ${secs} s\n`);
}
process.exitCode = failed > 0 ? 1 : 0;

/** Writes BENCHMARKS.md with every section known so far (after each bench, so a crash loses nothing). */
function write(): void {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const header = `# vipd benchmarks

Written by \`pnpm bench\` (\`bench/run.ts\`); every number below comes from the run recorded with its
section (date and load average). Reference implementations (BIRD, an ideal pre-encoded sender) are
measured in the same run on the same machine, and ratios are against them. Numbers hold for this
machine only: a 2-core VM shared by the speaker, the router and the measuring process; a load average
above 2 means other work shared the cores during that section.

- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}
- Node ${process.version}
- Last written: ${new Date().toISOString()}${only.length > 0 ? ` (sections re-run: ${only.join(', ')})` : ''}
`;
  const body = [...sections.values()].sort((a, b) => a.order - b.order).map((s) => s.text);
  writeFileSync(out, `${header}\n${body.join('\n\n')}\n`);
}
process.stderr.write('bench: wrote BENCHMARKS.md\n');
