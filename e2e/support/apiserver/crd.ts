// CustomResourceDefinition manifests served as the real apiextensions-apiserver serves them
// (kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions): one
// resource per served version, scope, status subresource, and on every write the structural-schema
// pipeline — prune unknown fields (Warn: dropped with a warning; fieldValidation=Strict: 400),
// apply `default`s, validate the OpenAPI v3 schema (422 Invalid with field causes) and the
// x-kubernetes-validations rules that cel-lite.ts can evaluate (others are skipped and counted).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import AjvModule from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { CelEvalError, compileRule } from './cel-lite.ts';
import type { StatusCause } from './errors.ts';
import type { Json, JsonObject } from './patch.ts';
import { isObject } from './patch.ts';
import type { ResourceDef } from './resources.ts';
import { crdResource } from './resources.ts';

const Ajv = AjvModule as unknown as typeof AjvModule.default;

/** Directory of vipd's generated CRD manifests, relative to the repository root. */
export const VIPD_CHART_CRDS_DIR = new URL('../../../charts/vipd/crds/', import.meta.url).pathname;

/** Read CustomResourceDefinitions from YAML files and/or directories of them. */
export function loadCrdManifests(paths: readonly string[]): ResourceDef[] {
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.ya?ml$/.test(f)) files.push(join(p, f));
    } else {
      files.push(p);
    }
  }
  const out: ResourceDef[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(f, 'utf8'))) {
      const crd = doc.toJS() as Json;
      if (isObject(crd) && crd.kind === 'CustomResourceDefinition') out.push(...resourcesOfCrd(crd));
    }
  }
  return out;
}

export function resourcesOfCrd(crd: JsonObject): ResourceDef[] {
  const spec = crd.spec as JsonObject;
  const names = spec.names as JsonObject;
  const out: ResourceDef[] = [];
  for (const v of (spec.versions as JsonObject[]) ?? []) {
    if (v.served !== true) continue;
    const schema = isObject(v.schema) && isObject(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
    const base = crdResource({
      group: String(spec.group), version: String(v.name), plural: String(names.plural), kind: String(names.kind),
      namespaced: spec.scope === 'Namespaced', hasStatus: isObject(v.subresources) && v.subresources.status !== undefined,
    });
    out.push({
      ...base,
      singular: typeof names.singular === 'string' ? names.singular : base.singular,
      shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
      schema,
    });
  }
  return out;
}

/** Drop fields the structural schema does not declare; returns their paths ("spec.foo"). */
export function pruneUnknown(value: Json, schema: JsonObject, path: string, pruned: string[]): void {
  if (Array.isArray(value)) {
    if (isObject(schema.items)) for (const [i, x] of value.entries()) pruneUnknown(x, schema.items, `${path}[${i}]`, pruned);
    return;
  }
  if (!isObject(value)) return;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const props = isObject(schema.properties) ? schema.properties : undefined;
  const addl = schema.additionalProperties;
  for (const k of Object.keys(value)) {
    const sub = path === '' ? k : `${path}.${k}`;
    if (path === '' && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    const ps = props?.[k];
    if (isObject(ps)) pruneUnknown(value[k], ps, sub, pruned);
    else if (isObject(addl)) pruneUnknown(value[k], addl, sub, pruned);
    else if (addl === true || preserve) continue;
    else {
      delete value[k];
      pruned.push(sub);
    }
  }
}

/** Structural defaulting: a missing (or null, non-nullable) property with a `default` gets it. */
export function applySchemaDefaults(value: Json, schema: JsonObject): void {
  if (Array.isArray(value)) {
    if (isObject(schema.items)) for (const x of value) applySchemaDefaults(x, schema.items);
    return;
  }
  if (!isObject(value)) return;
  if (isObject(schema.properties)) {
    for (const [k, ps] of Object.entries(schema.properties)) {
      if (!isObject(ps)) continue;
      const missing = !Object.hasOwn(value, k) || (value[k] === null && ps.nullable !== true);
      if (missing && ps.default !== undefined) value[k] = structuredClone(ps.default);
      if (Object.hasOwn(value, k)) applySchemaDefaults(value[k], ps);
    }
  }
  if (isObject(schema.additionalProperties)) {
    for (const k of Object.keys(value)) applySchemaDefaults(value[k], schema.additionalProperties);
  }
}

function toAjvSchema(s: Json): Json {
  if (Array.isArray(s)) return s.map(toAjvSchema);
  if (!isObject(s)) return s;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-kubernetes-') || k === 'description' || k === 'example') continue;
    if (k === 'properties' && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([n, p]) => [n, toAjvSchema(p)]));
    else out[k] = toAjvSchema(v);
  }
  if (s['x-kubernetes-int-or-string'] === true) delete out.type;
  return out;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: true });
