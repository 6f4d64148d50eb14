// Label and field selectors in the query-string syntax of the Kubernetes API
// ("Labels and Selectors": equality-based =, ==, != and set-based in, notin, exists, !exists;
// field selectors: =, ==, != over a per-resource set of supported field labels).

import { badRequest } from './errors.ts';

export type Requirement =
  | { readonly op: 'eq' | 'neq'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: 'exists' | 'notexists'; readonly key: string };

export type Selector = readonly Requirement[];

/** Split on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_./]*[a-z0-9A-Z])?)$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(k: string, raw: string): string {
  if (!KEY.test(k)) throw badRequest(`unable to parse requirement: invalid label key "${k}" in "${raw}"`);
  return k;
}

function checkValue(v: string, raw: string): string {
  if (!VALUE.test(v)) throw badRequest(`unable to parse requirement: invalid label value "${v}" in "${raw}"`);
  return v;
}

export function parseLabelSelector(raw: string | null): Selector {
  if (raw === null || raw.trim() === '') return [];
  const reqs: Requirement[] = [];
  for (const term of splitTerms(raw)) {
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set !== null) {
      const values = set[3].split(',').map((v) => checkValue(v.trim(), raw));
      reqs.push({ op: set[2] === 'in' ? 'in' : 'notin', key: checkKey(set[1], raw), values });
      continue;
    }
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (eq !== null) {
      reqs.push({ op: eq[2] === '!=' ? 'neq' : 'eq', key: checkKey(eq[1], raw), value: checkValue(eq[3], raw) });
      continue;
    }
    if (term.startsWith('!')) {
      reqs.push({ op: 'notexists', key: checkKey(term.slice(1).trim(), raw) });
      continue;
    }
    reqs.push({ op: 'exists', key: checkKey(term, raw) });
  }
  return reqs;
}

export function matchLabels(sel: Selector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'eq': if (!has || v !== r.value) return false; break;
      case 'neq': if (has && v === r.value) return false; break;
      case 'in': if (!has || !r.values.includes(v)) return false; break;
      case 'notin': if (has && r.values.includes(v)) return false; break;
      case 'exists': if (!has) return false; break;
      case 'notexists': if (has) return false; break;
    }
  }
  return true;
}

export type FieldRequirement = { readonly field: string; readonly value: string; readonly negate: boolean };

/** Parse a field selector; only `allowed` field labels are accepted, like the real server (400 otherwise). */
export function parseFieldSelector(raw: string | null, allowed: readonly string[]): FieldRequirement[] {
  if (raw === null || raw.trim() === '') return [];
  const out: FieldRequirement[] = [];
  for (const term of splitTerms(raw)) {
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m === null) throw badRequest(`invalid selector: '${raw}'; can't understand '${term}'`);
    if (!allowed.includes(m[1])) throw badRequest(`field label not supported: ${m[1]}`);
    out.push({ field: m[1], value: m[3].trim(), negate: m[2] === '!=' });
  }
  return out;
}

function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  if (typeof cur === 'object') {
    // Event `source` is matched on source.component by the real server.
    const c = (cur as Record<string, unknown>).component;
    return typeof c === 'string' ? c : '';
  }
  return String(cur);
}

export function matchFields(reqs: readonly FieldRequirement[], obj: unknown): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if ((v === r.value) === r.negate) return false;
  }
  return true;
}
