// Standalone test API server process (not part of Kubernetes), for vipd node processes running in
// their own network namespaces:
//   node e2e/support/apiserver/main.ts --port 18403 [--host 10.99.0.1] [--advertise 10.99.0.1]
//     [--san IP:10.99.1.1 ...] [--token T] [--kubeconfig PATH] [--no-tls] [--bookmark-interval-ms N]
//     [--history-limit N] [--watch-timeout-ms N]
// It prints one JSON line {"url","kubeconfig","pid"} once listening, and stops on SIGTERM/SIGINT.
// Tests control it over HTTP with the same bearer token: GET /_test/requests, GET /_test/writes,
// POST /_test/compact, POST /_test/clear-log, POST /_test/restart?downMs=N&dropHistory=true.

import { parseArgs } from 'node:util';
import { TestApiServer } from './test-api-server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '18403' },
    host: { type: 'string', default: '127.0.0.1' },
    advertise: { type: 'string' },
    san: { type: 'string', multiple: true },
    token: { type: 'string' },
    kubeconfig: { type: 'string' },
    'no-tls': { type: 'boolean', default: false },
    'bookmark-interval-ms': { type: 'string' },
    'history-limit': { type: 'string' },
    'watch-timeout-ms': { type: 'string' },
  },
});

const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));

const server = new TestApiServer({
  host: values.host,
  advertiseHost: values.advertise,
  tlsSans: values.san,
  port: Number(values.port),
  token: values.token,
  tls: !values['no-tls'],
  bookmarkIntervalMs: num(values['bookmark-interval-ms']),
  historyLimit: num(values['history-limit']),
  defaultWatchTimeoutMs: num(values['watch-timeout-ms']),
});

await server.start();
const kubeconfig = values.kubeconfig === undefined ? undefined : server.writeKubeconfig(values.kubeconfig);
process.stdout.write(`${JSON.stringify({ url: server.url, kubeconfig, pid: process.pid })}\n`);

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  void server.stop({ graceful: true }).finally(() => {
    server.dispose();
    process.exit(0);
  });
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
