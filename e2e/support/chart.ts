// Renders charts/vipd without helm (e2e/tools/helm-render: Go text/template + sprig, Helm's engine
// parts) and validates what it renders: Kubernetes kinds against the Kubernetes OpenAPI (types via
// kubernetes-models, unknown fields via the client-node model maps), vipd.io kinds against the chart's
// own CRD schemas, Prometheus Operator kinds against e2e/fixtures/schemas. Used by e2e/chart.test.ts
// and by the lab, which takes its CRDs and configuration objects from the rendered chart.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import AjvModule, { type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import * as k8s from '@kubernetes/client-node';

const Ajv = AjvModule.default ?? AjvModule;
const addFormats = addFormatsModule.default ?? addFormatsModule;

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = join(REPO, 'charts/vipd');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

let rendererPath: string | undefined;

/** Builds the renderer once per process with Debian's Go + sprig (GOPATH mode, offline). */
export function buildRenderer(): string {
  if (rendererPath !== undefined && existsSync(rendererPath)) return rendererPath;
  const out = join(mkdtempSync(join(tmpdir(), 'vipd-helm-render-')), 'helm-render');
  execFileSync('go', ['build', '-o', out, '.'], {
    cwd: join(REPO, 'e2e/tools/helm-render'),
    env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOFLAGS: '-mod=mod', GOCACHE: join(tmpdir(), 'vipd-go-cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  rendererPath = out;
  return out;
}

export interface RenderResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

export function renderChart(valueFiles: readonly string[], opts: { notes?: boolean; includeCrds?: boolean } = {}): RenderResult {
  const args = ['-chart', CHART_DIR, '-name', 'vipd', '-namespace', 'vipd-system'];
  for (const f of valueFiles) args.push('-f', f);
  if (opts.includeCrds ?? true) args.push('-include-crds');
  if (opts.notes === true) args.push('-notes');
  const r = spawnSync(buildRenderer(), args, { encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function parseObjects(yamlText: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    if (doc.errors.length > 0) throw new Error(`YAML error: ${doc.errors[0]!.message}`);
    const v = doc.toJS() as K8sObject | null;
    if (v !== null) out.push(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation

type ModelClass = { getAttributeTypeMap(): { name: string; baseName: string; type: string }[] };
const models = k8s as unknown as Record<string, ModelClass | undefined>;
const PRIMITIVES = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString', 'RequestFile']);

/** Unknown-field walk over the client-node model maps (generated from the Kubernetes OpenAPI). */
export function unknownFields(value: unknown, typeName: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const arr = /^Array<(.+)>$/.exec(typeName);
  if (arr !== null) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, arr[1]!, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (map !== null) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value)) unknownFields(v, map[1]!, `${path}.${k}`, out);
    return;
  }
  if (PRIMITIVES.has(typeName)) return;
  const model = models[typeName];
  if (model === undefined || typeof model.getAttributeTypeMap !== 'function') {
    out.push(`${path}: no model ${typeName} to check against`);
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return; // the type validator reports this
  const attrs = model.getAttributeTypeMap();
  for (const [key, v] of Object.entries(value)) {
    const attr = attrs.find((a) => a.baseName === key);
    if (attr === undefined) out.push(`${path}.${key}: unknown field for ${typeName}`);
    else unknownFields(v, attr.type, `${path}.${key}`, out);
  }
}

function newAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'double', 'float', 'byte', 'int-or-string', 'quantity']) ajv.addFormat(f, true);
  return ajv;
}

/** Closes every object schema that lists properties (strict field validation, as the API server's). */
function closeSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(closeSchema);
  if (s === null || typeof s !== 'object') return s;
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) o[k] = closeSchema(v);
  if (o.properties !== undefined && o.additionalProperties === undefined && o['x-kubernetes-preserve-unknown-fields'] !== true) {
    o.additionalProperties = false;
  }
  return o;
}

export class ChartValidator {
  private readonly ajv = newAjv();
  private readonly crdValidators = new Map<string, ValidateFunction>();
  private readonly fixtureValidators = new Map<string, ValidateFunction>();

  constructor(crds: readonly K8sObject[]) {
    for (const crd of crds) {
      const spec = crd.spec as {
        group: string;
        names: { kind: string };
        versions: { name: string; schema?: { openAPIV3Schema: Record<string, unknown> } }[];
      };
      for (const v of spec.versions) {
        if (v.schema === undefined) continue;
        const schema = closeSchema(v.schema.openAPIV3Schema) as Record<string, unknown>;
        const props = (schema.properties ?? {}) as Record<string, unknown>;
        // The API server fills these in for every object; the CRD schema need not list them.
        schema.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...props };
        this.crdValidators.set(`${spec.group}/${v.name}/${spec.names.kind}`, this.ajv.compile(schema));
      }
    }
    for (const [kind, file] of [
      ['ServiceMonitor', 'servicemonitor-monitoring-v1.json'],
      ['PodMonitor', 'podmonitor-monitoring-v1.json'],
      ['PrometheusRule', 'prometheusrule-monitoring-v1.json'],
    ] as const) {
      const schema = JSON.parse(readFileSync(join(REPO, 'e2e/fixtures/schemas', file), 'utf8')) as Record<string, unknown>;
      this.fixtureValidators.set(`monitoring.coreos.com/v1/${kind}`, this.ajv.compile(schema));
    }
  }

  /** Returns the problems found in one object (empty when valid). */
  async validate(obj: K8sObject): Promise<string[]> {
    const where = `${obj.kind}/${obj.metadata?.name ?? '?'}`;
    const key = `${obj.apiVersion}/${obj.kind}`;
    const crd = this.crdValidators.get(key);
    const fixture = this.fixtureValidators.get(key);
    const validator = crd ?? fixture;
    if (validator !== undefined) {
      return validator(obj) ? [] : (validator.errors ?? []).map((e) => `${where}${e.instancePath}: ${e.message}`);
    }
    const problems: string[] = [];
    const modPath = `kubernetes-models/${obj.apiVersion}`;
    let mod: Record<string, new (data: unknown) => { validate(): void }>;
    try {
      mod = (await import(modPath)) as typeof mod;
    } catch {
      return [`${where}: no schema for apiVersion ${obj.apiVersion}`];
    }
    const Model = mod[obj.kind];
    if (Model === undefined) return [`${where}: no schema for ${key}`];
    try {
      new Model(obj).validate();
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
    }
    const version = obj.apiVersion.split('/').pop()!;
    unknownFields(obj, `${version[0]!.toUpperCase()}${version.slice(1)}${obj.kind}`, where, problems);
    return problems;
  }
}

export function newValuesValidator(): ValidateFunction {
  const ajv = newAjv();
  return ajv.compile(JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Record<string, unknown>);
}
