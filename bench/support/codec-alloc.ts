// Allocation probe for bench/codec.bench.ts, run in a child process started with --expose-gc and a
// 256 MiB young generation so no garbage collection runs inside a measured call. For each case it
// collects garbage, runs one packUpdates (or one decode of all packed messages) while keeping the
// result alive, and reports (heapUsed + arrayBuffers) growth per prefix. Any GC observed during the
// window (PerformanceObserver 'gc' entries) marks the number as unreliable. Prints JSON on stdout.

import { PerformanceObserver } from 'node:perf_hooks';
import { packUpdates } from '../../packages/bgp/src/wire/pack.ts';
import { decodeUpdate } from '../../packages/bgp/src/wire/update.ts';
import type { UpdateMessage } from '../../packages/bgp/src/wire/types.ts';
import { ATTRIBUTES, DECODE_CTX, ENCODE_CTX, FAMILIES, hostPrefixes, PACK_OPTIONS, SIZES } from './codec-cases.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

let gcs = 0;
new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

const tick = () => new Promise<void>((r) => setTimeout(r, 20));
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

async function probe(n: number, fn: () => unknown): Promise<{ bytesPerPrefix: number; clean: boolean }> {
  fn(); // warm up (JIT, inline caches)
  gc!();
  await tick();
  await tick();
  const before = gcs;
  const b = used();
  const keep = fn();
  const a = used();
  await tick();
  await tick();
  void keep;
  return { bytesPerPrefix: (a - b) / n, clean: gcs === before };
}

const rows: unknown[] = [];
for (const family of FAMILIES) {
  for (const n of SIZES) {
    const prefixes = hostPrefixes(family, n);
    const enc = await probe(n, () => packUpdates(prefixes, ATTRIBUTES, ENCODE_CTX, PACK_OPTIONS));
    const msgs = packUpdates(prefixes, ATTRIBUTES, ENCODE_CTX, PACK_OPTIONS);
    const dec = await probe(n, () => {
      const out: UpdateMessage[] = [];
      for (const m of msgs) out.push(decodeUpdate(m, 19, m.length, DECODE_CTX));
      return out;
    });
    rows.push({ family, n, encode: enc, decode: dec });
  }
}
process.stdout.write(JSON.stringify(rows));
