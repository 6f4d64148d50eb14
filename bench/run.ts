// `pnpm bench`: runs every bench/*.bench.ts (or those named on the command line) and writes
// BENCHMARKS.md. Each bench module exports `title`, `order` and `run(): Promise<BenchSection>`.

import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from './support/section.ts';

interface BenchModule {
  readonly title: string;
  readonly order: number;
  run(): Promise<BenchSection>;
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));

const mods: { file: string; mod: BenchModule }[] = [];
for (const file of files) mods.push({ file, mod: (await import(`./${file}`)) as BenchModule });
mods.sort((a, b) => a.mod.order - b.mod.order);

const sections: string[] = [];
for (const { file, mod } of mods) {
  process.stderr.write(`bench: ${file} …\n`);
  const started = Date.now();
  const s = await mod.run();
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  sections.push(`## ${mod.title}\n\n**Method.** ${s.method}\n\n${s.results}\n\n_Bench file \`bench/${file}\`, ran ${secs} s._\n`);
  process.stderr.write(`bench: ${file} done in ${secs} s\n`);
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const header = `# vipd benchmarks

Written by \`pnpm bench\` (\`bench/run.ts\`); every number below comes from the run recorded here.
Reference implementations (BIRD, an ideal pre-encoded sender) are measured in the same run on the
same machine, and ratios are against them. Numbers hold for this machine only: a 2-core VM shared by
the speaker, the router and the measuring process.

- Date: ${new Date().toISOString()}
- Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}
- Node ${process.version}
${only.length > 0 ? `- Partial run: ${only.join(', ')}\n` : ''}`;
writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), `${header}\n${sections.join('\n')}`);
process.stderr.write('bench: wrote BENCHMARKS.md\n');
