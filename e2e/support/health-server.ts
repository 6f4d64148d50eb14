// Lab server for the health-check e2e tests, run inside a node namespace:
//   node health-server.ts --address A --port P --node NAME --mode-file FILE
// GET /livez and /healthz answer according to the mode file's content, read on every request:
// "ok" (or no file) → 200, "fail" → 503, "alternate" → 200 and 503 in turn (a flapping check).
// Every other path answers 200 with the node's name (body and x-node header), like the data-path
// lab's HTTP server, so the traffic generator of e2e/support/traffic can count which node served.
// Prints {"msg":"serving"} once listening; stops on SIGTERM.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: v } = parseArgs({ options: { address: { type: 'string' }, port: { type: 'string' }, node: { type: 'string' }, 'mode-file': { type: 'string' } } });
const node = v.node ?? 'node';
let flip = false;

function mode(): string {
  try {
    return readFileSync(v['mode-file'] ?? '', 'utf8').trim();
  } catch {
    return 'ok';
  }
}

const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
  req.resume();
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/livez' || path === '/healthz' || path === '/readyz') {
    const m = mode();
    flip = !flip;
    const ok = m === 'ok' || (m === 'alternate' && flip);
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(ok ? 'ok' : 'unhealthy');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'x-node': node });
  res.end(node);
});
server.listen(Number(v.port), v.address ?? '127.0.0.1', () => process.stdout.write(JSON.stringify({ msg: 'serving', node }) + '\n'));
const stop = (): void => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
