// The HTTP client behind `vipd status|peers|routes`: GETs a running vipd's status API (docs/metrics.md)
// over http or https (optional CA file or --insecure), bounded by a timeout, and reports failures as a
// typed StatusClientError. Shared option parsing for the three commands lives here too.

import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parseArgs } from 'node:util';
// status.ts directly, not the @vipd/metrics index: the CLI must not load fastify, pino and prom-client.
import { DEFAULT_HTTP_PORT } from '@vipd/metrics/status.ts';

export const DEFAULT_STATUS_URL = `http://127.0.0.1:${DEFAULT_HTTP_PORT}`;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export type StatusClientErrorCode = 'connection-failed' | 'timeout' | 'http-error' | 'bad-response' | 'usage';

export class StatusClientError extends Error {
  readonly code: StatusClientErrorCode;
  readonly status: number | undefined;
  constructor(code: StatusClientErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'StatusClientError';
    this.code = code;
    this.status = status;
  }
}

export interface ClientOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly caPath?: string;
  readonly isInsecure?: boolean;
}

export interface CommonArgs {
  readonly client: ClientOptions;
  readonly isJson: boolean;
  readonly isHelp: boolean;
  readonly positionals: readonly string[];
}

export const COMMON_USAGE = [
  '  --url URL        the vipd status API (default $VIPD_URL or ' + DEFAULT_STATUS_URL + ')',
  '  --json           print the API response as JSON',
  '  --timeout SEC    give up after SEC seconds (default 5)',
  '  --ca FILE        CA certificate for an https URL',
  '  --insecure       do not verify the https certificate',
].join('\n');

/** Parses the options the status commands share; throws StatusClientError('usage') on bad input. */
export function parseCommonArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CommonArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '5' },
        ca: { type: 'string' },
        insecure: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new StatusClientError('usage', (err as Error).message);
  }
  const v = parsed.values;
  const timeoutSec = Number(v.timeout);
  if (!Number.isFinite(timeoutSec) || timeoutSec <= 0 || timeoutSec > 600) {
    throw new StatusClientError('usage', `--timeout must be a number of seconds in (0, 600]`);
  }
  const url = v.url ?? env.VIPD_URL ?? DEFAULT_STATUS_URL;
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new StatusClientError('usage', `--url is not a URL: ${url}`);
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') {
    throw new StatusClientError('usage', '--url must be http:// or https://');
  }
  return {
    client: {
      url,
      timeoutMs: Math.round(timeoutSec * 1000),
      ...(v.ca === undefined ? {} : { caPath: v.ca }),
      isInsecure: v.insecure === true,
    },
    isJson: v.json === true,
    isHelp: v.help === true,
    positionals: parsed.positionals,
  };
}

/** GETs `path` (e.g. "/api/v1/peers") and returns the parsed JSON body. */
export async function getJson<T>(options: ClientOptions, path: string): Promise<T> {
  const base = new URL(options.url);
  const target = new URL(path, base.href.endsWith('/') ? base.href : `${base.href}/`);
  // A path under the base URL (a vipd behind a reverse proxy prefix) keeps the prefix.
  target.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  const isHttps = target.protocol === 'https:';
  const request = isHttps ? httpsRequest : httpRequest;
  const tls = isHttps
    ? { ...(options.caPath === undefined ? {} : { ca: readFileSync(options.caPath) }), rejectUnauthorized: options.isInsecure !== true }
    : {};
  return new Promise<T>((resolve, reject) => {
    const req = request(target, { method: 'GET', headers: { accept: 'application/json' }, timeout: options.timeoutMs, ...tls }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new StatusClientError('bad-response', 'response too large'));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          let code = '';
          try {
            code = String((JSON.parse(text) as { error?: { code?: unknown } }).error?.code ?? '');
          } catch {
            code = '';
          }
          reject(new StatusClientError('http-error', `${target.pathname}: HTTP ${status}${code ? ` (${code})` : ''}`, status));
          return;
        }
        try {
          resolve(JSON.parse(text) as T);
        } catch {
          reject(new StatusClientError('bad-response', `${target.pathname}: response is not JSON`, status));
        }
      });
      res.on('error', (err) => reject(new StatusClientError('connection-failed', err.message)));
    });
    req.on('timeout', () => req.destroy(new StatusClientError('timeout', `no answer from ${target.origin} within ${options.timeoutMs} ms`)));
    req.on('error', (err) => {
      reject(err instanceof StatusClientError ? err : new StatusClientError('connection-failed', `cannot reach ${target.origin}: ${err.message}`));
    });
    req.end();
  });
}

/**
 * Runs a status command body with the shared error handling: usage errors exit 2, failures to query
 * the daemon exit 1 with one line on stderr.
 */
export async function runStatusCommand(
  argv: readonly string[],
  usage: string,
  body: (args: CommonArgs, out: (s: string) => void) => Promise<void>,
): Promise<number> {
  const out = (s: string): void => {
    process.stdout.write(s);
  };
  let args: CommonArgs;
  try {
    args = parseCommonArgs(argv);
  } catch (err) {
    process.stderr.write(`vipd: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (args.isHelp) {
    out(`${usage}\n`);
    return 0;
  }
  try {
    await body(args, out);
    return 0;
  } catch (err) {
    if (err instanceof StatusClientError) {
      process.stderr.write(`vipd: ${err.message}\n`);
      return err.code === 'usage' ? 2 : 1;
    }
    throw err;
  }
}