ajv.addFormat('ipv4', IPV4);
ajv.addFormat('ipv6', { validate: (x: string) => isIPv6(x) && !x.includes('%') });
ajv.addFormat('date-time', DATE_TIME);
for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'password', 'date', 'uuid', 'hostname', 'uri', 'email', 'cidr', 'mac', 'duration', 'quantity']) {
  ajv.addFormat(f, true);
}

const compiled = new WeakMap<JsonObject, ValidateFunction>();
const celCache = new Map<string, ((self: unknown) => boolean) | undefined>();
let celSkipped = 0;

/** Number of x-kubernetes-validations rules seen that cel-lite.ts cannot evaluate (not enforced). */
export function skippedCelRules(): number {
  return celSkipped;
}

function ajvCause(e: ErrorObject, obj: Json): StatusCause {
  let field = e.instancePath.slice(1).replaceAll('/', '.');
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty?: string }).missingProperty);
    return { reason: 'FieldValueRequired', field: field === '' ? missing : `${field}.${missing}`, message: 'Required value' };
  }
  let v: Json | undefined = obj;
  for (const p of e.instancePath.split('/').slice(1)) v = Array.isArray(v) ? v[Number(p)] : isObject(v) ? v[p] : undefined;
  if (field === '') field = '<nil>';
  const shown = isObject(v) ? '"object"' : JSON.stringify(v);
  const reason = e.keyword === 'enum' ? 'FieldValueNotSupported' : e.keyword.startsWith('max') ? 'FieldValueTooLong' : 'FieldValueInvalid';
  return { reason, field, message: `Invalid value: ${shown}: ${e.message ?? e.keyword}` };
}

function celCauses(value: Json, schema: JsonObject, path: string, out: StatusCause[]): void {
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    for (const r of rules) {
      if (!isObject(r) || typeof r.rule !== 'string') continue;
      let fn = celCache.get(r.rule);
      if (!celCache.has(r.rule)) {
        try {
          fn = compileRule(r.rule);
        } catch {
          fn = undefined;
        }
        celCache.set(r.rule, fn);
      }
      if (fn === undefined) {
        celSkipped++;
        continue;
      }
      let ok: boolean;
      try {
        ok = fn(value);
      } catch (err) {
        if (!(err instanceof CelEvalError)) throw err;
        ok = false;
      }
      if (!ok) {
        const msg = typeof r.message === 'string' ? r.message : `failed rule: ${r.rule}`;
        const shown = isObject(value) ? '"object"' : JSON.stringify(value);
        out.push({ reason: 'FieldValueInvalid', field: path === '' ? '<nil>' : path, message: `Invalid value: ${shown}: ${msg}` });
      }
    }
  }
  if (Array.isArray(value)) {
    if (isObject(schema.items)) for (const [i, x] of value.entries()) celCauses(x, schema.items, `${path}[${i}]`, out);
    return;
  }
  if (!isObject(value)) return;
  if (isObject(schema.properties)) {
    for (const [k, ps] of Object.entries(schema.properties)) {
      if (isObject(ps) && Object.hasOwn(value, k)) celCauses(value[k], ps, path === '' ? k : `${path}.${k}`, out);
    }
  }
  if (isObject(schema.additionalProperties)) {
    for (const k of Object.keys(value)) celCauses(value[k], schema.additionalProperties, path === '' ? k : `${path}.${k}`, out);
  }
}

/** Schema and rule violations of a custom object (empty when valid). */
export function validateCustomObject(schema: JsonObject, obj: JsonObject): StatusCause[] {
  let v = compiled.get(schema);
  if (v === undefined) {
    const s = toAjvSchema(schema) as JsonObject;
    // metadata is validated as ObjectMeta by the server, not by the CRD schema.
    if (isObject(s.properties)) s.properties = { ...s.properties, metadata: { type: 'object' } };
    v = ajv.compile(s);
    compiled.set(schema, v);
  }
  const causes: StatusCause[] = [];
  if (!v(obj)) {
    const seen = new Set<string>();
    for (const e of v.errors ?? []) {
      const c = ajvCause(e, obj);
      if (seen.has(c.field ?? '')) continue; // one cause per field, like the real validator's first error
      seen.add(c.field ?? '');
      causes.push(c);
    }
  }
  celCauses(obj, schema, '', causes);
  return causes;
}
