// Failure injection for the failure-detection tests and bench: black-holes one interface of a lab
// namespace with nftables (this kernel has no netem), and measures how long until a router's own view
// changes. Only namespaces the caller's Topology created are touched; the table is removed on restore.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from './netns.ts';

let seq = 0;

/** Drops every packet in and out of `ifname` inside `ns`; returns the time the rule went in and a restore. */
export async function cutLink(topo: Topology, ns: string, ifname: string): Promise<{ cutAtMs: number; nftMs: number; restore: () => Promise<void> }> {
  const table = `vbfcut${++seq}`;
  const file = join(topo.dir, `${table}.nft`);
  writeFileSync(file, [
    `table inet ${table} {`,
    `  chain in { type filter hook input priority -300; iifname "${ifname}" drop; }`,
    `  chain out { type filter hook output priority -300; oifname "${ifname}" drop; }`,
    '}',
    '',
  ].join('\n'));
  // The rule is in force somewhere inside this call: counting from its start over-states detection
  // time by the call's duration (a few ms), never under-states it.
  const cutAtMs = performance.now();
  await topo.execIn(ns, 'nft', ['-f', file]);
  const nftMs = performance.now() - cutAtMs;
  let restored = false;
  const restore = async () => {
    if (restored) return;
    restored = true;
    await topo.execIn(ns, 'nft', ['delete', 'table', 'inet', table], { allowFail: true });
  };
  topo.onDestroy(restore);
  return { cutAtMs, nftMs, restore };
}

/** The most recent poll's duration (ms): the granularity of the last msUntil result. */
export let lastPollMs = 0;

/** Polls `gone()` (bounded by timeoutMs) and returns ms from `sinceMs` to the end of the first poll that saw it. */
export async function msUntil(sinceMs: number, gone: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const deadline = sinceMs + timeoutMs;
  for (let i = 0; i < 100_000 && performance.now() < deadline; i++) {
    const t = performance.now();
    const done = await gone();
    lastPollMs = performance.now() - t;
    if (done) return performance.now() - sinceMs;
  }
  throw new Error(`not observed within ${timeoutMs} ms`);
}
