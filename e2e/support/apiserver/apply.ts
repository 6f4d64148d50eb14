// Server-side apply, approximated ("Server-Side Apply", kubernetes.io/docs/reference/using-api/server-side-apply):
// each Apply field manager's field set is recorded in metadata.managedFields (fieldsV1 "f:<name>"
// keys; lists are owned atomically, no "k:{...}" / "v:" entries). Applying: fields the manager owned
// before and omits now are removed, then the configuration is merged into the live object
// (strategic merge rules of patch.ts); a field owned by another Apply manager with a different value
// is a 409 Conflict unless force=true. Managers that write with PUT/PATCH are not tracked.

import { ApiError } from './errors.ts';
import type { Json, JsonObject } from './patch.ts';
import { isObject, strategicMerge } from './patch.ts';

export type ManagedFieldsEntry = {
  manager: string;
  operation: 'Apply';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
};

/** Leaf paths of a configuration, as dotted lists of keys; lists and scalars are leaves. */
export function leafPaths(v: Json, prefix: string[] = []): string[][] {
  if (!isObject(v) || Object.keys(v).length === 0) return prefix.length === 0 ? [] : [prefix];
  const out: string[][] = [];
  for (const [k, x] of Object.entries(v)) {
    if (prefix.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
    if (prefix.length === 1 && prefix[0] === 'metadata' && ['name', 'namespace', 'managedFields', 'resourceVersion'].includes(k)) continue;
    out.push(...leafPaths(x, [...prefix, k]));
  }
  return out;
}

export function toFieldsV1(paths: string[][]): JsonObject {
  const root: JsonObject = {};
  for (const p of paths) {
    let cur = root;
    for (const k of p) {
      const key = `f:${k}`;
      if (!isObject(cur[key])) cur[key] = {};
      cur = cur[key] as JsonObject;
    }
  }
  return root;
}

export function fromFieldsV1(f: Json, prefix: string[] = []): string[][] {
  if (!isObject(f) || Object.keys(f).length === 0) return prefix.length === 0 ? [] : [prefix];
  const out: string[][] = [];
  for (const [k, x] of Object.entries(f)) {
    if (k.startsWith('f:')) out.push(...fromFieldsV1(x, [...prefix, k.slice(2)]));
  }
  return out;
}

function getPath(v: Json, p: string[]): Json | undefined {
  let cur: Json | undefined = v;
  for (const k of p) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function deletePath(v: JsonObject, p: string[]): void {
  let cur: Json | undefined = v;
  for (const k of p.slice(0, -1)) {
    if (!isObject(cur)) return;
    cur = cur[k];
  }
  if (isObject(cur)) delete cur[p[p.length - 1]];
}

const key = (p: string[]): string => p.join('\u0000');

export type ApplyInput = {
  readonly live: JsonObject | undefined;
  readonly config: JsonObject;
  readonly manager: string;
  readonly force: boolean;
  readonly subresource: string; // '' or 'status'
  readonly now: string;
};

/** Returns the object after apply (not yet persisted); throws ApiError 409 on a conflict. */
export function applyConfiguration(input: ApplyInput): JsonObject {
  const { live, config, manager, force, subresource, now } = input;
  const base: JsonObject = live === undefined ? {} : structuredClone(live);
  const meta = isObject(base.metadata) ? base.metadata : {};
  const entries: ManagedFieldsEntry[] = Array.isArray(meta.managedFields)
    ? (meta.managedFields as unknown as ManagedFieldsEntry[]) : [];
  const sub = subresource === '' ? undefined : subresource;
  const mine = entries.find((e) => e.manager === manager && e.subresource === sub);
  const newPaths = leafPaths(config);
  const newKeys = new Set(newPaths.map(key));

  const conflicts: string[] = [];
  for (const e of entries) {
    if (e === mine) continue;
    for (const p of fromFieldsV1(e.fieldsV1)) {
      if (!newKeys.has(key(p))) continue;
      if (JSON.stringify(getPath(base, p)) !== JSON.stringify(getPath(config, p))) {
        conflicts.push(`conflict with "${e.manager}": .${p.join('.')}`);
      }
    }
  }
  if (conflicts.length > 0 && !force) {
    throw new ApiError(409, 'Conflict', `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts.join('\n')}`,
      { causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: c })) });
  }

  if (mine !== undefined) {
    for (const p of fromFieldsV1(mine.fieldsV1)) if (!newKeys.has(key(p))) deletePath(base, p);
  }
  const merged = strategicMerge(base, config) as JsonObject;
  const mergedMeta = isObject(merged.metadata) ? merged.metadata : {};
  const others = entries
    .filter((e) => e !== mine)
    .map((e) => (force ? { ...e, fieldsV1: toFieldsV1(fromFieldsV1(e.fieldsV1).filter((p) => !newKeys.has(key(p)))) } : e));
  const entry: ManagedFieldsEntry = {
    manager, operation: 'Apply', apiVersion: String(config.apiVersion ?? ''), time: now,
    fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(newPaths),
  };
  if (sub !== undefined) entry.subresource = sub;
  mergedMeta.managedFields = [...others, entry] as unknown as Json;
  merged.metadata = mergedMeta;
  return merged;
}
