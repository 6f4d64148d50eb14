// What the daemon tells users through the API, written off the hot path by its own queue (a slow or
// unreachable API server never delays an UPDATE):
//  - per Service: a condition of type `<node>.node.vipd.io/Announced` (one per node, so nodes never
//    overwrite each other: Service status conditions merge by `type` under strategic merge patch) and
//    an Event only when this node's summary changes ("announced … from node X to peers …",
//    "withdrawn from node X: <reason>"). After a restart the condition already on the Service is
//    compared first, so a restart emits nothing when nothing changed.
//  - per configuration object: the Accepted (and PasswordSecretResolved / BfdAuthSecretResolved)
//    conditions, written only when they differ, with a Warning Event when an object is rejected (or a
//    Secret condition is False).
//  - a BGPSessionState named after the node (peer state, prefixes sent, last error, next hop per
//    family or why VIPs of a family are withheld), unless
//    VipdSettings.sessionStateEnabled is false.

import * as k8s from '@kubernetes/client-node';
import type { Logger } from '@vipd/bgp/observe.ts';
import type { Condition } from '../config/issues.ts';
import { summarizeService, type ServiceSummary } from '../decision-summary.ts';
import type { ServiceDecision } from '../decide.ts';
import { WorkQueue } from '../kube/queue.ts';
import { sameConditions, stampConditions, type ObjectVerdict } from './config-state.ts';
import type { FeedStatus } from './peer-feed.ts';
import { sessionStateNextHops } from './peer-next-hops.ts';

const SESSION_KEY = '\u0000session-state';

/** The per-node Service condition type: a qualified name, `<node>.node.vipd.io/Announced`. */
export function nodeConditionType(nodeName: string): string {
  const prefix = `${nodeName}.node.vipd.io`;
  if (prefix.length <= 253) return `${prefix}/Announced`;
  let h = 0;
  for (const ch of nodeName) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return `${nodeName.slice(0, 220).replace(/[.-]+$/, '')}-${h.toString(16)}.node.vipd.io/Announced`;
}

export interface FeedbackSources {
  decision(key: string): ServiceDecision | undefined;
  service(key: string): k8s.V1Service | undefined;
  verdict(key: string): ObjectVerdict | undefined;
  sessions(): readonly FeedStatus[] | undefined;
}

export interface FeedbackOptions {
  readonly kc: k8s.KubeConfig;
  readonly nodeName: string;
  readonly identity: string;
  readonly log: Logger;
  readonly sources: FeedbackSources;
  readonly onApiError?: (resource: 'services' | 'bgpsessionstates' | 'events' | ConfigPluralLike, verb: 'create' | 'patch') => void;
}
type ConfigPluralLike = 'bgppeers' | 'bgpadvertisements' | 'ipaddresspools' | 'vipdsettings';

const json = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

export class Feedback {
  private readonly o: FeedbackOptions;
  private readonly core: k8s.CoreV1Api;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly queue: WorkQueue<string>;
  readonly conditionType: string;
  /** Service key → the summary last written (condition + Event). */
  private readonly reported = new Map<string, string>();
  private readonly configReported = new Map<string, string>();
  private sessionStateExists = false;
  private lastSessionJson = '';
  sessionStateEnabled = true;
  writes = 0;

  constructor(o: FeedbackOptions) {
    this.o = o;
    this.core = o.kc.makeApiClient(k8s.CoreV1Api);
    this.custom = o.kc.makeApiClient(k8s.CustomObjectsApi);
    this.conditionType = nodeConditionType(o.nodeName);
    this.queue = new WorkQueue((key) => this.run(key), { baseDelayMs: 500, maxDelayMs: 30_000 });
  }

  service(key: string): void {
    this.queue.add(`svc:${key}`);
  }

  config(key: string): void {
    this.queue.add(`cfg:${key}`);
  }

  sessions(): void {
    this.queue.add(SESSION_KEY);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): void {
    this.queue.stop();
  }

  private async run(key: string): Promise<void> {
    if (key === SESSION_KEY) return this.writeSessionState();
    if (key.startsWith('svc:')) return this.writeService(key.slice(4));
    return this.writeConfig(key.slice(4));
  }

  private async writeService(key: string): Promise<void> {
    const d = this.o.sources.decision(key);
    const svc = this.o.sources.service(key);
    if (d === undefined || svc === undefined) {
      this.reported.delete(key);
      return;
    }
    const s = summarizeService(d);
    if (!s.relevant) {
      this.reported.delete(key);
      return;
    }
    const fp = `${s.conditionReason}|${s.message}`;
    if (this.reported.get(key) === fp) return;
    const current = (svc.status?.conditions ?? []).find((c) => c.type === this.conditionType);
    const want = { type: this.conditionType, status: s.announced ? 'True' : 'False', reason: s.conditionReason, message: s.message };
    const first = !this.reported.has(key);
    const same = current !== undefined && current.status === want.status && current.reason === want.reason && current.message === want.message;
    const [ns, name] = [svc.metadata!.namespace!, svc.metadata!.name!];
    if (!same) {
      this.writes++;
      const body = { status: { conditions: [{ ...want, observedGeneration: svc.metadata?.generation, lastTransitionTime: new Date().toISOString() }] } };
      try {
        await this.core.patchNamespacedServiceStatus({ namespace: ns, name, body }, strategic);
      } catch (err) {
        this.o.onApiError?.('services', 'patch');
        throw err;
      }
    }
    // Events only for changes: a transition this process saw, or (first time) a condition from before
    // a restart that differs. A first decision with no condition yet emits an Event only when it
    // announces, so installing vipd on N nodes does not emit N "withdrawn: no local endpoints" Events
    // per Local Service (the condition still says it).
    const emit = first ? (current !== undefined ? !same : s.announced) : true;
    if (emit) await this.event(svc, 'v1', 'Service', s);
    this.reported.set(key, fp);
  }

