// HTTP front end of the test API server: bearer-token authentication, the Kubernetes resource URL
// layout (/api/v1/..., /apis/<group>/<version>/..., namespaces/<ns>/<plural>/<name>[/status],
// the deprecated /watch/ prefix), verb mapping, body decoding (JSON; YAML for apply), metav1.Status
// errors, discovery, and a request log for tests. Storage semantics live in objects.ts, watch in watch.ts.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.ts';
import {
  ApiError, badRequest, internalError, methodNotAllowed, unauthorized, unsupportedMediaType,
} from './errors.ts';
import type { DeleteOptions, ListOptions, ObjectApi } from './objects.ts';
import { PATCH_TYPES } from './objects.ts';
import type { Json, JsonObject } from './patch.ts';
import { isObject } from './patch.ts';
import type { ResourceDef } from './resources.ts';
import { groupVersion } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { WatchStream } from './watch.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'discovery' | 'other';

export type RequestLogEntry = {
  readonly seq: number;
  readonly atMs: number;
  readonly method: string;
  readonly path: string;
  readonly verb: Verb;
  readonly group: string;
  readonly version: string;
  readonly resource: string; // plural, '' for non-resource paths
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  readonly code: number;
  readonly contentType: string;
  readonly fieldManager: string;
  readonly userAgent: string;
};

export type HandlerConfig = {
  readonly token: string;
  readonly bookmarkIntervalMs: number;
  readonly defaultWatchTimeoutMs: number;
  readonly tooLargeWaitMs: number;
  readonly maxBodyBytes: number;
  readonly serverAddress: () => string;
};

/** A scripted failure: the next `remaining` requests matching verb/resource get this Status. */
export type Fault = {
  verb?: Verb;
  resource?: string; // plural, optionally "plural/subresource"
  readonly httpCode: number;
  readonly reason: ApiError['code'];
  remaining: number;
  readonly retryAfterSeconds?: number;
};

export type HandlerContext = {
  readonly objects: ObjectApi;
  readonly config: HandlerConfig;
  readonly log: (e: Omit<RequestLogEntry, 'seq' | 'atMs'>) => void;
  readonly watches: Set<WatchStream>;
  readonly faults: Fault[];
  readonly control: (path: string, method: string, query: URLSearchParams, res: ServerResponse) => Json | undefined;
};

type Route = {
  verb: Verb; r: ResourceDef | undefined; group: string; version: string; plural: string;
  namespace: string; name: string; subresource: string; namespaced: boolean;
};

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), 'Cache-Control': 'no-cache, private' });
  res.end(data);
}

function authorized(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization ?? '';
  const want = Buffer.from(`Bearer ${token}`);
  const got = Buffer.from(h);
  return got.length === want.length && timingSafeEqual(got, want);
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function decodeBody(buf: Buffer, contentType: string): Json {
  const type = contentType.split(';')[0].trim().toLowerCase();
  const text = buf.toString('utf8');
  if (type === PATCH_TYPES.apply || type === 'application/yaml') {
    try {
      return parseYaml(text) as Json;
    } catch {
      throw badRequest('error decoding YAML: the body is not valid YAML');
    }
  }
  if (type !== 'application/json' && !Object.values(PATCH_TYPES).includes(type as never)) throw unsupportedMediaType(type);
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw badRequest('json: the body of the request is not valid JSON');
  }
}

/** Map a URL path onto group/version/resource/namespace/name/subresource, or undefined if it is not a resource path. */
function route(segs: string[], method: string, watchParam: boolean, objects: ObjectApi): Route | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    group = segs[1];
    version = segs[2];
    rest = segs.slice(3);
  } else {
    return undefined;
  }
  let watch = watchParam;
  if (rest[0] === 'watch') {
    watch = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  let namespaced = false;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
    namespace = rest[1];
    namespaced = true;
    rest = rest.slice(2);
  }
  const [plural, name = '', subresource = '', ...extra] = rest;
  const r = objects.resources.lookup(group, version, plural);
  if (extra.length > 0) return { verb: 'other', r: undefined, group, version, plural, namespace, name, subresource, namespaced };
  let verb: Verb;
  if (name === '') {
    verb = method === 'GET' ? (watch ? 'watch' : 'list') : method === 'POST' ? 'create' : method === 'DELETE' ? 'deletecollection' : 'other';
  } else {
    verb = method === 'GET' ? (watch ? 'watch' : 'get') : method === 'PUT' ? 'update' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : 'other';
  }
  return { verb, r, group, version, plural, namespace, name, subresource, namespaced };
}

