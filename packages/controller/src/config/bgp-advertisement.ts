// BGPAdvertisement: which VIPs (pools by name or selector, Service selectors), from which nodes, to
// which peers, with which path attributes (RFC 1997 / RFC 8092 communities, LOCAL_PREF RFC 4271
// §5.1.5, MULTI_EXIT_DISC §5.1.4, AS_PATH prepending). Empty lists mean "no restriction".

import { parseCommunity, parseLargeCommunity, unionCommunities, unionLargeCommunities, type LargeCommunity } from './communities.ts';
import { issue, result, type ParseResult } from './issues.ts';
import { checkKnown, DNS_SUBDOMAIN, newCtx, readEnvelope, readInt, readList, type Ctx } from './read.ts';
import { parseSelector, type LabelSelector } from './selector.ts';
import type { BgpAdvertisement } from './types.ts';

/** An upper bound on prepends: more is never useful and bloats every UPDATE. */
export const MAX_AS_PATH_PREPEND = 16;

const SPEC_FIELDS = [
  'ipAddressPools', 'poolSelectors', 'serviceSelectors', 'nodeSelectors', 'peers', 'communities',
  'largeCommunities', 'localPref', 'med', 'asPathPrepend',
] as const;

function nameList(ctx: Ctx, v: unknown, p: string): string | undefined {
  if (typeof v === 'string' && DNS_SUBDOMAIN.test(v)) return v;
  ctx.errors.push(issue(p, 'must be an object name (DNS subdomain)', 'InvalidName'));
  return undefined;
}

export function parseBgpAdvertisement(raw: unknown): ParseResult<BgpAdvertisement> {
  const ctx = newCtx();
  const env = readEnvelope(ctx, raw, 'BGPAdvertisement');
  if (env === undefined) return result<BgpAdvertisement>(undefined as never, ctx.errors);
  const { spec } = env;
  checkKnown(ctx, spec, SPEC_FIELDS, 'spec');
  const names = (key: string): string[] => readList(ctx, spec, key, 'spec', (v, p) => nameList(ctx, v, p), { unique: true });
  const selectors = (key: string): LabelSelector[] =>
    readList(ctx, spec, key, 'spec', (v, p) => parseSelector(v, p, ctx.errors));

  const communities = readList<number>(ctx, spec, 'communities', 'spec', (v, p) => {
    const c = typeof v === 'string' ? parseCommunity(v) : undefined;
    if (c === undefined) {
      ctx.errors.push(issue(p, 'must be "ASN:value" (each 0-65535) or a well-known community name', 'InvalidCommunity'));
    }
    return c;
  });
  const largeCommunities = readList<LargeCommunity>(ctx, spec, 'largeCommunities', 'spec', (v, p) => {
    const c = typeof v === 'string' ? parseLargeCommunity(v) : undefined;
    if (c === undefined) {
      ctx.errors.push(issue(p, 'must be "global:local1:local2" (each 0-4294967295, RFC 8092)', 'InvalidCommunity'));
    }
    return c;
  });

  return result<BgpAdvertisement>(
    {
      metadata: env.meta,
      spec: {
        ipAddressPools: names('ipAddressPools'),
        poolSelectors: selectors('poolSelectors'),
        serviceSelectors: selectors('serviceSelectors'),
        nodeSelectors: selectors('nodeSelectors'),
        peers: names('peers'),
        communities: unionCommunities(communities),
        largeCommunities: unionLargeCommunities(largeCommunities),
        localPref: readInt(ctx, spec, 'localPref', 'spec', { min: 0, max: 4294967295 }),
        med: readInt(ctx, spec, 'med', 'spec', { min: 0, max: 4294967295 }),
        asPathPrepend: readInt(ctx, spec, 'asPathPrepend', 'spec', { min: 0, max: MAX_AS_PATH_PREPEND }) ?? 0,
      },
    },
    ctx.errors,
    ctx.warnings,
  );
}
