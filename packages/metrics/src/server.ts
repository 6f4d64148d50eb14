// The metrics and status HTTP server, built apart from listen() so tests use inject():
//   GET /metrics            Prometheus text exposition of the registry
//   GET /healthz            liveness: 200 while the event loop answers
//   GET /readyz             200 once configuration is loaded and the initial sync is done, else 503
//   GET /api/v1/status      summary (version, node, readiness, counts)
//   GET /api/v1/peers       sessions: state, uptime, negotiated capabilities, prefixes, last error
//   GET /api/v1/routes      VIP prefixes, the peers they go to, their attributes
//   GET /api/v1/decisions   announcement decision per Service with reasons
//   GET /api/v1/health-checks
//   PUT /api/v1/health-checks/:name/maintenance {"enabled": bool}  only when `healthMaintenance` is passed
//   GET|PUT /api/v1/log-level  only when `logLevel` is passed (off by default: it is a mutation)
// Every JSON response passes through scrubSecrets (scrub.ts). Documented in docs/metrics.md.

import { readFileSync } from 'node:fs';
import { fastify, LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { Registry } from 'prom-client';
import type { DecisionReason } from './labels.ts';
import { isLogLevel, type LogLevelControl } from './logging.ts';
import { scrubSecrets } from './scrub.ts';
import {
  DEFAULT_HTTP_PORT,
  type DecisionsResponse,
  type HealthChecksResponse,
  type PeerView,
  type PeersResponse,
  type ReadyResponse,
  type Readiness,
  type RoutesResponse,
  type StatusProvider,
  type StatusResponse,
} from './status.ts';

export interface TlsFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface ServerOptions {
  readonly registry: Registry;
  readonly status: StatusProvider;
  readonly readiness: Readiness;
  /** The `server` component logger; silent when absent. */
  readonly logger?: PinoLogger;
  /** Serve HTTPS with this certificate and key (PEM files read once at build time). */
  readonly tls?: TlsFiles;
  /** Enables GET/PUT /api/v1/log-level. */
  readonly logLevel?: LogLevelControl;
  /** Enables PUT /api/v1/health-checks/:name/maintenance; returns false for an unknown check. */
  readonly healthMaintenance?: (name: string, enabled: boolean) => boolean;
  readonly now?: () => number;
}

/** A stable error code in every non-2xx JSON body; clients branch on it, never on text. */
export type ApiErrorCode = 'status-unavailable' | 'bad-request' | 'not-found';

export class ListenAddressError extends Error {
  readonly code = 'invalid-listen-address';
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses "host:port", "[v6]:port", ":port" (all addresses) or "host" (default port).
 * Throws ListenAddressError on anything else.
 */
export function parseListenAddress(value: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))(?::(\d{1,5}))?$/.exec(value.trim());
  if (m === null) throw new ListenAddressError(`invalid listen address "${value}"`);
  const host = m[1] ?? (m[2] === '' || m[2] === undefined ? '0.0.0.0' : m[2]);
  const port = m[3] === undefined ? DEFAULT_HTTP_PORT : Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ListenAddressError(`invalid port in "${value}"`);
  return { host, port };
}

function sendError(reply: FastifyReply, status: number, code: ApiErrorCode): FastifyReply {
  return reply.code(status).type('application/json').send({ error: { code } });
}

