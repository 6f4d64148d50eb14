// Data-path traffic: an HTTP/1.1 keep-alive server that answers with its node's name, and a client that
// keeps N connections open and sends requests one after another on each (bounded count and time),
// recording per request the outcome, latency and answering node. Aimed only at lab VIPs.
import { createServer, Agent, request } from 'node:http';
import type { Server } from 'node:http';
import { nowMs } from './udp-stream.ts';

export async function startHttpServer(address: string, port: number, node: string): Promise<{ close(): Promise<void> }> {
  const server: Server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-node': node });
      res.end(node);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface HttpLoadOptions {
  readonly target: string;
  readonly port: number;
  readonly source?: string;
  /** Keep-alive connections (each sends its requests one after another). */
  readonly connections: number;
  /** Pause between a response and the next request on a connection. */
  readonly intervalMs: number;
  /** Per-request timeout. */
  readonly timeoutMs: number;
  readonly maxDurationMs: number;
  readonly maxRequests: number;
}

export interface HttpRecord {
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  /** Per request: connection index, send time, latency (ms), node ('' = failure), error code if any. */
  readonly requests: Array<{ conn: number; atMs: number; ms: number; node: string; error?: string }>;
}

export interface HttpLoad {
  stop(): Promise<HttpRecord>;
  readonly done: Promise<HttpRecord>;
}

export function startHttpLoad(o: HttpLoadOptions): HttpLoad {
  const requests: HttpRecord['requests'] = [];
  const startedAtMs = nowMs();
  let stopped = false;
  const agents = Array.from({ length: o.connections }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const one = (conn: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const atMs = nowMs();
      const finish = (node: string, error?: string) => {
        requests.push({ conn, atMs, ms: nowMs() - atMs, node, ...(error === undefined ? {} : { error }) });
        resolve();
      };
      const req = request(
        { host: o.target, port: o.port, path: '/', agent: agents[conn]!, timeout: o.timeoutMs, ...(o.source === undefined ? {} : { localAddress: o.source }) },
        (res) => {
          let body = '';
          res.setEncoding('ascii');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => finish(res.statusCode === 200 ? body : '', res.statusCode === 200 ? undefined : `HTTP_${res.statusCode}`));
          res.on('error', (e: NodeJS.ErrnoException) => finish('', e.code ?? 'ERR'));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => finish('', e.code ?? 'ERR'));
      req.end();
    });
  const loop = async (conn: number) => {
    while (!stopped && requests.length < o.maxRequests && nowMs() - startedAtMs < o.maxDurationMs) {
      await one(conn);
      if (o.intervalMs > 0) await new Promise((r) => setTimeout(r, o.intervalMs));
    }
  };
  const done = Promise.all(Array.from({ length: o.connections }, (_, c) => loop(c))).then(() => {
    for (const a of agents) a.destroy();
    return { startedAtMs, endedAtMs: nowMs(), requests };
  });
  return {
    done,
    stop: () => {
      stopped = true;
      return done;
    },
  };
}

export interface HttpSummary {
  readonly requests: number;
  readonly failures: number;
  readonly errors: Record<string, number>;
  readonly perNode: Record<string, number>;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

export function summarizeHttp(r: HttpRecord): HttpSummary {
  const perNode: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const lat: number[] = [];
  for (const q of r.requests) {
    if (q.node === '') errors[q.error ?? 'ERR'] = (errors[q.error ?? 'ERR'] ?? 0) + 1;
    else {
      perNode[q.node] = (perNode[q.node] ?? 0) + 1;
      lat.push(q.ms);
    }
  }
  lat.sort((a, b) => a - b);
  const pct = (p: number) => (lat.length === 0 ? Number.NaN : lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)]!);
  return {
    requests: r.requests.length,
    failures: r.requests.length - lat.length,
    errors,
    perNode,
    latencyMs: { p50: pct(50), p99: pct(99), max: lat.at(-1) ?? Number.NaN },
  };
}
