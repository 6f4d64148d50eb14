// TestApiServer: the in-process control API of the vipd test Kubernetes API server (not part of
// Kubernetes). start/stop/restart on a fixed port (the store survives a restart, like etcd behind a
// restarted kube-apiserver; the watch history can be dropped as a fresh watch cache would), compact()
// to force 410 Gone, direct object access for setup, a kubeconfig writer, and a request log.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fault, HandlerConfig, RequestLogEntry, Verb } from './http-handler.ts';
import { loadCrdManifests, VIPD_CHART_CRDS_DIR } from './crd.ts';
import { handleRequest } from './http-handler.ts';
import { ObjectApi } from './objects.ts';
import type { Json, JsonObject } from './patch.ts';
import type { CrdSpec, ResourceDef } from './resources.ts';
import { defaultRegistry } from './resources.ts';
import { Store } from './store.ts';
import type { WatchStream } from './watch.ts';

export type TestApiServerOptions = {
  /** Address to listen on: 127.0.0.1 by default; a veth address in the root namespace works too. */
  readonly host?: string;
  /**
   * Address written into the kubeconfig and the certificate when `host` is a wildcard (0.0.0.0, ::),
   * e.g. the server's veth address as seen from a vipd node's network namespace.
   */
  readonly advertiseHost?: string;
  /** Extra subjectAltNames for the TLS certificate ("IP:10.99.0.1", "DNS:apiserver"). */
  readonly tlsSans?: readonly string[];
  /** Request log entries kept (oldest dropped); write counts are kept in full. */
  readonly requestLogLimit?: number;
  /** 0 picks a free port; restart() reuses the port first bound. */
  readonly port?: number;
  readonly token?: string;
  /**
   * Serve HTTPS with a throw-away self-signed certificate, written into the kubeconfig as the CA
   * (default true: @kubernetes/client-node 2.x refuses http:// unless insecure-skip-tls-verify is set,
   * which the kubeconfig then carries).
   */
  readonly tls?: boolean;
  readonly historyLimit?: number;
  /** Period of BOOKMARK events on watches that allow them (the real server: about a minute). */
  readonly bookmarkIntervalMs?: number;
  /** Watch duration when the client sends no timeoutSeconds (the real server: 30–60 min). */
  readonly defaultWatchTimeoutMs?: number;
  /** How long a list/watch with a resourceVersion newer than the store waits before 504 (real: 3 s). */
  readonly tooLargeWaitMs?: number;
  readonly extraCrds?: readonly CrdSpec[];
  /**
   * CustomResourceDefinition YAML files or directories: their kinds are served with schema pruning,
   * defaulting and validation, replacing the generic vipd.io rows. Default: vipd's chart CRDs
   * (charts/vipd/crds) when present, as a real cluster would have them installed; [] for the generic
   * table only (no schemas).
   */
  readonly crdManifests?: readonly string[];
};

function defaultCrdManifests(): string[] {
  return existsSync(VIPD_CHART_CRDS_DIR) ? [VIPD_CHART_CRDS_DIR] : [];
}

