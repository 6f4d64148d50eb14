// Test plumbing (not part of vipd): lets a process inside a network namespace reach the in-process
// test API server of the e2e test. Inside the namespace this program listens on TCP (loopback) and
// pipes every connection to a Unix socket, whose path is reachable across namespaces; the test
// process serves that socket and pipes it on to the API server on its own loopback
// (`serveUnixToTcp`). Bytes pass through untouched, so TLS is end to end and the kubeconfig is the
// same everywhere (https://127.0.0.1:PORT). When the API server goes away both sides close.
//   node e2e/support/tcp-unix-relay.ts <listen-host> <listen-port> <unix-path>

import net from 'node:net';

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

/** Test-process side: a Unix socket server piping each connection to host:port. */
export function serveUnixToTcp(path: string, host: string, port: number): Promise<net.Server> {
  const server = net.createServer((c) => pipe(c, net.connect({ host, port })));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [host, port, path] = process.argv.slice(2) as [string, string, string];
  const server = net.createServer({ noDelay: true }, (c) => pipe(c, net.connect({ path })));
  server.listen({ host, port: Number(port) }, () => process.stdout.write(`relay listening on ${host}:${port} -> ${path}\n`));
  process.on('SIGTERM', () => process.exit(0));
}
