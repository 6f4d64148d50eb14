// IPAM at scale: 10,000 LoadBalancer Services created on the test API server (real REST + watch,
// real client-node), one IPAM controller in this process; time until every Service has its address,
// and the API writes it took (from the server's request log).

import { TestApiServer } from '../e2e/support/apiserver/test-api-server.ts';
import { kubeConfigFor } from '../e2e/support/apiserver/client-helpers.ts';
import { IpamController } from '../packages/controller/src/ipam/controller.ts';
import { noopLogger } from '../packages/bgp/src/observe.ts';
import { markdownTable, type BenchSection } from './support/section.ts';

export const title = 'IPAM: assigning 10,000 Services';
export const order = 50;

const N = Number(process.env.VIPD_BENCH_IPAM_N ?? 10_000);

export async function run(): Promise<BenchSection> {
  const server = new TestApiServer({ historyLimit: 100_000 });
  await server.start();
  try {
    server.create('vipd.io/v1alpha1', 'ipaddresspools', { metadata: { name: 'big' }, spec: { addresses: ['10.128.0.0/16', 'fd00:100::/112'] } });
    server.create('vipd.io/v1alpha1', 'vipdsettings', { metadata: { name: 'default' }, spec: { isDefaultClass: true } });
    server.create('v1', 'namespaces', { metadata: { name: 'bench' } });
    const ctl = new IpamController({ kc: kubeConfigFor(server), namespace: 'kube-system', identity: 'bench', log: noopLogger, leaseDurationSec: 15, renewDeadlineSec: 10, retryPeriodSec: 1 });
    await ctl.start();
    while (!ctl.isLeader) await new Promise((r) => setTimeout(r, 20));
    await ctl.idle();
    const writesBefore = server.requests.filter((r) => r.verb !== undefined && ['create', 'update', 'patch'].includes(r.verb)).length;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      server.create('v1', 'services', {
        metadata: { name: `s${i}`, namespace: 'bench' },
        spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: `a${i}` }, ...(i % 10 === 0 ? { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] } : {}) },
      }, 'bench');
    }
    const deadline = Date.now() + 600_000;
    let done = 0;
    while (Date.now() < deadline) {
      done = 0;
      for (let i = 0; i < N; i++) if (((server.get('v1', 'services', `s${i}`, 'bench') as any)?.status?.loadBalancer?.ingress?.length ?? 0) > 0) done++;
      if (done === N) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const secs = (performance.now() - t0) / 1000;
    await ctl.idle();
    const writes = server.requests.filter((r) => r.verb !== undefined && ['create', 'update', 'patch'].includes(r.verb)).slice(writesBefore);
    const statusWrites = writes.filter((r) => r.resource === 'services').length;
    const events = writes.filter((r) => r.resource === 'events').length;
    const poolWrites = writes.filter((r) => r.resource === 'ipaddresspools').length;
    const mem = process.memoryUsage().rss / 2 ** 20;
    await ctl.stop();
    return {
      method: `One IPAM controller (in-process, real @kubernetes/client-node informers and REST calls over HTTPS on loopback) against the test API server (e2e/support/apiserver). ${N} Services are created in the server's store as fast as possible (every tenth RequireDualStack); the clock stops when every Service has status.loadBalancer.ingress. Writes are counted from the server's request log. One run; the API server, the controller and the poller share this process and its one event loop.`,
      results: markdownTable(
        ['Services', 'all assigned after', 'per Service', 'status writes / Service', 'events / Service', 'pool status writes', 'RSS (server + controller)'],
        [[done, `${secs.toFixed(2)} s`, `${((secs * 1000) / N).toFixed(3)} ms`, (statusWrites / N).toFixed(2), (events / N).toFixed(2), poolWrites, `${mem.toFixed(0)} MiB`]],
      ),
    };
  } finally {
    await server.stop();
  }
}