function listOptions(q: URLSearchParams, r: ResourceDef): ListOptions {
  const limit = q.get('limit');
  return {
    labelSelector: parseLabelSelector(q.get('labelSelector')),
    fieldSelector: parseFieldSelector(q.get('fieldSelector'), ['metadata.name', 'metadata.namespace', ...r.extraFieldSelectors]),
    resourceVersion: q.get('resourceVersion') ?? undefined,
    resourceVersionMatch: q.get('resourceVersionMatch') ?? undefined,
    limit: limit === null ? undefined : Number(limit),
    continueToken: q.get('continue') ?? undefined,
  };
}

function listBody(r: ResourceDef, items: JsonObject[], rv: string, cont: string | undefined, remaining: number | undefined): JsonObject {
  const metadata: JsonObject = { resourceVersion: rv };
  if (cont !== undefined) metadata.continue = cont;
  if (remaining !== undefined) metadata.remainingItemCount = remaining;
  // Built-in list items carry no kind/apiVersion on the wire; custom resources' items do.
  const out = r.isCrd ? items : items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
  return { kind: `${r.kind}List`, apiVersion: groupVersion(r), metadata, items: out };
}

export async function handleRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://apiserver.invalid');
  const method = req.method ?? 'GET';
  const segs = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const q = url.searchParams;
  const contentType = String(req.headers['content-type'] ?? '');
  const rt = route(segs, method, q.get('watch') === 'true' || q.get('watch') === '1', ctx.objects);
  let code = 500;
  const logIt = (): void => ctx.log({
    method, path: url.pathname, verb: rt?.verb ?? (method === 'GET' ? 'discovery' : 'other'), group: rt?.group ?? '',
    version: rt?.version ?? '', resource: rt?.plural ?? '', subresource: rt?.subresource ?? '', namespace: rt?.namespace ?? '',
    name: rt?.name ?? '', code, contentType, fieldManager: q.get('fieldManager') ?? '', userAgent: String(req.headers['user-agent'] ?? ''),
  });
  try {
    if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
      code = 200;
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    if (!authorized(req, ctx.config.token)) throw unauthorized();
    if (segs[0] === '_test') {
      const out = ctx.control(segs.slice(1).join('/'), method, q, res);
      if (out === undefined) throw new ApiError(404, 'NotFound', 'unknown test control path');
      code = 200;
      sendJson(res, 200, out);
      return;
    }
    const fault = rt === undefined ? undefined : ctx.faults.find((f) => f.remaining > 0 && (f.verb === undefined || f.verb === rt.verb)
      && (f.resource === undefined || f.resource === rt.plural || f.resource === `${rt.plural}/${rt.subresource}`));
    if (fault !== undefined) {
      fault.remaining -= 1;
      if (fault.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(fault.retryAfterSeconds));
      throw new ApiError(fault.httpCode, fault.reason, `injected fault: ${fault.reason}`,
        fault.retryAfterSeconds === undefined ? undefined : { retryAfterSeconds: fault.retryAfterSeconds });
    }
    if (rt === undefined) {
      const doc = discovery(ctx, segs);
      if (doc === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      code = 200;
      sendJson(res, 200, doc);
      return;
    }
    const r = rt.r;
    if (r === undefined) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (rt.namespaced && !r.namespaced) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (rt.subresource !== '' && !(rt.subresource === 'status' && r.hasStatus)) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (rt.verb === 'other') throw methodNotAllowed(method);
    if (r.namespaced && !rt.namespaced && rt.verb !== 'list' && rt.verb !== 'watch') {
      // Only list/watch exist at /<plural> for namespaced kinds; single objects need the namespace.
      if (rt.name !== '') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      throw methodNotAllowed(method);
    }
    if (q.has('dryRun')) throw badRequest('dryRun is not supported by the vipd test API server');
    const nsFilter = r.namespaced && rt.namespaced ? rt.namespace : undefined;
    const o = ctx.objects;
    const warnings: string[] = [];
    const wo = { fieldValidation: q.get('fieldValidation') ?? undefined, warnings };
    const sendWrite = (status: number, body: unknown): void => {
      if (warnings.length > 0) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
      sendJson(res, status, body);
    };
    switch (rt.verb) {
      case 'list': {
        const l = await o.list(r, nsFilter, listOptions(q, r), ctx.config.tooLargeWaitMs);
        code = 200;
        sendJson(res, 200, listBody(r, l.items, l.resourceVersion, l.continueToken, l.remaining));
        return;
      }
      case 'watch': {
        const t = q.get('timeoutSeconds');
        const lo = listOptions(q, r);
        const w = new WatchStream(res, o.store, r, nsFilter, {
          ...lo,
          allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: q.get('sendInitialEvents') === 'true',
          timeoutMs: t !== null ? Number(t) * 1000 : ctx.config.defaultWatchTimeoutMs,
          bookmarkIntervalMs: ctx.config.bookmarkIntervalMs,
          tooLargeWaitMs: ctx.config.tooLargeWaitMs,
        });
        code = 200;
        logIt();
        ctx.watches.add(w);
        w.onClose.push(() => ctx.watches.delete(w));
        w.start();
        return;
      }
      case 'get':
        code = 200;
        sendJson(res, 200, o.get(r, rt.namespace, rt.name));
        return;
      case 'create': {
        const body = decodeBody(await readBody(req, ctx.config.maxBodyBytes), contentType || 'application/json');
        const created = o.create(r, rt.namespace, body, wo);
        code = 201;
        sendWrite(201, created);
        return;
      }
      case 'update': {
        const body = decodeBody(await readBody(req, ctx.config.maxBodyBytes), contentType || 'application/json');
        const updated = o.update(r, rt.namespace, rt.name, body, rt.subresource, wo);
        code = 200;
        sendWrite(200, updated);
        return;
      }
      case 'patch': {
        const body = decodeBody(await readBody(req, ctx.config.maxBodyBytes), contentType);
        const existed = o.tryGet(r, rt.namespace, rt.name) !== undefined;
        const out = o.patch(r, rt.namespace, rt.name, contentType, body, {
          subresource: rt.subresource, fieldManager: q.get('fieldManager') ?? undefined, force: q.get('force') === 'true',
        }, wo);
        code = existed ? 200 : 201;
        sendWrite(code, out);
        return;
      }
      case 'delete': {
        const raw = await readBody(req, ctx.config.maxBodyBytes);
        const opts = raw.length > 0 ? decodeBody(raw, 'application/json') : {};
        const pre = isObject(opts) && isObject(opts.preconditions) ? opts.preconditions : undefined;
        const dopts: DeleteOptions = {};
        if (pre !== undefined) {
          dopts.preconditions = {};
          if (typeof pre.uid === 'string') dopts.preconditions.uid = pre.uid;
          if (typeof pre.resourceVersion === 'string') dopts.preconditions.resourceVersion = pre.resourceVersion;
        }
        const out = o.delete(r, rt.namespace, rt.name, dopts);
        // Not yet deleted (finalizers pending): 202 with the object; else the object or a Success Status.
        const pending = o.tryGet(r, rt.namespace, rt.name) !== undefined;
        code = pending ? 202 : 200;
        sendJson(res, code, pending || r.returnDeletedObject ? out : successStatus(r, out));
        return;
      }
      case 'deletecollection': {
        const l = await o.list(r, nsFilter, listOptions(q, r), ctx.config.tooLargeWaitMs);
        const deleted = l.items.map((x) => {
          const m = x.metadata as JsonObject;
          return o.delete(r, String(m.namespace ?? ''), String(m.name));
        });
        code = 200;
        sendJson(res, 200, listBody(r, deleted, String(o.store.currentRv()), undefined, undefined));
        return;
      }
      default:
        throw methodNotAllowed(method);
    }
  } catch (err) {
    const e = err instanceof ApiError ? err : internalError(err instanceof Error ? err.message : String(err));
    code = e.httpCode;
    if (!res.headersSent) sendJson(res, e.httpCode, e.toStatus());
    else res.end();
  } finally {
    if (rt?.verb !== 'watch' || code !== 200) logIt();
  }
}

function successStatus(r: ResourceDef, deleted: JsonObject): JsonObject {
  const m = isObject(deleted.metadata) ? deleted.metadata : {};
  const details: JsonObject = { name: m.name ?? '', kind: r.plural, uid: m.uid ?? '' };
  if (r.group !== '') details.group = r.group;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}

function discovery(ctx: HandlerContext, segs: string[]): Json | undefined {
  const reg = ctx.objects.resources;
  if (segs.length === 1 && segs[0] === 'version') return versionInfo();
  if (segs.length === 1 && segs[0] === 'api') return apiVersions(ctx.config.serverAddress());
  if (segs.length === 1 && segs[0] === 'apis') return apiGroupList(reg);
  if (segs.length === 2 && segs[0] === 'api') return apiResourceList(reg, '', segs[1]);
  if (segs.length === 2 && segs[0] === 'apis') return apiGroup(reg, segs[1]);
  if (segs.length === 3 && segs[0] === 'apis') return apiResourceList(reg, segs[1], segs[2]);
  return undefined;
}
