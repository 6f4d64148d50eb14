// Kubernetes mode bench (issue 4): with 10,000 LoadBalancer Services loaded, (1) the latency from an
// EndpointSlice change arriving at the daemon's informer to the UPDATE it causes being written to the
// BGP socket, p50 / p99 / max over 1,000 changes; (2) the time to converge after start (list → decide
// → session → all 10,000 routes held by the peer); (3) the daemon's memory. The API server and the
// receiving BGP peer run in a worker thread (bench/support/k8s-bench-world.ts) so they do not share
// the measured event loop; everything is on loopback (127.0.0.0/8). Bounded: every wait has a deadline.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { noopLogger } from '../packages/bgp/src/observe.ts';
import { loadKubeConfig } from '../packages/controller/src/kube/informer.ts';
import { K8sDaemon } from '../packages/controller/src/daemon/k8s-daemon.ts';
import { markdownTable, percentile, type BenchSection } from './support/section.ts';

export const title = 'Kubernetes mode: EndpointSlice change → UPDATE on the socket, convergence and memory with 10,000 Services';
export const order = 45;

const SERVICES = Number(process.env.VIPD_BENCH_K8S_SERVICES ?? 10_000);
const CHANGES = Number(process.env.VIPD_BENCH_K8S_CHANGES ?? 1_000);
const ROUTER = '127.0.0.4';
const NODE = '127.0.0.5';

function waitMessage<T>(w: Worker, type: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      w.off('message', on);
      reject(new Error(`bench: no ${type} from the worker within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (m: { type: string }) => {
      if (m.type !== type) return;
      clearTimeout(t);
      w.off('message', on);
      resolve(m as T);
    };
    w.on('message', on);
  });
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function run(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-k8s-bench-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const worker = new Worker(new URL('./support/k8s-bench-world.ts', import.meta.url), {
    workerData: { services: SERVICES, apiPort: 18850, bgpPort: 18851, router: ROUTER, node: 'bench-node', nodeAddress: NODE, kubeconfig },
  });
  let daemon: K8sDaemon | undefined;
  try {
    const loadStart = performance.now();
    await waitMessage(worker, 'ready', 120_000);
    const loadMs = performance.now() - loadStart;
    const samples: number[] = [];
    let strays = 0;
    let onSample: ((ms: number) => void) | undefined;
    const heapBefore = process.memoryUsage().heapUsed;
    daemon = new K8sDaemon({
      kc: loadKubeConfig(kubeconfig),
      nodeName: 'bench-node',
      namespace: 'vipd-system',
      log: noopLogger,
      eventToWire: (_peer, s) => {
        if (onSample !== undefined) onSample(s * 1000);
        else strays++;
      },
    });
    const t0 = performance.now();
    await daemon.start();
    const decidedMs = performance.now() - t0;
    const routes = async (): Promise<number> => {
      worker.postMessage({ type: 'routes' });
      return (await waitMessage<{ count: number }>(worker, 'routes', 5_000)).count;
    };
    await until(`${SERVICES} routes at the peer`, async () => (await routes()) >= SERVICES, 120_000);
    const convergeMs = performance.now() - t0;
    await daemon.idle();
    const mem = process.memoryUsage();

    await new Promise((r) => setTimeout(r, 500));
    strays = 0;
    let missed = 0;
    for (let k = 0; k < CHANGES; k++) {
      const i = (k >> 1) % SERVICES;
      const ready = k % 2 === 1;
      const got = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 2_000);
        onSample = (v) => {
          clearTimeout(t);
          samples.push(v);
          onSample = undefined;
          resolve(true);
        };
      });
      worker.postMessage({ type: 'flip', i, ready });
      if (!(await got)) missed++;
      onSample = undefined;
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const finalCount = await routes();
    const ms = (v: number) => v.toFixed(2);
    const results = [
      markdownTable(
        ['measure', 'value'],
        [
          ['Services (each with one EndpointSlice and a /32 VIP)', SERVICES],
          ['changes measured (readiness flips: withdraw, announce, …)', `${samples.length} of ${CHANGES}${missed > 0 ? ` (${missed} without an UPDATE within 2 s)` : ''}${strays > 0 ? `; ${strays} samples outside a change` : ''}`],
          ['event → UPDATE written: p50', `${ms(percentile(sorted, 50))} ms`],
          ['event → UPDATE written: p99', `${ms(percentile(sorted, 99))} ms (target ≤ 10 ms)`],
          ['event → UPDATE written: max', `${ms(sorted.at(-1) ?? Number.NaN)} ms`],
          ['start → initial list decided and applied', `${(decidedMs / 1000).toFixed(2)} s`],
          ['start → all routes held by the peer (converged)', `${(convergeMs / 1000).toFixed(2)} s`],
          ['routes at the peer after the run', finalCount],
          ['daemon heap used after convergence (main thread)', `${((mem.heapUsed - heapBefore) / 1048576).toFixed(0)} MB over the bench's own (${(mem.heapUsed / 1048576).toFixed(0)} MB total)`],
          ['process RSS (daemon + worker with API server and peer)', `${(mem.rss / 1048576).toFixed(0)} MB`],
          ['API server load (worker, not measured)', `${(loadMs / 1000).toFixed(1)} s`],
        ],
      ),
    ].join('\n');
    const method =
      `The daemon (K8sDaemon, the code behind \`vipd daemon\`) runs in the bench's main thread against the test API server ` +
      `(real REST list/watch over TLS, @kubernetes/client-node informers) and a passive vipd Session as the BGP peer, both in a ` +
      `worker thread on loopback. ${SERVICES} Cluster-policy Services with one ready endpoint each are announced; then ${CHANGES} ` +
      `sequential EndpointSlice updates flip one endpoint's readiness (each flip withdraws or re-announces one VIP). The latency ` +
      `is measured inside the daemon from the informer's handler (performance.now() when the watch event is delivered) to the ` +
      `completion of the socket write of the resulting UPDATE (the same hook that feeds vipd_event_to_wire_seconds); the next ` +
      `change is sent after the previous one was written. Convergence is from daemon.start() (initial lists included) until the ` +
      `peer holds every route. Memory is the main thread's V8 heap growth and the process RSS (which includes the worker).`;
    return { method, results };
  } finally {
    await daemon?.shutdown('bench over').catch(() => undefined);
    worker.postMessage({ type: 'stop' });
    await Promise.race([waitMessage(worker, 'stopped', 5_000).catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
    await worker.terminate();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await run();
  process.stdout.write(`${s.method}\n\n${s.results}\n`);
  process.exit(0);
}
