// Validates objects against the CRD OpenAPI v3 schemas with ajv, as the API server would: the
// structural schema is converted (Kubernetes extensions dropped; unknown fields rejected, like strict
// field validation) and the formats Kubernetes checks (ipv4, ipv6, date-time, int64) are defined here.
// CEL rules (x-kubernetes-validations) are not evaluated: the TS validator covers them.

import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import AjvModule from 'ajv';
import { parseAllDocuments } from 'yaml';

const Ajv = AjvModule as unknown as typeof AjvModule.default;

type Json = unknown;

/** Drops x-kubernetes-* keys and closes every object schema that lists properties. */
export function toAjvSchema(s: Json): Json {
  if (Array.isArray(s)) return s.map(toAjvSchema);
  if (typeof s !== 'object' || s === null) return s;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-kubernetes-')) continue;
    // Inside `properties` and `additionalProperties`, keys are names / schemas, not keywords.
    if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as object).map(([n, p]) => [n, toAjvSchema(p)]));
    else out[k] = toAjvSchema(v);
  }
  if (out['type'] === 'object' && out['properties'] !== undefined && out['additionalProperties'] === undefined) {
    out['additionalProperties'] = false;
  }
  return out;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function newAjv(): InstanceType<typeof Ajv> {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  ajv.addFormat('ipv4', IPV4);
  ajv.addFormat('ipv6', { validate: (x: string) => isIPv6(x) && !x.includes('%') });
  ajv.addFormat('date-time', DATE_TIME);
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  return ajv;
}

export interface CrdFile {
  readonly kind: string;
  readonly schema: Json;
}

/** Reads a CRD YAML file and returns its kind and v1alpha1 openAPIV3Schema. */
export function readCrd(path: string): CrdFile {
  const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as Record<string, any>);
  const crd = docs.find((d) => d?.['kind'] === 'CustomResourceDefinition');
  if (crd === undefined) throw new Error(`no CRD in ${path}`);
  return { kind: crd['spec']['names']['kind'], schema: crd['spec']['versions'][0]['schema']['openAPIV3Schema'] };
}

/** Every YAML document of a file, as plain JSON. */
export function readYamlDocs(path: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null);
}
