// The PATCH body formats the API server accepts ("Update API objects in place using kubectl patch"):
// JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge patch (approximated: a table
// of list merge keys for the lists vipd touches; other lists are replaced, as for atomic lists), and
// server-side apply (approximated in apply.ts on top of the strategic merge here).

import { ApiError, badRequest } from './errors.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON with object keys sorted: equal for semantically equal documents (Go encodes structs in field order). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** RFC 7386 §2: objects merge recursively, null removes a member, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

function unprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

function decodePointer(ptr: string): string[] {
  if (ptr === '') return [];
  if (!ptr.startsWith('/')) throw badRequest(`invalid JSON pointer "${ptr}"`);
  // RFC 6901 §4: ~1 → '/', then ~0 → '~'.
  return ptr.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function parentOf(doc: Json, path: string[]): { parent: Json; key: string } {
  let cur = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur)) cur = cur[seg];
    else cur = undefined as unknown as Json;
    if (cur === undefined) throw unprocessable(`doc is missing path: /${path.join('/')}`);
  }
  return { parent: cur, key: path[path.length - 1] };
}

function getAt(doc: Json, path: string[]): Json | undefined {
  let cur: Json | undefined = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur)) cur = Object.hasOwn(cur, seg) ? cur[seg] : undefined;
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function arrayIndex(arr: Json[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw unprocessable(`invalid array index "${key}"`);
  const i = Number(key);
  if (i > arr.length || (!forAdd && i === arr.length)) throw unprocessable(`array index ${i} out of bounds`);
  return i;
}

function addAt(doc: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value;
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else if (isObject(parent)) parent[key] = value;
  else throw unprocessable(`doc is missing path: /${path.join('/')}`);
  return doc;
}

function removeAt(doc: Json, path: string[]): Json {
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (isObject(parent) && Object.hasOwn(parent, key)) delete parent[key];
  else throw unprocessable(`Unable to remove nonexistent key: ${key}: missing value`);
  return doc;
}

/** RFC 6902 §4: add, remove, replace, move, copy, test, applied in order; any failure aborts all. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(target);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw badRequest('invalid JSON patch operation');
    }
    const path = decodePointer(op.path);
    switch (op.op) {
      case 'add': doc = addAt(doc, path, structuredClone(op.value ?? null)); break;
      case 'remove': doc = removeAt(doc, path); break;
      case 'replace':
        if (getAt(doc, path) === undefined) throw unprocessable(`replace operation does not apply: doc is missing key: ${op.path}`);
        doc = addAt(removeAt(doc, path), path, structuredClone(op.value ?? null));
        break;
      case 'move': case 'copy': {
        if (typeof op.from !== 'string') throw badRequest(`${op.op} operation requires "from"`);
        const from = decodePointer(op.from);
        const v = getAt(doc, from);
        if (v === undefined) throw unprocessable(`${op.op} operation does not apply: doc is missing from path: ${op.from}`);
        if (op.op === 'move') doc = removeAt(doc, from);
        doc = addAt(doc, path, structuredClone(v));
        break;
      }
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(op.value)) {
          throw unprocessable(`testing value ${op.path} failed: test failed`);
        }
        break;
      default: throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

/**
 * Lists merged by key in strategic merge patch (patchStrategy=merge, patchMergeKey=...) for the paths
 * vipd touches. `''` marks a primitive list merged as a set. Every other list is replaced.
 */
export const STRATEGIC_MERGE_KEYS: Readonly<Record<string, string>> = {
  'metadata.ownerReferences': 'uid',
  'metadata.finalizers': '',
  'spec.ports': 'port', // Service ports (patchMergeKey=port)
  'status.conditions': 'type', // Node, Service (metav1.Condition), Namespace conditions
  'status.addresses': 'type', // Node addresses
  'spec.template.spec.containers': 'name',
};

function smpList(path: string, live: Json[], patch: Json[]): Json[] {
  const key = STRATEGIC_MERGE_KEYS[path];
  if (key === undefined) return patch.filter((p) => !(isObject(p) && p.$patch !== undefined)).map((p) => stripDirectives(p));
  if (key === '') {
    const out = [...live];
    for (const p of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(p))) out.push(p);
    return out;
  }
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isObject(p) && p.$patch === 'replace')).map((p) => stripDirectives(p));
  }
  const out = live.map((x) => x);
  for (const p of patch) {
    if (!isObject(p)) continue;
    const i = out.findIndex((x) => isObject(x) && JSON.stringify(x[key]) === JSON.stringify(p[key]));
    if (p.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) {
      out[i] = strategicMerge(out[i], p, path);
    } else {
      out.push(stripDirectives(p));
    }
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$') || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/')) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

/**
 * Strategic merge patch: maps merge as in RFC 7386; `$patch: replace|delete` on maps;
 * `$deleteFromPrimitiveList/<field>`; `$setElementOrder/<field>` is accepted and ignored;
 * lists merge by the key in STRATEGIC_MERGE_KEYS, other lists are replaced.
 */
export function strategicMerge(live: Json, patch: Json, path = ''): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') return stripDirectives(patch);
  if (patch.$patch === 'delete') return null;
  const out: JsonObject = isObject(live) ? { ...live } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    const sub = path === '' ? k : `${path}.${k}`;
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v)) {
      out[k] = smpList(sub, Array.isArray(out[k]) ? (out[k] as Json[]) : [], v);
    } else if (isObject(v)) {
      const merged = strategicMerge(out[k] ?? null, v, sub);
      if (merged === null) delete out[k];
      else out[k] = merged;
    } else {
      out[k] = v;
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    for (const k of Object.keys(out)) if (!patch.$retainKeys.includes(k)) delete out[k];
  }
  return out;
}
