// A client-node informer that keeps itself alive: list + watch through @kubernetes/client-node
// (which relists on 410 Gone), restarted with exponential backoff after any error, with the
// connection state exposed so the daemon can report it (readiness, metrics) and keep the last good
// decision while disconnected. Handlers receive only the object's key, as the house style asks.

import * as k8s from '@kubernetes/client-node';

export type ListFn<T> = () => Promise<{ items: T[]; metadata?: k8s.V1ListMeta }>;

export interface WatchedResource<T extends k8s.KubernetesObject> {
  readonly name: string;
  /** Sync state: true once the first list has arrived; stays true across reconnects (cache kept). */
  readonly synced: boolean;
  readonly connected: boolean;
  readonly restarts: number;
  list(): readonly T[];
  get(name: string, namespace?: string): T | undefined;
  start(): Promise<void>;
  stop(): void;
}

export interface WatchOptions {
  readonly labelSelector?: string;
  /** e.g. `metadata.name=node-a`: watch one object (the daemon's own Node). */
  readonly fieldSelector?: string;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Called with the key ("ns/name" or "name") of every added, changed or deleted object. */
  readonly onChange: (key: string, obj: k8s.KubernetesObject, kind: 'add' | 'update' | 'delete') => void;
  readonly onConnection?: (connected: boolean, err?: unknown) => void;
}

export function objectKey(obj: k8s.KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns === undefined || ns === '' ? name : `${ns}/${name}`;
}

export function watchResource<T extends k8s.KubernetesObject>(kc: k8s.KubeConfig, name: string, path: string, listFn: ListFn<T>, opts: WatchOptions): WatchedResource<T> {
  const informer =
    opts.fieldSelector === undefined
      ? k8s.makeInformer<T>(kc, path, listFn as k8s.ListPromise<T>, opts.labelSelector)
      : new k8s.ListWatch<T>(path, new k8s.Watch(kc), listFn as k8s.ListPromise<T>, false, opts.labelSelector, opts.fieldSelector);
  const minBackoff = opts.minBackoffMs ?? 200;
  const maxBackoff = opts.maxBackoffMs ?? 10_000;
  let backoff = minBackoff;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const state = { synced: false, connected: false, restarts: 0 };

  const setConnected = (v: boolean, err?: unknown): void => {
    if (state.connected === v) return;
    state.connected = v;
    opts.onConnection?.(v, err);
  };

  for (const ev of ['add', 'update', 'delete'] as const) {
    informer.on(ev, (obj: T) => {
      backoff = minBackoff;
      setConnected(true);
      opts.onChange(objectKey(obj), obj, ev);
    });
  }
  informer.on('connect', () => {
    backoff = minBackoff;
    setConnected(true);
  });
  informer.on('error', (err: unknown) => {
    setConnected(false, err);
    if (stopped) return;
    state.restarts++;
    const delay = backoff * (0.8 + Math.random() * 0.4);
    backoff = Math.min(maxBackoff, backoff * 2);
    retry = setTimeout(() => {
      if (stopped) return;
      informer.start().catch(() => {
        // start() rejects on a failed list; the informer emits 'error' too, which schedules again.
      });
    }, delay);
  });

  return {
    name,
    get synced() {
      return state.synced;
    },
    get connected() {
      return state.connected;
    },
    get restarts() {
      return state.restarts;
    },
    list: () => informer.list(),
    get: (n, ns) => informer.get(n, ns),
    async start() {
      stopped = false;
      // client-node resolves start() after the initial list; retry until it succeeds.
      for (;;) {
        try {
          await informer.start();
          state.synced = true;
          setConnected(true);
          return;
        } catch (err) {
          setConnected(false, err);
          if (stopped) return;
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(maxBackoff, backoff * 2);
        }
      }
    },
    stop() {
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      void informer.stop();
    },
  };
}

/** Kubeconfig: a given file, else in-cluster (KUBERNETES_SERVICE_HOST), else the default locations. */
export function loadKubeConfig(file?: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (file !== undefined) kc.loadFromFile(file);
  else if (process.env.KUBERNETES_SERVICE_HOST !== undefined) kc.loadFromCluster();
  else kc.loadFromDefault();
  return reuseConnections(kc);
}

type DispatcherFactory = (cluster: k8s.Cluster | null, agentOptions: unknown) => unknown;

/**
 * client-node 2.0.1 builds a new undici Agent — a new TCP + TLS connection — for every request. With one
 * status patch per change on every node that is a TLS handshake per write, and at 10k writes it runs the
 * host out of ephemeral ports. This keeps one keep-alive dispatcher per cluster and context (the TLS
 * material of a kubeconfig does not change under it; bearer tokens travel per request as headers).
 * Idempotent.
 */
export function reuseConnections(kc: k8s.KubeConfig): k8s.KubeConfig {
  const target = kc as unknown as { createDispatcher: DispatcherFactory; vipdReuse?: true };
  if (target.vipdReuse === true || typeof target.createDispatcher !== 'function') return kc;
  const create = target.createDispatcher.bind(kc);
  const cache = new Map<string, unknown>();
  target.createDispatcher = (cluster, agentOptions) => {
    const key = `${cluster?.server ?? ''}|${kc.getCurrentContext()}`;
    if (!cache.has(key)) cache.set(key, create(cluster, agentOptions));
    return cache.get(key);
  };
  target.vipdReuse = true;
  return kc;
}