const WRITE_VERBS: ReadonlySet<Verb> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export class TestApiServer {
  readonly store: Store;
  readonly objects: ObjectApi;
  readonly token: string;
  readonly requests: RequestLogEntry[] = [];
  readonly #opts: TestApiServerOptions;
  readonly #watches = new Set<WatchStream>();
  readonly #writes = new Map<string, number>();
  readonly #faults: Fault[] = [];
  #server: HttpServer | undefined;
  #port: number;
  #seq = 0;
  #tlsDir: string | undefined;
  #kubeconfigDir: string | undefined;
  #cert: { key: Buffer; cert: Buffer } | undefined;

  constructor(opts: TestApiServerOptions = {}) {
    this.#opts = opts;
    this.#port = opts.port ?? 0;
    this.token = opts.token ?? randomBytes(24).toString('hex');
    this.store = new Store({ historyLimit: opts.historyLimit });
    this.objects = new ObjectApi(this.store, defaultRegistry(opts.extraCrds, loadCrdManifests(opts.crdManifests ?? defaultCrdManifests())));
    const ns = this.resource('v1', 'namespaces');
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.objects.create(ns, '', { metadata: { name } });
    }
  }

  get #tlsOn(): boolean {
    return this.#opts.tls !== false;
  }

  get host(): string {
    return this.#opts.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.#port;
  }

  /** The address clients use: advertiseHost, else host. */
  get clientHost(): string {
    return this.#opts.advertiseHost ?? this.host;
  }

  get url(): string {
    const h = this.clientHost.includes(':') ? `[${this.clientHost}]` : this.clientHost;
    return `${this.#tlsOn ? 'https' : 'http'}://${h}:${this.#port}`;
  }

  get isRunning(): boolean {
    return this.#server !== undefined;
  }

  /** The resource row for an apiVersion ("v1", "coordination.k8s.io/v1") and plural. */
  resource(apiVersion: string, plural: string): ResourceDef {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const r = this.objects.resources.lookup(group, version, plural);
    if (r === undefined) throw new Error(`unknown resource ${apiVersion}/${plural}`);
    return r;
  }

  /** Direct (no HTTP, no auth) create with full API semantics: watchers see the ADDED event. */
  create(apiVersion: string, plural: string, obj: object, namespace = ''): JsonObject {
    return this.objects.create(this.resource(apiVersion, plural), namespace, JSON.parse(JSON.stringify(obj)) as Json);
  }

  get(apiVersion: string, plural: string, name: string, namespace = ''): JsonObject | undefined {
    return this.objects.tryGet(this.resource(apiVersion, plural), namespace, name);
  }

  async start(): Promise<void> {
    if (this.#server !== undefined) return;
    const config: HandlerConfig = {
      token: this.token,
      bookmarkIntervalMs: this.#opts.bookmarkIntervalMs ?? 60_000,
      defaultWatchTimeoutMs: this.#opts.defaultWatchTimeoutMs ?? 30 * 60_000,
      tooLargeWaitMs: this.#opts.tooLargeWaitMs ?? 3_000,
      maxBodyBytes: 3 * 1024 * 1024,
      serverAddress: () => `${this.clientHost}:${this.#port}`,
    };
    const handler = (req: Parameters<typeof handleRequest>[1], res: Parameters<typeof handleRequest>[2]): void => {
      void handleRequest({
        objects: this.objects, config, watches: this.#watches, faults: this.#faults,
        log: (e) => this.#record({ seq: ++this.#seq, atMs: Date.now(), ...e }),
        control: (path, method, query, res) => this.#control(path, method, query, res),
      }, req, res);
    };
    const server = this.#tlsOn ? createHttpsServer(this.#tls(), handler) : createHttpServer(handler);
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /**
   * Stop serving. Default: abrupt, like a crashed API server (open watches and keep-alive sockets
   * are destroyed, clients see connection errors). graceful: watches end cleanly first.
   */
  async stop(opts: { graceful?: boolean } = {}): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    if (opts.graceful === true) for (const w of [...this.#watches]) w.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    for (const w of [...this.#watches]) w.close();
  }

  /** Stop and start again on the same port. dropHistory: the new "watch cache" starts at the current RV. */
  async restart(opts: { dropHistory?: boolean; downMs?: number; graceful?: boolean } = {}): Promise<void> {
    await this.stop({ graceful: opts.graceful });
    if (opts.dropHistory === true) this.store.compact();
    if (opts.downMs !== undefined && opts.downMs > 0) await new Promise((r) => setTimeout(r, opts.downMs));
    await this.start();
  }

  /** Forget all watch history: any watch or exact list from an older resourceVersion gets 410 Expired. */
  compact(): void {
    this.store.compact();
  }

  /**
   * Make the next `count` requests matching verb/resource ("services", "services/status") fail with a
   * Status: 500 InternalError, 503 ServiceUnavailable, 429 TooManyRequests (with Retry-After), 409...
   */
  injectFault(f: { verb?: Verb; resource?: string; httpCode: number; reason: Fault['reason']; count?: number; retryAfterSeconds?: number }): void {
    this.#faults.push({ verb: f.verb, resource: f.resource, httpCode: f.httpCode, reason: f.reason, remaining: f.count ?? 1,
      retryAfterSeconds: f.retryAfterSeconds });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Number of open watch streams. */
  openWatches(): number {
    return this.#watches.size;
  }

  #record(e: RequestLogEntry): void {
    if (process.env.VAS_DEBUG === '1' && e.code >= 400) process.stderr.write(`vas ${e.code} ${e.verb} ${e.path}\n`);
    this.requests.push(e);
    const limit = this.#opts.requestLogLimit ?? 100_000;
    if (this.requests.length > limit) this.requests.splice(0, this.requests.length - limit);
    if (WRITE_VERBS.has(e.verb)) {
      const k = `${e.verb} ${e.resource}${e.subresource === '' ? '' : `/${e.subresource}`}`;
      this.#writes.set(k, (this.#writes.get(k) ?? 0) + 1);
    }
  }

  /**
   * Write requests (any outcome) since the log was last cleared, keyed "verb resource[/subresource]"
   * (e.g. "patch services/status"). Writes made directly through create()/objects are not requests.
   */
  writeCounts(): Record<string, number> {
    return Object.fromEntries(this.#writes);
  }

  clearRequestLog(): void {
    this.requests.length = 0;
    this.#writes.clear();
  }

  kubeconfigYaml(namespace = 'default'): string {
    const ca = this.#tlsOn
      ? `\n    certificate-authority-data: ${this.#tls().cert.toString('base64')}`
      : '\n    insecure-skip-tls-verify: true';
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: vipd-test',
      '  cluster:',
      `    server: ${this.url}${ca}`,
      'users:',
      '- name: vipd-test',
      '  user:',
      `    token: ${this.token}`,
      'contexts:',
      '- name: vipd-test',
      '  context:',
      '    cluster: vipd-test',
      '    user: vipd-test',
      `    namespace: ${namespace}`,
      'current-context: vipd-test',
      '',
    ].join('\n');
  }

  /** Write a kubeconfig pointing at this server (mode 0600: it holds the token) and return its path. */
  writeKubeconfig(path: string, namespace = 'default'): string {
    writeFileSync(path, this.kubeconfigYaml(namespace), { mode: 0o600 });
    return path;
  }

  /** Write a kubeconfig to `path`, or to a temporary file removed by dispose(); returns the path. */
  kubeconfig(path?: string, namespace = 'default'): string {
    if (path !== undefined) return this.writeKubeconfig(path, namespace);
    this.#kubeconfigDir ??= mkdtempSync(join(tmpdir(), 'vas-kubeconfig-'));
    return this.writeKubeconfig(join(this.#kubeconfigDir, 'kubeconfig'), namespace);
  }

  /** Remove temporary files (the TLS key pair, a temporary kubeconfig). */
  dispose(): void {
    for (const d of [this.#tlsDir, this.#kubeconfigDir]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
    this.#tlsDir = undefined;
    this.#kubeconfigDir = undefined;
  }

  #tls(): { key: Buffer; cert: Buffer } {
    if (this.#cert !== undefined) return this.#cert;
    const dir = mkdtempSync(join(tmpdir(), 'vas-tls-'));
    this.#tlsDir = dir;
    const h = this.clientHost;
    const sans = new Set(['DNS:localhost', 'IP:127.0.0.1', ...(this.#opts.tlsSans ?? [])]);
    if (h !== '0.0.0.0' && h !== '::') sans.add(/^[0-9.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=vipd-test-apiserver',
      '-addext', `subjectAltName=${[...sans].join(',')}`], { stdio: 'ignore' });
    this.#cert = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    return this.#cert;
  }

  /**
   * Test control over HTTP for standalone mode: GET _test/requests, GET _test/writes, POST _test/compact,
   * POST _test/clear-log, POST _test/restart?downMs=N&dropHistory=true (answers, then restarts; the store stays).
   */
  #control(path: string, method: string, query: URLSearchParams, res: ServerResponse): Json | undefined {
    if (path === 'restart' && method === 'POST') {
      const downMs = Math.min(Number(query.get('downMs') ?? '0') || 0, 60_000);
      const dropHistory = query.get('dropHistory') === 'true';
      res.once('finish', () => void this.restart({ dropHistory, downMs }));
      return { restarting: true, downMs, dropHistory };
    }
    if (path === 'requests' && method === 'GET') return this.requests as unknown as Json;
    if (path === 'writes' && method === 'GET') return this.writeCounts();
    if (path === 'compact' && method === 'POST') {
      this.compact();
      return { compactedResourceVersion: String(this.store.compactedRv()) };
    }
    if (path === 'clear-log' && method === 'POST') {
      this.clearRequestLog();
      return {};
    }
    return undefined;
  }
}