export function buildServer(options: ServerOptions): FastifyInstance {
  const now = options.now ?? Date.now;
  const common = {
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  };
  const withLogger = options.logger === undefined ? { logger: false } : { loggerInstance: options.logger };
  const app = (
    options.tls === undefined
      ? fastify({ ...common, ...withLogger })
      : fastify({
          ...common,
          ...withLogger,
          https: { cert: readFileSync(options.tls.certPath), key: readFileSync(options.tls.keyPath) },
        })
  ) as unknown as FastifyInstance;
  const { status, readiness, registry } = options;

  app.setNotFoundHandler((_req, reply) => sendError(reply, 404, 'not-found'));
  app.setErrorHandler((err: { statusCode?: number }, req, reply) => {
    const code = err.statusCode !== undefined && err.statusCode < 500 ? err.statusCode : 500;
    if (code >= 500) req.log.error({ err }, 'status API handler failed');
    return sendError(reply, code, code >= 500 ? 'status-unavailable' : 'bad-request');
  });

  const json = (reply: FastifyReply, body: unknown): FastifyReply =>
    reply.type('application/json').header('cache-control', 'no-store').send(scrubSecrets(body));

  app.get('/metrics', async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(text);
  });

  app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok\n'));

  const readyState = (): ReadyResponse => {
    const configLoaded = readiness.isConfigLoaded();
    const initialSyncDone = readiness.isInitialSyncDone();
    return { ready: configLoaded && initialSyncDone, configLoaded, initialSyncDone };
  };
  app.get('/readyz', async (_req, reply) => {
    const r = readyState();
    return json(reply.code(r.ready ? 200 : 503), r);
  });

  app.get('/api/v1/status', async (_req, reply) => {
    const [info, peers, routes, decisions, checks] = await Promise.all([
      status.info(),
      status.peers(),
      status.routes(),
      status.decisions(),
      status.healthChecks(),
    ]);
    const counts: Partial<Record<DecisionReason, number>> = {};
    for (const d of decisions) counts[d.reason] = (counts[d.reason] ?? 0) + 1;
    const t = now();
    const body: StatusResponse = {
      info,
      ready: readyState().ready,
      uptimeSec: Math.max(0, Math.floor((t - info.startedAtMs) / 1000)),
      peers: { total: peers.length, established: peers.filter((p) => p.state === 'Established').length },
      routes: { total: routes.length, pending: routes.filter((r) => r.pendingPeers.length > 0).length },
      decisions: counts,
      healthChecks: {
        total: checks.length,
        up: checks.filter((c) => c.state === 'up').length,
        down: checks.filter((c) => c.state === 'down').length,
      },
      generatedAtMs: t,
    };
    return json(reply, body);
  });

  app.get('/api/v1/peers', async (_req, reply) => {
    const t = now();
    const peers: PeerView[] = (await status.peers()).map((p) => {
      const stateForSec = Math.max(0, Math.floor((t - p.stateSinceMs) / 1000));
      return { ...p, stateForSec, uptimeSec: p.state === 'Established' ? stateForSec : null };
    });
    const body: PeersResponse = { peers, generatedAtMs: t };
    return json(reply, body);
  });

  app.get('/api/v1/routes', async (_req, reply) => {
    const body: RoutesResponse = { routes: await status.routes(), generatedAtMs: now() };
    return json(reply, body);
  });

  app.get('/api/v1/decisions', async (_req, reply) => {
    const body: DecisionsResponse = { decisions: await status.decisions(), generatedAtMs: now() };
    return json(reply, body);
  });

  app.get('/api/v1/health-checks', async (_req, reply) => {
    const body: HealthChecksResponse = { healthChecks: await status.healthChecks(), generatedAtMs: now() };
    return json(reply, body);
  });

  const maintenance = options.healthMaintenance;
  if (maintenance !== undefined) {
    app.put('/api/v1/health-checks/:name/maintenance', async (req, reply) => {
      const name = (req.params as { name: string }).name;
      const enabled = (req.body as { enabled?: unknown } | null | undefined)?.enabled;
      if (typeof enabled !== 'boolean') return sendError(reply, 400, 'bad-request');
      if (!maintenance(name, enabled)) return sendError(reply, 404, 'not-found');
      req.log.warn({ check: name, maintenance: enabled }, 'health-check maintenance switched through the status API');
      const check = (await status.healthChecks()).find((c) => c.name === name) ?? null;
      return json(reply, { name, maintenance: enabled, check });
    });
  }

  const logLevel = options.logLevel;
  if (logLevel !== undefined) {
    app.get('/api/v1/log-level', async (_req, reply) => json(reply, { level: logLevel.get() }));
    app.put('/api/v1/log-level', async (req, reply) => {
      const level = (req.body as { level?: unknown } | null | undefined)?.level;
      if (!isLogLevel(level)) return sendError(reply, 400, 'bad-request');
      const previous = logLevel.get();
      logLevel.set(level);
      req.log.warn({ previous, level }, 'log level changed through the status API');
      return json(reply, { level });
    });
  }

  return app;
}

/** Starts listening; returns the bound address (useful with port 0). */
export async function listenServer(app: FastifyInstance, address: ListenAddress): Promise<string> {
  return app.listen({ host: address.host, port: address.port });
}
