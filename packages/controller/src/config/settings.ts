// VipdSettings: the cluster-wide singleton (named "default") with the decision's settings — our
// loadBalancerClass, whether we are the default implementation, the terminating-endpoint policy, drain
// behaviour (withdraw, or RFC 8326 GRACEFUL_SHUTDOWN) and what counts as draining. With no object,
// DEFAULT_SETTINGS apply; docs/decision.md explains each default.

import { issue, result, type ParseResult } from './issues.ts';
import { checkKnown, newCtx, readBool, readEnum, readEnvelope, readInt, readList, readObj, readString } from './read.ts';
import { isQualifiedName } from './selector.ts';
import {
  DRAIN_BEHAVIOURS, EXCLUDE_LABEL_HANDLINGS, TERMINATING_POLICIES, type DrainSignals, type VipdSettings,
  type VipdSettingsSpec,
} from './types.ts';

export const SETTINGS_NAME = 'default';
export const DEFAULT_LOAD_BALANCER_CLASS = 'vipd.io/bgp';

/** Taints that mean "this node is going away": cluster-autoscaler, Karpenter, non-graceful shutdown. */
export const DEFAULT_DRAIN_TAINT_KEYS: readonly string[] = [
  'ToBeDeletedByClusterAutoscaler',
  'karpenter.sh/disrupted',
  'node.kubernetes.io/out-of-service',
  'node.cloudprovider.kubernetes.io/shutdown',
];

export const DEFAULT_SETTINGS: VipdSettingsSpec = {
  loadBalancerClass: DEFAULT_LOAD_BALANCER_CLASS,
  isDefaultClass: false,
  terminatingPolicy: 'withdraw',
  drainBehaviour: 'withdraw',
  drainPeriodSec: 30,
  drainSignals: { cordon: true, taintKeys: DEFAULT_DRAIN_TAINT_KEYS },
  excludeLabelHandling: 'presence',
  keepAnnouncingWhenDisconnected: true,
  sessionStateEnabled: true,
};

const SPEC_FIELDS = [
  'loadBalancerClass', 'isDefaultClass', 'terminatingPolicy', 'drainBehaviour', 'drainPeriodSec', 'drainSignals',
  'excludeLabelHandling', 'keepAnnouncingWhenDisconnected', 'sessionStateEnabled',
] as const;

export function parseVipdSettings(raw: unknown): ParseResult<VipdSettings> {
  const ctx = newCtx();
  const env = readEnvelope(ctx, raw, 'VipdSettings');
  if (env === undefined) return result<VipdSettings>(undefined as never, ctx.errors);
  const { spec } = env;
  if (env.meta.name !== '' && env.meta.name !== SETTINGS_NAME) {
    ctx.errors.push(issue('metadata.name', `must be "${SETTINGS_NAME}" (one settings object per cluster)`, 'InvalidName'));
  }
  checkKnown(ctx, spec, SPEC_FIELDS, 'spec');
  const cls = readString(ctx, spec, 'loadBalancerClass', 'spec', { maxLength: 316 });
  // Kubernetes requires a label-style loadBalancerClass with a domain prefix ("example.com/name").
  if (cls !== undefined && (!cls.includes('/') || !isQualifiedName(cls))) {
    ctx.errors.push(issue('spec.loadBalancerClass', 'must be a prefixed qualified name like "vipd.io/bgp"', 'InvalidName'));
  }
  const ds = readObj(ctx, spec, 'drainSignals', 'spec');
  let drainSignals: DrainSignals = DEFAULT_SETTINGS.drainSignals;
  if (ds !== undefined) {
    checkKnown(ctx, ds, ['cordon', 'taintKeys'], 'spec.drainSignals');
    drainSignals = {
      cordon: readBool(ctx, ds, 'cordon', 'spec.drainSignals', true),
      taintKeys:
        ds['taintKeys'] === undefined
          ? DEFAULT_DRAIN_TAINT_KEYS
          : readList(ctx, ds, 'taintKeys', 'spec.drainSignals', (v, p) => {
              if (typeof v === 'string' && isQualifiedName(v)) return v;
              ctx.errors.push(issue(p, 'must be a taint key (qualified name)', 'InvalidName'));
              return undefined;
            }, { unique: true, maxItems: 32 }),
    };
  }
  const d = DEFAULT_SETTINGS;
  return result<VipdSettings>(
    {
      metadata: env.meta,
      spec: {
        loadBalancerClass: cls ?? d.loadBalancerClass,
        isDefaultClass: readBool(ctx, spec, 'isDefaultClass', 'spec', d.isDefaultClass),
        terminatingPolicy: readEnum(ctx, spec, 'terminatingPolicy', 'spec', TERMINATING_POLICIES, d.terminatingPolicy),
        drainBehaviour: readEnum(ctx, spec, 'drainBehaviour', 'spec', DRAIN_BEHAVIOURS, d.drainBehaviour),
        drainPeriodSec: readInt(ctx, spec, 'drainPeriodSec', 'spec', { min: 0, max: 3600, reason: 'InvalidTimer' }) ?? d.drainPeriodSec,
        drainSignals,
        excludeLabelHandling: readEnum(ctx, spec, 'excludeLabelHandling', 'spec', EXCLUDE_LABEL_HANDLINGS, d.excludeLabelHandling),
        keepAnnouncingWhenDisconnected: readBool(ctx, spec, 'keepAnnouncingWhenDisconnected', 'spec', d.keepAnnouncingWhenDisconnected),
        sessionStateEnabled: readBool(ctx, spec, 'sessionStateEnabled', 'spec', d.sessionStateEnabled),
      },
    },
    ctx.errors,
    ctx.warnings,
  );
}
