// The generic REST storage of the test API server (k8s.io/apiserver registry/generic/registry/store.go
// semantics): create / get / list / update / patch / delete for every resource in the table, with
// uid, creationTimestamp, generation and resourceVersion handling, optimistic concurrency (409
// Conflict on a stale metadata.resourceVersion), the /status subresource split, no-op updates that
// write nothing, finalizers, and consistent paginated lists at a resourceVersion.

import { randomUUID } from 'node:crypto';
import { applyConfiguration } from './apply.ts';
import type { Allocator } from './defaults.ts';
import { applySchemaDefaults, pruneUnknown, validateCustomObject } from './crd.ts';
import { applyDefaults, makeAllocator } from './defaults.ts';
import {
  alreadyExists, ApiError, badRequest, conflict, expired, invalid, notFound, STALE_OBJECT, tooLargeResourceVersion,
  unsupportedMediaType,
} from './errors.ts';
import type { Json, JsonObject } from './patch.ts';
import { canonicalJson, isObject, jsonPatch, mergePatch, strategicMerge } from './patch.ts';
import type { ResourceDef, ResourceRegistry } from './resources.ts';
import { groupVersion, resourceId } from './resources.ts';
import type { FieldRequirement, Selector } from './selectors.ts';
import { matchFields, matchLabels } from './selectors.ts';
import type { Store } from './store.ts';
import { metaOf, objectKey } from './store.ts';

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type ListOptions = {
  readonly labelSelector?: Selector;
  readonly fieldSelector?: readonly FieldRequirement[];
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
  readonly limit?: number;
  readonly continueToken?: string;
};

export type ListResult = { items: JsonObject[]; resourceVersion: string; continueToken?: string; remaining?: number };

/** fieldValidation (Strict | Warn | Ignore, default Warn) and the warnings a write produced. */
export type WriteOptions = { readonly fieldValidation?: string; readonly warnings?: string[] };

