// `vipd maintenance [<check> on|off]`: the health-check maintenance switch of a running vipd through
// its status API (PUT /api/v1/health-checks/:name/maintenance, served on a loopback status address).
// "on" drains the check's VIPs: announce with GRACEFUL_SHUTDOWN (RFC 8326 §5), wait the check's
// drainSec, withdraw; "off" returns them through the normal rise path. Without arguments: list checks.

import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { HealthCheckStatus, HealthChecksResponse } from '@vipd/metrics/status.ts';
import { COMMON_USAGE, StatusClientError, getJson, runStatusCommand, type ClientOptions } from '../status-cli/client.ts';
import { renderTable } from '../status-cli/format.ts';

export const summary = 'switch a health check into or out of maintenance (drain with GRACEFUL_SHUTDOWN, then withdraw)';

const USAGE = `usage: vipd maintenance [<check> on|off] [options]
  without arguments: list the health checks and their state
${COMMON_USAGE}`;

function putJson<T>(options: ClientOptions, path: string, body: unknown): Promise<T> {
  const base = new URL(options.url);
  const target = new URL(base.href);
  target.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  const isHttps = target.protocol === 'https:';
  const tls = isHttps ? { ...(options.caPath === undefined ? {} : { ca: readFileSync(options.caPath) }), rejectUnauthorized: options.isInsecure !== true } : {};
  const payload = JSON.stringify(body);
  return new Promise<T>((resolve, reject) => {
    const req = (isHttps ? httpsRequest : httpRequest)(
      target,
      { method: 'PUT', headers: { 'content-type': 'application/json', accept: 'application/json' }, timeout: options.timeoutMs, ...tls },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < 1 << 20) text += c;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            reject(new StatusClientError('bad-response', `${target.pathname}: response is not JSON`, status));
            return;
          }
          if (status < 200 || status >= 300) {
            const code = (parsed as { error?: { code?: string } }).error?.code ?? '';
            reject(new StatusClientError('http-error', `${target.pathname}: HTTP ${status}${code ? ` (${code})` : ''}`, status));
          } else resolve(parsed as T);
        });
      },
    );
    req.on('timeout', () => req.destroy(new StatusClientError('timeout', `no answer from ${target.origin} within ${options.timeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof StatusClientError ? err : new StatusClientError('connection-failed', `cannot reach ${target.origin}: ${err.message}`)));
    req.end(payload);
  });
}

function renderChecks(checks: readonly HealthCheckStatus[]): string {
  if (checks.length === 0) return 'no health checks';
  return renderTable(
    ['CHECK', 'KIND', 'STATE', 'ROUTE', 'MAINTENANCE', 'LAST', 'VIPS'],
    checks.map((c) => [c.name, c.kind, c.phase ?? c.state, c.route ?? '-', c.maintenance === true ? 'on' : 'off', c.lastDetail ?? '-', c.vips.join(',')]),
  );
}

export async function run(argv: string[]): Promise<number> {
  return runStatusCommand(argv, USAGE, async (args, out) => {
    const [name, mode, ...rest] = args.positionals;
    if (name === undefined) {
      const r = await getJson<HealthChecksResponse>(args.client, '/api/v1/health-checks');
      out(args.isJson ? `${JSON.stringify(r, null, 2)}\n` : `${renderChecks(r.healthChecks)}\n`);
      return;
    }
    if ((mode !== 'on' && mode !== 'off') || rest.length > 0) throw new StatusClientError('usage', `expected: vipd maintenance <check> on|off\n${USAGE}`);
    try {
      const r = await putJson<{ name: string; maintenance: boolean; check: HealthCheckStatus | null }>(
        args.client,
        `/api/v1/health-checks/${encodeURIComponent(name)}/maintenance`,
        { enabled: mode === 'on' },
      );
      out(args.isJson ? `${JSON.stringify(r, null, 2)}\n` : `${name}: maintenance ${mode}${r.check === null ? '' : ` (state ${r.check.phase ?? r.check.state}, route ${r.check.route ?? '-'})`}\n`);
    } catch (err) {
      if (err instanceof StatusClientError && err.status === 404) {
        throw new StatusClientError('http-error', `no health check named ${name} (or the maintenance switch is off: status address not loopback)`, 404);
      }
      throw err;
    }
  });
}
