// Test plumbing (not part of vipd): makes a TCP port on a namespace's loopback reachable on the root
// namespace's loopback, so a Prometheus started by the test in the root namespace can scrape a vipd
// whose metrics listen on 127.0.0.1 inside its namespace. Inside the namespace this program listens on
// a Unix socket (paths cross namespaces) and pipes every connection to host:port there; the test side
// (`forwardToNamespace`) listens on root loopback and pipes to that socket. No traffic leaves loopback.
//   node e2e/support/ns-port-forward.ts <unix-path> <target-host> <target-port>

import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Topology } from './netns.ts';
import { waitFor } from './exec.ts';

const SELF = fileURLToPath(import.meta.url);

function pipe(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

/**
 * Root loopback `listenPort` → (Unix socket) → `targetHost:targetPort` inside `ns`. Stopped with the
 * topology (the in-namespace half is one of its processes; the root listener closes in onDestroy).
 */
export async function forwardToNamespace(topo: Topology, ns: string, targetHost: string, targetPort: number, listenPort: number): Promise<void> {
  const path = join(topo.dir, `fwd-${listenPort}.sock`);
  const proc = topo.spawnIn(ns, [process.execPath, SELF, path, targetHost, String(targetPort)], { logFile: join(topo.dir, `fwd-${listenPort}.log`) });
  await waitFor(() => proc.readLog().includes('forwarding'), { timeoutMs: 10_000, intervalMs: 50, what: 'namespace forwarder' });
  const open = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (c) => {
    open.add(c);
    c.once('close', () => open.delete(c));
    pipe(c, net.connect({ path }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: listenPort }, () => resolve());
  });
  topo.onDestroy(() => {
    for (const c of open) c.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [path, host, port] = process.argv.slice(2) as [string, string, string];
  const server = net.createServer((c) => pipe(c, net.connect({ host, port: Number(port) })));
  server.listen(path, () => process.stdout.write(`forwarding ${path} -> ${host}:${port}\n`));
  process.on('SIGTERM', () => process.exit(0));
}