export type DeleteOptions = { preconditions?: { uid?: string; resourceVersion?: string } };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function nowRfc3339(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Everything but metadata (and status, for kinds with a status subresource): a change bumps generation. */
function specPart(o: JsonObject, hasStatus: boolean): string {
  const { metadata: _m, status, ...rest } = o;
  return canonicalJson(hasStatus ? rest : { ...rest, status });
}

export function matches(obj: JsonObject, namespace: string | undefined, opts: ListOptions): boolean {
  const meta = metaOf(obj);
  if (namespace !== undefined && meta.namespace !== namespace) return false;
  const labels = isObject(meta.labels) ? (meta.labels as Record<string, string>) : undefined;
  if (opts.labelSelector !== undefined && !matchLabels(opts.labelSelector, labels)) return false;
  if (opts.fieldSelector !== undefined && !matchFields(opts.fieldSelector, obj)) return false;
  return true;
}

export class ObjectApi {
  readonly store: Store;
  readonly resources: ResourceRegistry;
  readonly #alloc: Allocator = makeAllocator();

  constructor(store: Store, resources: ResourceRegistry) {
    this.store = store;
    this.resources = resources;
  }

  #nsDef(): ResourceDef {
    const d = this.resources.lookup('', 'v1', 'namespaces');
    if (d === undefined) throw new Error('namespaces resource missing from the table');
    return d;
  }

  #key(r: ResourceDef, namespace: string, name: string): string {
    return objectKey(r.namespaced ? namespace : '', name);
  }

  get(r: ResourceDef, namespace: string, name: string): JsonObject {
    const o = this.store.get(resourceId(r), this.#key(r, namespace, name));
    if (o === undefined) throw notFound(r, name);
    return o;
  }

  tryGet(r: ResourceDef, namespace: string, name: string): JsonObject | undefined {
    return this.store.get(resourceId(r), this.#key(r, namespace, name));
  }

  /** List semantics of "Resource versions" / "Retrieving large results sets in chunks". */
  async list(r: ResourceDef, namespace: string | undefined, opts: ListOptions, tooLargeWaitMs: number): Promise<ListResult> {
    const id = resourceId(r);
    let atRv: number | undefined;
    let startAfter = '';
    if (opts.continueToken !== undefined && opts.continueToken !== '') {
      const tok = decodeContinue(opts.continueToken);
      atRv = tok.rv;
      startAfter = tok.start;
    } else if (opts.resourceVersion !== undefined && opts.resourceVersion !== '') {
      const rv = parseRv(opts.resourceVersion);
      const match = opts.resourceVersionMatch ?? '';
      if (match !== '' && match !== 'NotOlderThan' && match !== 'Exact') {
        throw badRequest(`resourceVersionMatch: Unsupported value: "${match}"`);
      }
      // A resourceVersion the store has not reached yet: wait a little (the real server: 3 s), then 504.
      if (rv > this.store.currentRv() && !(await this.store.waitForRv(rv, tooLargeWaitMs))) {
        throw tooLargeResourceVersion(rv, this.store.currentRv());
      }
      if (match === 'Exact') atRv = rv;
    } else if (opts.resourceVersionMatch !== undefined && opts.resourceVersionMatch !== '') {
      throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    }
    let all: JsonObject[];
    if (atRv !== undefined) {
      const past = this.store.listAt(id, atRv);
      if (past === undefined) {
        throw expired(opts.continueToken !== undefined && opts.continueToken !== ''
          ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
          : 'The resourceVersion for the provided list is too old.');
      }
      all = past;
    } else {
      all = this.store.list(id);
      atRv = this.store.currentRv();
    }
    const keyed = all.map((o) => ({ key: this.#key(r, String(metaOf(o).namespace ?? ''), String(metaOf(o).name)), o }));
    const candidates = keyed.filter((e) => e.key > startAfter && matches(e.o, namespace, opts));
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;
    const page = candidates.slice(0, limit);
    const out: ListResult = { items: page.map((e) => e.o), resourceVersion: String(atRv) };
    if (page.length < candidates.length) {
      out.continueToken = encodeContinue(atRv, page[page.length - 1].key);
      out.remaining = candidates.length - page.length;
    }
    return out;
  }

  create(r: ResourceDef, namespace: string, body: Json, wo: WriteOptions = {}): JsonObject {
    if (!isObject(body)) throw badRequest('the body of the request is not a JSON object');
    const obj = structuredClone(body);
    checkTypeMeta(r, obj);
    const meta: JsonObject = isObject(obj.metadata) ? obj.metadata : {};
    obj.metadata = meta;
    if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string') {
      meta.name = meta.generateName + Array.from({ length: 5 }, () =>
        NAME_SUFFIX_ALPHABET[Math.floor(Math.random() * NAME_SUFFIX_ALPHABET.length)]).join('');
    }
    const name = typeof meta.name === 'string' ? meta.name : '';
    if (name === '') throw invalid(r, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
      throw invalid(r, name, [{ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`, field: 'metadata.name' }]);
    }
    if (r.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
      const ns = this.tryGet(this.#nsDef(), '', namespace);
      if (ns === undefined) throw notFound(this.#nsDef(), namespace);
      if (metaOf(ns).deletionTimestamp !== undefined) {
        throw new ApiError(403, 'Forbidden', `${r.plural} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
      }
    } else {
      delete meta.namespace;
    }
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw new ApiError(500, 'InternalError', 'Internal error occurred: resourceVersion should not be set on objects to be created');
    }
    const key = this.#key(r, namespace, name);
    if (this.store.get(resourceId(r), key) !== undefined) throw alreadyExists(r, name);
    if (r.resetStatusOnCreate) delete obj.status;
    if (r.kind === 'Namespace' && r.group === '') {
      meta.labels = { ...(isObject(meta.labels) ? meta.labels : {}), 'kubernetes.io/metadata.name': name };
    }
    applyDefaults(r.kind, r.group, obj, undefined, this.#alloc);
    checkSchema(r, obj, name, wo);
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRfc3339();
    delete meta.deletionTimestamp;
    if (r.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    const rv = this.store.nextRv();
    meta.resourceVersion = String(rv);
    this.store.commit(resourceId(r), 'ADDED', key, obj, undefined, rv);
    return obj;
  }

  /** PUT on the object (subresource '') or on /status. */
  update(r: ResourceDef, namespace: string, name: string, body: Json, subresource: string, wo: WriteOptions = {}): JsonObject {
    if (!isObject(body)) throw badRequest('the body of the request is not a JSON object');
    const old = this.get(r, namespace, name);
    const next = structuredClone(body);
    checkTypeMeta(r, next);
    const meta = metaOf(next);
    if (meta.resourceVersion === undefined || meta.resourceVersion === '') {
      if (!r.allowUnconditionalUpdate) {
        throw invalid(r, name, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0x0: must be specified for an update', field: 'metadata.resourceVersion' }]);
      }
    }
    return this.#write(r, namespace, name, old, next, subresource, wo);
  }

  patch(r: ResourceDef, namespace: string, name: string, contentType: string, body: Json, o: {
    subresource: string; fieldManager?: string; force?: boolean;
  }, wo: WriteOptions = {}): JsonObject {
    const type = contentType.split(';')[0].trim().toLowerCase();
    const old = this.tryGet(r, namespace, name);
    if (type === PATCH_TYPES.apply) {
      if (o.fieldManager === undefined || o.fieldManager === '') throw badRequest('PATCH /apply requires fieldManager to be set');
      if (!isObject(body)) throw badRequest('the apply configuration is not an object');
      checkTypeMeta(r, body);
      if (metaOf(body).name !== name) throw badRequest(`the name of the object (${String(metaOf(body).name)}) does not match the name on the URL (${name})`);
      const applied = applyConfiguration({
        live: old, config: body, manager: o.fieldManager, force: o.force === true, subresource: o.subresource, now: nowRfc3339(),
      });
      if (old === undefined) {
        if (o.subresource !== '') throw notFound(r, name);
        delete metaOf(applied).resourceVersion;
        return this.create(r, namespace, applied, wo);
      }
      return this.#write(r, namespace, name, old, applied, o.subresource, wo);
    }
    if (old === undefined) throw notFound(r, name);
    let next: Json;
    if (type === PATCH_TYPES.merge) next = mergePatch(old, body);
    else if (type === PATCH_TYPES.json) next = jsonPatch(old, body);
    else if (type === PATCH_TYPES.strategic) {
      // Custom resources have no Go struct tags to drive strategic merge: the real server answers 415.
      if (r.isCrd) throw unsupportedMediaType(type);
      if (!isObject(body)) throw badRequest('the strategic merge patch is not an object');
      next = strategicMerge(old, body);
    } else {
      throw unsupportedMediaType(type);
    }
    if (!isObject(next)) throw badRequest('the patched object is not an object');
    return this.#write(r, namespace, name, old, next, o.subresource, wo);
  }

  delete(r: ResourceDef, namespace: string, name: string, opts: DeleteOptions = {}): JsonObject {
    const old = this.get(r, namespace, name);
    const om = metaOf(old);
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== om.uid) {
      throw conflict(r, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(om.uid)}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== om.resourceVersion) {
      throw conflict(r, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(om.resourceVersion)}`);
    }
    const finalizers = Array.isArray(om.finalizers) ? om.finalizers : [];
    if (finalizers.length > 0) {
      if (om.deletionTimestamp !== undefined) return old;
      const next = structuredClone(old);
      metaOf(next).deletionTimestamp = nowRfc3339();
      metaOf(next).deletionGracePeriodSeconds = 0;
      return this.#commitModified(r, namespace, name, old, next);
    }
    if (r.kind === 'Namespace' && r.group === '') this.#deleteNamespaceContents(name);
    return this.#commitDeleted(r, namespace, name, old);
  }

  #deleteNamespaceContents(ns: string): void {
    for (const r of this.resources.all()) {
      if (!r.namespaced) continue;
      for (const o of this.store.list(resourceId(r))) {
        if (metaOf(o).namespace === ns) this.#commitDeleted(r, ns, String(metaOf(o).name), o);
      }
    }
  }

  #commitDeleted(r: ResourceDef, namespace: string, name: string, old: JsonObject): JsonObject {
    const rv = this.store.nextRv();
    const final = structuredClone(old);
    metaOf(final).resourceVersion = String(rv);
    this.store.commit(resourceId(r), 'DELETED', this.#key(r, namespace, name), final, old, rv);
    return final;
  }

  #commitModified(r: ResourceDef, namespace: string, name: string, old: JsonObject, next: JsonObject): JsonObject {
    const rv = this.store.nextRv();
    metaOf(next).resourceVersion = String(rv);
    this.store.commit(resourceId(r), 'MODIFIED', this.#key(r, namespace, name), next, old, rv);
    return next;
  }

  /** GuaranteedUpdate: precondition on resourceVersion, subresource split, generation, no-op detection. */
  #write(r: ResourceDef, namespace: string, name: string, old: JsonObject, input: JsonObject, subresource: string,
    wo: WriteOptions = {}): JsonObject {
    const om = metaOf(old);
    const im = metaOf(input);
    if (im.name !== undefined && im.name !== name) {
      throw badRequest(`the name of the object (${String(im.name)}) does not match the name on the URL (${name})`);
    }
    if (r.namespaced && im.namespace !== undefined && im.namespace !== '' && im.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (im.uid !== undefined && im.uid !== '' && im.uid !== null && im.uid !== om.uid) {
      throw conflict(r, name, `Precondition failed: UID in precondition: ${String(im.uid)}, UID in object meta: ${String(om.uid)}`);
    }
    if (im.resourceVersion !== undefined && im.resourceVersion !== '' && im.resourceVersion !== om.resourceVersion) {
      throw conflict(r, name, STALE_OBJECT);
    }
    let next: JsonObject;
    if (subresource === 'status') {
      // ResetObjectMetaForStatus: a status write changes status (and managedFields) only.
      next = structuredClone(old);
      if (input.status === undefined) delete next.status;
      else next.status = structuredClone(input.status);
      if (im.managedFields !== undefined) metaOf(next).managedFields = structuredClone(im.managedFields);
    } else if (subresource === '') {
      next = structuredClone(input);
      next.apiVersion = groupVersion(r);
      next.kind = r.kind;
      if (r.hasStatus) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
      const nm: JsonObject = { ...metaOf(next) };
      next.metadata = nm;
      nm.name = name;
      if (r.namespaced) nm.namespace = namespace;
      else delete nm.namespace;
      nm.uid = om.uid ?? null;
      nm.creationTimestamp = om.creationTimestamp ?? null;
      if (om.deletionTimestamp !== undefined) nm.deletionTimestamp = om.deletionTimestamp;
      else delete nm.deletionTimestamp;
      if (r.kind === 'Namespace' && r.group === '') {
        nm.labels = { ...(isObject(nm.labels) ? nm.labels : {}), 'kubernetes.io/metadata.name': name };
      }
      applyDefaults(r.kind, r.group, next, old, this.#alloc);
    } else {
      throw notFound(r, name);
    }
    checkSchema(r, next, name, wo);
    const nm = metaOf(next);
    nm.resourceVersion = om.resourceVersion ?? null;
    if (r.tracksGeneration) {
      nm.generation = typeof om.generation === 'number' ? om.generation : 1;
      if (specPart(next, r.hasStatus) !== specPart(old, r.hasStatus)) nm.generation = (om.generation as number) + 1;
    }
    if (canonicalJson(next) === canonicalJson(old)) return old; // no-op: nothing written, no event
    const finalizers = Array.isArray(nm.finalizers) ? nm.finalizers : [];
    if (nm.deletionTimestamp !== undefined && finalizers.length === 0) {
      return this.#commitDeleted(r, namespace, name, next);
    }
    return this.#commitModified(r, namespace, name, old, next);
  }
}

/** CRD structural-schema pipeline: prune unknown fields, default, validate (schema + CEL rules). */
function checkSchema(r: ResourceDef, obj: JsonObject, name: string, wo: WriteOptions): void {
  if (r.schema === undefined) return;
  const pruned: string[] = [];
  pruneUnknown(obj, r.schema, '', pruned);
  if (pruned.length > 0) {
    if (wo.fieldValidation === 'Strict') {
      throw badRequest(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${pruned.map((p) => `unknown field "${p}"`).join(', ')}`);
    }
    if (wo.fieldValidation !== 'Ignore') for (const p of pruned) wo.warnings?.push(`unknown field "${p}"`);
  }
  applySchemaDefaults(obj, r.schema);
  const causes = validateCustomObject(r.schema, obj);
  if (causes.length > 0) throw invalid(r, name, causes);
}

function checkTypeMeta(r: ResourceDef, obj: JsonObject): void {
  const gv = groupVersion(r);
  if (obj.apiVersion !== undefined && obj.apiVersion !== gv) {
    throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${gv})`);
  }
  if (obj.kind !== undefined && obj.kind !== r.kind) {
    throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${r.kind})`);
  }
  obj.apiVersion = gv;
  obj.kind = r.kind;
}

export function parseRv(s: string): number {
  if (!/^[0-9]+$/.test(s)) throw badRequest(`resourceVersion: Invalid value: "${s}": must be a non-negative integer`);
  return Number(s);
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(tok: string): { rv: number; start: string } {
  try {
    const v = JSON.parse(Buffer.from(tok, 'base64url').toString('utf8')) as { v?: unknown; rv?: unknown; start?: unknown };
    if (v.v === 'meta.k8s.io/v1' && typeof v.rv === 'number' && typeof v.start === 'string') return { rv: v.rv, start: v.start };
  } catch {
    // fall through to the typed error
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}
