// Standalone mode: the `healthCheck` block of a VIP (docs/health-checks.md) → a typed check definition
// for the HealthMonitor (health/monitor.ts) plus what DOWN means for the route: withdraw (default) or
// keep announcing with worse attributes (higher MED, AS_PATH prepend, extra communities). Problems are
// collected as ConfigIssues with the field's path, like the rest of config.ts.

import { existsSync } from 'node:fs';
import type { CheckSpec } from '../health/checkers.ts';
import type { HealthConfig } from '../health/state.ts';
import type { RouteAttributes } from '@vipd/bgp/export-policy.ts';
import type { ConfigIssue } from './config.ts';

/** Attribute changes applied to a VIP's own attributes while its check is DOWN (whenDown: announce). */
export interface DownAttributes {
  readonly med?: number;
  readonly asPathPrepend?: number;
  /** Appended to the VIP's communities (RFC 1997 values). */
  readonly communities?: readonly number[];
}

export interface VipHealthCheck {
  /** Unique per check; VIPs naming the same check share it (their definitions must be equal). */
  readonly name: string;
  readonly check: CheckSpec;
  readonly timeoutMs: number;
  readonly config: HealthConfig;
  readonly maintenanceFile?: string;
  readonly whenDown: 'withdraw' | 'announce';
  readonly downAttributes: DownAttributes;
}

export const HEALTH_CHECK_KEYS = [
  'name', 'kind', 'url', 'expectStatus', 'bodyContains', 'caFile', 'insecureSkipVerify', 'serverName', 'headers',
  'host', 'port', 'command', 'args', 'expectExitCode',
  'intervalMs', 'fastIntervalMs', 'timeoutMs', 'rise', 'fall', 'holdDownSec', 'drainSec', 'maintenanceFile',
  'whenDown', 'downAttributes',
] as const;

const KIND_KEYS: Readonly<Record<CheckSpec['kind'], readonly string[]>> = {
  http: ['url', 'expectStatus', 'bodyContains', 'caFile', 'insecureSkipVerify', 'serverName', 'headers'],
  tcp: ['host', 'port'],
  exec: ['command', 'args', 'expectExitCode'],
};

type Obj = Record<string, unknown>;

const join = (path: string, k: string | number): string => (typeof k === 'number' ? `${path}[${k}]` : `${path}.${k}`);

/** Reads one healthCheck mapping. `communityOf` is config.ts's parser (one grammar for communities). */
export function parseVipHealthCheck(
  raw: unknown,
  path: string,
  vipPrefix: string | undefined,
  issues: ConfigIssue[],
  communityOf: (s: unknown) => number | undefined,
): VipHealthCheck | undefined {
  const start = issues.length;
  const bad = (k: string, message: string): undefined => {
    issues.push({ path: k === '' ? path : join(path, k), message });
    return undefined;
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('', 'must be a mapping');
  const o = raw as Obj;
  for (const k of Object.keys(o)) if (!(HEALTH_CHECK_KEYS as readonly string[]).includes(k)) bad(k, 'unknown field');
  const int = (k: string, min: number, max: number, dflt: number): number => {
    const v = o[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return bad(k, `must be ${min}..${max}`) ?? dflt;
    return v;
  };
  const str = (k: string, required: boolean): string | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return required ? bad(k, 'is required') : undefined;
    if (typeof v !== 'string' || v === '') return bad(k, 'must be a non-empty string');
    return v;
  };
  const kind = str('kind', true);
  let check: CheckSpec | undefined;
  if (kind !== undefined && !(kind in KIND_KEYS)) bad('kind', 'must be http, tcp or exec ("Kubernetes endpoints" checks belong to the controller)');
  else if (kind !== undefined) {
    for (const [other, keys] of Object.entries(KIND_KEYS)) {
      if (other === kind) continue;
      for (const k of keys) if (o[k] !== undefined && !KIND_KEYS[kind as CheckSpec['kind']].includes(k)) bad(k, `not used by kind ${kind}`);
    }
    check = parseSpec(kind as CheckSpec['kind'], o, str, int, bad);
  }
  const intervalMs = int('intervalMs', 100, 3_600_000, 2000);
  const fastIntervalMs = int('fastIntervalMs', 50, 3_600_000, Math.max(100, Math.min(intervalMs, Math.floor(intervalMs / 4))));
  if (fastIntervalMs > intervalMs) bad('fastIntervalMs', 'must not exceed intervalMs');
  const timeoutMs = int('timeoutMs', 50, 600_000, Math.min(intervalMs, 1000));
  const rise = int('rise', 1, 100, 3);
  const fall = int('fall', 1, 100, 2);
  const holdDownSec = int('holdDownSec', 0, 86_400, 10);
  const drainSec = int('drainSec', 0, 3600, 10);
  const maintenanceFile = str('maintenanceFile', false);
  const whenDown = str('whenDown', false) ?? 'withdraw';
  if (whenDown !== 'withdraw' && whenDown !== 'announce') bad('whenDown', 'must be withdraw or announce');
  const downAttributes = parseDownAttributes(o.downAttributes, join(path, 'downAttributes'), issues, communityOf);
  if (whenDown !== 'announce' && o.downAttributes !== undefined) bad('downAttributes', 'only used with whenDown: announce');
  const name = str('name', false) ?? vipPrefix;
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,62}$/.test(name)) bad('name', 'must be 1..63 of letters, digits and _.:/- (a metric label value)');
  if (issues.length > start || check === undefined || name === undefined) return undefined;
  return {
    name, check, timeoutMs,
    config: { intervalMs, fastIntervalMs, rise, fall, holdDownMs: holdDownSec * 1000, drainMs: drainSec * 1000 },
    ...(maintenanceFile === undefined ? {} : { maintenanceFile }),
    whenDown: whenDown === 'announce' ? 'announce' : 'withdraw',
    downAttributes: downAttributes ?? {},
  };
}