  private async event(obj: k8s.KubernetesObject, apiVersion: string, kind: string, s: Pick<ServiceSummary, 'eventType' | 'eventReason' | 'message'>): Promise<void> {
    const md = obj.metadata!;
    const namespace = md.namespace ?? 'default';
    const now = new Date();
    this.writes++;
    try {
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${md.name}.`, namespace },
          involvedObject: { apiVersion, kind, name: md.name, ...(md.namespace === undefined ? {} : { namespace: md.namespace }), uid: md.uid },
          type: s.eventType,
          reason: s.eventReason,
          message: s.message.slice(0, 1024),
          source: { component: 'vipd-speaker', host: this.o.nodeName },
          reportingComponent: 'vipd.io/speaker',
          reportingInstance: this.o.identity,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err) {
      // Events are best effort: the condition carries the same information.
      this.o.onApiError?.('events', 'create');
      this.o.log.debug({ err, object: `${kind}/${md.name}` }, 'event not recorded');
    }
  }

  private async writeConfig(key: string): Promise<void> {
    const v = this.o.sources.verdict(key);
    if (v === undefined) {
      this.configReported.delete(key);
      return;
    }
    const fp = JSON.stringify(v.conditions.map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration ?? null]));
    if (this.configReported.get(key) === fp) return;
    if (!sameConditions(v.conditions, v.current)) {
      const conditions: Condition[] = stampConditions(v.conditions, v.current, new Date().toISOString());
      this.writes++;
      try {
        await this.custom.patchClusterCustomObjectStatus(
          { group: 'vipd.io', version: 'v1alpha1', plural: v.plural, name: v.name, body: { status: { conditions } } }, json);
      } catch (err) {
        this.o.onApiError?.(v.plural, 'patch');
        throw err;
      }
      const bad = v.conditions.find((c) => c.status === 'False');
      if (bad !== undefined) {
        // Config objects are cluster-scoped: their Events go to the default namespace, as kubectl shows them.
        await this.event({ metadata: { name: v.name, namespace: 'default' } }, 'vipd.io/v1alpha1', v.kind, {
          eventType: 'Warning',
          eventReason: bad.reason,
          message: `${v.kind} ${v.name}: ${bad.type}=False: ${bad.message}`,
        } as Pick<ServiceSummary, 'eventType' | 'eventReason' | 'message'>);
      }
    }
    this.configReported.set(key, fp);
  }

  private async writeSessionState(): Promise<void> {
    const sessions = this.o.sources.sessions();
    if (sessions === undefined) return;
    const name = this.o.nodeName;
    if (!this.sessionStateEnabled) {
      if (this.sessionStateExists) {
        this.sessionStateExists = false;
        this.lastSessionJson = '';
        await this.custom.deleteClusterCustomObject({ group: 'vipd.io', version: 'v1alpha1', plural: 'bgpsessionstates', name }).catch(() => undefined);
      }
      return;
    }
    const peers = sessions.map((s) => ({
      name: s.name,
      address: s.address,
      state: s.state,
      ...(s.asn === undefined ? {} : { asn: s.asn }),
      ...(s.establishedSinceMs === undefined ? {} : { establishedSince: new Date(s.establishedSinceMs).toISOString() }),
      families: s.families,
      prefixesSent: { ipv4: s.advertised['ipv4-unicast'], ipv6: s.advertised['ipv6-unicast'] },
      ...(s.lastError === undefined ? {} : { lastError: s.lastError.slice(0, 1024) }),
      ...(s.lastErrorAtMs === undefined ? {} : { lastErrorTime: new Date(s.lastErrorAtMs).toISOString() }),
      ...(s.nextHops === undefined ? {} : { nextHops: sessionStateNextHops(s.nextHops) }),
    }));
    const text = JSON.stringify(peers);
    if (text === this.lastSessionJson) return;
    const group = { group: 'vipd.io', version: 'v1alpha1', plural: 'bgpsessionstates' };
    if (!this.sessionStateExists) {
      try {
        this.writes++;
        await this.custom.createClusterCustomObject({ ...group, body: { apiVersion: 'vipd.io/v1alpha1', kind: 'BGPSessionState', metadata: { name } } });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) {
          this.o.onApiError?.('bgpsessionstates', 'create');
          throw err;
        }
      }
      this.sessionStateExists = true;
    }
    this.writes++;
    try {
      await this.custom.patchClusterCustomObjectStatus(
        { ...group, name, body: { status: { nodeName: name, updatedAt: new Date().toISOString(), peers } } }, json);
    } catch (err) {
      this.o.onApiError?.('bgpsessionstates', 'patch');
      if ((err as { code?: number }).code === 404) this.sessionStateExists = false;
      throw err;
    }
    this.lastSessionJson = text;
  }
}
