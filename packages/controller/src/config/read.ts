// Field readers for parsing configuration objects from unknown JSON: each reads one field, checks its
// type and bounds, returns the value (or the default) and records problems as Issues. Unknown fields
// are errors, as with the API server's strict field validation, so a typo never silently does nothing.

import { type ConfigReason, type Issue, issue } from './issues.ts';
import { parseIp } from './ip.ts';
import type { ObjectMeta } from './types.ts';

export interface Ctx {
  readonly errors: Issue[];
  readonly warnings: Issue[];
}

export function newCtx(): Ctx {
  return { errors: [], warnings: [] };
}

export type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a nested object; undefined when absent (or wrong type, which is recorded). */
export function readObj(ctx: Ctx, o: Obj, key: string, path: string, required = false): Obj | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) ctx.errors.push(issue(at(path, key), 'is required', 'MissingField'));
    return undefined;
  }
  if (!isObj(v)) {
    ctx.errors.push(issue(at(path, key), 'must be an object', 'InvalidField'));
    return undefined;
  }
  return v;
}

export function checkKnown(ctx: Ctx, o: Obj, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) ctx.errors.push(issue(at(path, k), 'unknown field', 'InvalidField'));
  }
}

export function readString(
  ctx: Ctx,
  o: Obj,
  key: string,
  path: string,
  opts: { required?: boolean; maxLength?: number; pattern?: RegExp; reason?: ConfigReason } = {},
): string | undefined {
  const v = o[key];
  const p = at(path, key);
  if (v === undefined || v === null) {
    if (opts.required) ctx.errors.push(issue(p, 'is required', 'MissingField'));
    return undefined;
  }
  if (typeof v !== 'string') {
    ctx.errors.push(issue(p, 'must be a string', 'InvalidField'));
    return undefined;
  }
  if (opts.maxLength !== undefined && v.length > opts.maxLength) {
    ctx.errors.push(issue(p, `must be at most ${opts.maxLength} characters`, opts.reason ?? 'InvalidField'));
    return undefined;
  }
  if (opts.pattern !== undefined && !opts.pattern.test(v)) {
    ctx.errors.push(issue(p, 'has an invalid format', opts.reason ?? 'InvalidField'));
    return undefined;
  }
  return v;
}

export function readInt(
  ctx: Ctx,
  o: Obj,
  key: string,
  path: string,
  opts: { min: number; max: number; reason?: ConfigReason; required?: boolean },
): number | undefined {
  const v = o[key];
  const p = at(path, key);
  if (v === undefined || v === null) {
    if (opts.required) ctx.errors.push(issue(p, 'is required', 'MissingField'));
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    ctx.errors.push(issue(p, 'must be an integer', opts.reason ?? 'InvalidField'));
    return undefined;
  }
  if (v < opts.min || v > opts.max) {
    ctx.errors.push(issue(p, `must be between ${opts.min} and ${opts.max}`, opts.reason ?? 'InvalidField'));
    return undefined;
  }
  return v;
}

export function readBool(ctx: Ctx, o: Obj, key: string, path: string, def: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'boolean') {
    ctx.errors.push(issue(at(path, key), 'must be true or false', 'InvalidField'));
    return def;
  }
  return v;
}

export function readEnum<T extends string>(ctx: Ctx, o: Obj, key: string, path: string, values: readonly T[], def: T): T {
  const v = o[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    ctx.errors.push(issue(at(path, key), `must be one of ${values.join(', ')}`, 'InvalidField'));
    return def;
  }
  return v as T;
}

/** Reads a list; each element goes through `each` (which records its own problems). */
export function readList<T>(
  ctx: Ctx,
  o: Obj,
  key: string,
  path: string,
  each: (v: unknown, path: string) => T | undefined,
  opts: { maxItems?: number; unique?: boolean } = {},
): T[] {
  const v = o[key];
  const p = at(path, key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    ctx.errors.push(issue(p, 'must be a list', 'InvalidField'));
    return [];
  }
  if (opts.maxItems !== undefined && v.length > opts.maxItems) {
    ctx.errors.push(issue(p, `must have at most ${opts.maxItems} items`, 'InvalidField'));
  }
  if (opts.unique && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) {
    ctx.errors.push(issue(p, 'must not contain duplicates', 'InvalidField'));
  }
  const out: T[] = [];
  v.forEach((item: unknown, i) => {
    const r = each(item, `${p}[${i}]`);
    if (r !== undefined) out.push(r);
  });
  return out;
}

/** RFC 1123 DNS subdomain, the rule for object names. */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 1123 DNS label (≤63). */
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function readName(ctx: Ctx, v: unknown, path: string): string | undefined {
  if (typeof v !== 'string' || !DNS_SUBDOMAIN.test(v)) {
    ctx.errors.push(issue(path, 'must be a DNS subdomain name', 'InvalidName'));
    return undefined;
  }
  return v;
}

export function readIp(ctx: Ctx, o: Obj, key: string, path: string, required = false): string | undefined {
  const v = readString(ctx, o, key, path, { required });
  if (v === undefined) return undefined;
  if (parseIp(v) === undefined) {
    ctx.errors.push(issue(at(path, key), 'must be an IPv4 or IPv6 address', 'InvalidAddress'));
    return undefined;
  }
  return v;
}

/** Reads `metadata` (name required; generation and labels optional). */
export function readMeta(ctx: Ctx, raw: Obj): ObjectMeta {
  const md = readObj(ctx, raw, 'metadata', '', true) ?? {};
  const name = readName(ctx, md['name'], 'metadata.name') ?? '';
  const g = md['generation'];
  const labelsRaw = md['labels'];
  const labels: Record<string, string> = {};
  if (isObj(labelsRaw)) for (const [k, v] of Object.entries(labelsRaw)) if (typeof v === 'string') labels[k] = v;
  return { name, generation: typeof g === 'number' ? g : undefined, labels };
}

/** Checks apiVersion/kind/top-level fields and returns metadata and `spec` ({} when absent). */
export function readEnvelope(ctx: Ctx, raw: unknown, kind: string): { meta: ObjectMeta; spec: Obj } | undefined {
  if (!isObj(raw)) {
    ctx.errors.push(issue('', 'must be an object', 'InvalidField'));
    return undefined;
  }
  if (raw['apiVersion'] !== 'vipd.io/v1alpha1') ctx.errors.push(issue('apiVersion', 'must be vipd.io/v1alpha1', 'InvalidField'));
  if (raw['kind'] !== kind) ctx.errors.push(issue('kind', `must be ${kind}`, 'InvalidField'));
  checkKnown(ctx, raw, ['apiVersion', 'kind', 'metadata', 'spec', 'status'], '');
  const meta = readMeta(ctx, raw);
  const spec = readObj(ctx, raw, 'spec', '', false) ?? {};
  return { meta, spec };
}

/** Joins a path and a field name ("" + "spec" = "spec"). */
export function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