function parseSpec(
  kind: CheckSpec['kind'],
  o: Obj,
  str: (k: string, required: boolean) => string | undefined,
  int: (k: string, min: number, max: number, dflt: number) => number,
  bad: (k: string, message: string) => undefined,
): CheckSpec | undefined {
  if (kind === 'tcp') {
    const host = str('host', true);
    const port = int('port', 1, 65535, 0);
    if (o.port === undefined) bad('port', 'is required');
    return host === undefined ? undefined : { kind, host, port };
  }
  if (kind === 'exec') {
    const command = str('command', true);
    const args = o.args;
    if (args !== undefined && (!Array.isArray(args) || !args.every((a) => typeof a === 'string'))) bad('args', 'must be a list of strings');
    const expectExitCode = int('expectExitCode', 0, 255, 0);
    return command === undefined ? undefined : { kind, command, ...(Array.isArray(args) ? { args: args as string[] } : {}), expectExitCode };
  }
  const url = str('url', true);
  if (url !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(url);
    } catch {
      bad('url', 'must be an absolute http:// or https:// URL');
    }
    if (u !== undefined && u.protocol !== 'http:' && u.protocol !== 'https:') bad('url', 'must be an absolute http:// or https:// URL');
  }
  let expectStatus: [number, number] | undefined;
  const es = o.expectStatus;
  if (es !== undefined) {
    const m = typeof es === 'number' ? [es, es] : typeof es === 'string' ? /^(\d{3})(?:-(\d{3}))?$/.exec(es)?.slice(1).map((x, _i, a) => Number(x ?? a[0])) : undefined;
    if (m === undefined || m.length !== 2 || m[0]! < 100 || m[1]! > 599 || m[0]! > m[1]!) bad('expectStatus', 'must be a status (200) or a range ("200-299")');
    else expectStatus = [m[0]!, m[1]!];
  }
  const bodyContains = str('bodyContains', false);
  const caFile = str('caFile', false);
  if (caFile !== undefined && !existsSync(caFile)) bad('caFile', 'file not found');
  const insecure = o.insecureSkipVerify;
  if (insecure !== undefined && typeof insecure !== 'boolean') bad('insecureSkipVerify', 'must be true or false');
  const serverName = str('serverName', false);
  const headers = o.headers;
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Object.values(headers).some((h) => typeof h !== 'string'))) {
    bad('headers', 'must be a mapping of strings');
  }
  if (url === undefined) return undefined;
  return {
    kind, url,
    ...(expectStatus === undefined ? {} : { expectStatus }),
    ...(bodyContains === undefined ? {} : { bodyContains }),
    ...(caFile === undefined ? {} : { caFile }),
    ...(insecure === true ? { insecureSkipVerify: true } : {}),
    ...(serverName === undefined ? {} : { serverName }),
    ...(headers === undefined ? {} : { headers: headers as Record<string, string> }),
  };
}

function parseDownAttributes(raw: unknown, path: string, issues: ConfigIssue[], communityOf: (s: unknown) => number | undefined): DownAttributes | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    issues.push({ path, message: 'must be a mapping' });
    return undefined;
  }
  const o = raw as Obj;
  const out: { med?: number; asPathPrepend?: number; communities?: number[] } = {};
  for (const k of Object.keys(o)) if (!['med', 'asPathPrepend', 'communities'].includes(k)) issues.push({ path: join(path, k), message: 'unknown field' });
  const u32 = (k: string, max: number): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max) return v;
    issues.push({ path: join(path, k), message: `must be 0..${max}` });
    return undefined;
  };
  const med = u32('med', 0xffffffff);
  const prepend = u32('asPathPrepend', 32);
  if (med !== undefined) out.med = med;
  if (prepend !== undefined) out.asPathPrepend = prepend;
  if (o.communities !== undefined) {
    if (!Array.isArray(o.communities)) issues.push({ path: join(path, 'communities'), message: 'must be a list' });
    else {
      out.communities = [];
      o.communities.forEach((c, i) => {
        const v = communityOf(c);
        if (v === undefined) issues.push({ path: join(join(path, 'communities'), i), message: 'must be "asn:value" (each 0..65535) or a well-known name' });
        else out.communities!.push(v);
      });
    }
  }
  return out;
}

/** VIPs sharing a check name must carry the same definition. */
export function checkSharedHealthNames(vips: readonly ({ readonly healthCheck?: VipHealthCheck } | undefined)[]): ConfigIssue[] {
  const seen = new Map<string, { index: number; json: string }>();
  const issues: ConfigIssue[] = [];
  vips.forEach((v, i) => {
    const hc = v?.healthCheck;
    if (hc === undefined) return;
    const json = JSON.stringify(hc);
    const prev = seen.get(hc.name);
    if (prev === undefined) seen.set(hc.name, { index: i, json });
    else if (prev.json !== json) issues.push({ path: `vips[${i}].healthCheck.name`, message: `differs from the check of the same name in vips[${prev.index}]` });
  });
  return issues;
}

/** The VIP's attributes while its check is DOWN and whenDown is announce. */
export function degradeAttributes(base: RouteAttributes, d: DownAttributes): RouteAttributes {
  return {
    ...base,
    ...(d.med === undefined ? {} : { med: d.med }),
    ...(d.asPathPrepend === undefined ? {} : { asPathPrepend: (base.asPathPrepend ?? 0) + d.asPathPrepend }),
    ...(d.communities === undefined || d.communities.length === 0 ? {} : { communities: [...(base.communities ?? []), ...d.communities] }),
  };
}
