// BGPPeer: parse and semantically validate one BGP neighbour definition (RFC 4271 timers, RFC 6793 /
// RFC 7607 ASNs, RFC 4724 graceful restart, RFC 5082-style multihop TTL, RFC 5880 §6.7 BFD
// authentication). Schema-level rules are
// mirrored in charts/vipd/crds/vipd.io_bgppeers.yaml; cross-field rules live only here.

import { AS_TRANS } from '@vipd/bgp/wire/constants.ts';
import { issue, result, type ParseResult } from './issues.ts';
import { parseIp } from './ip.ts';
import { readNextHop } from './next-hop-address.ts';
import {
  at, checkKnown, DNS_LABEL, DNS_SUBDOMAIN, newCtx, readBool, readEnvelope, readInt, readIp,
  readList, readObj, readString, type Ctx, type Obj,
} from './read.ts';
import { parseSelector } from './selector.ts';
import {
  ADDRESS_FAMILIES, BFD_AUTH_TYPES, type AddressFamily, type BfdAuthSpec, type BfdAuthType, type BgpPeer, type GracefulRestart, type SecretKeyRef,
} from './types.ts';

export const PEER_DEFAULTS = {
  port: 179,
  holdTimeSec: 90,
  connectRetrySec: 120,
  restartTimeSec: 120,
  secretKey: 'password',
  /** Same default as the standalone configuration's bfd.auth.keyId. */
  bfdAuthKeyId: 1,
} as const;

const MAX_ASN = 4294967295;
const SECRET_KEY_RE = /^[-._a-zA-Z0-9]+$/;

const SPEC_FIELDS = [
  'address', 'asn', 'learnAsnFromOpen', 'localAsn', 'routerId', 'port', 'passwordSecretRef', 'holdTimeSec',
  'keepaliveSec', 'connectRetrySec', 'families', 'sourceAddress', 'ebgpMultihopTtl', 'passive',
  'gracefulRestart', 'nodeSelector', 'bfdProfile', 'bfdAuth', 'nextHopIpv4', 'nextHopIpv6', 'description',
] as const;

function readAsn(ctx: Ctx, spec: Obj, key: string, required: boolean): number | undefined {
  const v = readInt(ctx, spec, key, 'spec', { min: 1, max: MAX_ASN, reason: 'InvalidASN', required });
  // RFC 6793 §9: AS_TRANS is a placeholder in 2-octet fields, never a speaker's own or configured AS.
  if (v === AS_TRANS) {
    ctx.errors.push(issue(at('spec', key), 'AS 23456 (AS_TRANS) cannot be configured', 'InvalidASN'));
    return undefined;
  }
  return v;
}

function readSecretRef(ctx: Ctx, parent: Obj, field: string, parentPath: string, required = false): SecretKeyRef | undefined {
  const o = readObj(ctx, parent, field, parentPath, required);
  if (o === undefined) return undefined;
  const path = at(parentPath, field);
  checkKnown(ctx, o, ['name', 'key'], path);
  const name = readString(ctx, o, 'name', path, { required: true, pattern: DNS_SUBDOMAIN, reason: 'InvalidName' });
  const key = readString(ctx, o, 'key', path, { maxLength: 253, pattern: SECRET_KEY_RE }) ?? PEER_DEFAULTS.secretKey;
  return name === undefined ? undefined : { name, key };
}

/**
 * RFC 5880 §6.7 authentication of the peer's BFD session. The key lengths (§4.2 simple password 1..16
 * bytes, §4.4 SHA1 key 1..20 bytes) are checked when the Secret is resolved (daemon/config-state.ts).
 */
function readBfdAuth(ctx: Ctx, spec: Obj): BfdAuthSpec | undefined {
  const o = readObj(ctx, spec, 'bfdAuth', 'spec');
  if (o === undefined) return undefined;
  const path = 'spec.bfdAuth';
  checkKnown(ctx, o, ['type', 'keyId', 'secretRef'], path);
  const t = readString(ctx, o, 'type', path, { required: true });
  let type: BfdAuthType | undefined;
  if (t !== undefined) {
    if ((BFD_AUTH_TYPES as readonly string[]).includes(t)) type = t as BfdAuthType;
    else ctx.errors.push(issue(at(path, 'type'), `must be one of ${BFD_AUTH_TYPES.join(', ')}`, 'InvalidField'));
  }
  // §4.2 / §4.4: Auth Key ID is one octet.
  const keyId = readInt(ctx, o, 'keyId', path, { min: 0, max: 255 }) ?? PEER_DEFAULTS.bfdAuthKeyId;
  const secretRef = readSecretRef(ctx, o, 'secretRef', path, true);
  // Authentication of a BFD session that is not asked for would silently run BGP without BFD.
  if (spec['bfdProfile'] === undefined || spec['bfdProfile'] === null) {
    ctx.errors.push(issue(path, 'needs spec.bfdProfile (BFD is off without a profile; use "default" for 300 ms x 3)', 'MissingField'));
  }
  return type === undefined || secretRef === undefined ? undefined : { type, keyId, secretRef };
}

function readGracefulRestart(ctx: Ctx, spec: Obj): GracefulRestart {
  const o = readObj(ctx, spec, 'gracefulRestart', 'spec') ?? {};
  const path = 'spec.gracefulRestart';
  checkKnown(ctx, o, ['enabled', 'restartTimeSec'], path);
  return {
    enabled: readBool(ctx, o, 'enabled', path, false),
    // RFC 4724 §3: Restart Time is a 12-bit field (0..4095 s); 0 would mean "no restart window".
    restartTimeSec: readInt(ctx, o, 'restartTimeSec', path, { min: 1, max: 4095, reason: 'InvalidTimer' }) ?? PEER_DEFAULTS.restartTimeSec,
  };
}

function readTimers(ctx: Ctx, spec: Obj): { holdTimeSec: number; keepaliveSec: number } {
  const hold = readInt(ctx, spec, 'holdTimeSec', 'spec', { min: 0, max: 65535, reason: 'InvalidTimer' });
  // RFC 4271 §4.2: "Hold Time MUST be either zero or at least three seconds."
  if (hold === 1 || hold === 2) {
    ctx.errors.push(issue('spec.holdTimeSec', 'must be 0 or at least 3 (RFC 4271 §4.2)', 'InvalidTimer'));
  }
  const holdTimeSec = hold ?? PEER_DEFAULTS.holdTimeSec;
  const ka = readInt(ctx, spec, 'keepaliveSec', 'spec', { min: 0, max: 21845, reason: 'InvalidTimer' });
  const keepaliveSec = ka ?? Math.floor(holdTimeSec / 3);
  if (ka !== undefined && hold !== 1 && hold !== 2) {
    if (holdTimeSec === 0 && ka !== 0) {
      // RFC 4271 §4.4: with a zero Hold Time, periodic KEEPALIVE messages MUST NOT be sent.
      ctx.errors.push(issue('spec.keepaliveSec', 'must be 0 when holdTimeSec is 0 (RFC 4271 §4.4)', 'InvalidTimer'));
    } else if (holdTimeSec > 0 && ka === 0) {
      ctx.errors.push(issue('spec.keepaliveSec', 'must be non-zero when holdTimeSec is non-zero', 'InvalidTimer'));
    } else if (holdTimeSec > 0 && ka >= holdTimeSec) {
      ctx.errors.push(issue('spec.keepaliveSec', 'must be less than holdTimeSec', 'InvalidTimer'));
    } else if (holdTimeSec > 0 && ka * 3 > holdTimeSec) {
      // RFC 4271 §4.4 suggests one third of the Hold Time; more risks expiry after one lost KEEPALIVE.
      ctx.warnings.push(issue('spec.keepaliveSec', 'is more than a third of holdTimeSec (RFC 4271 §4.4)', 'InvalidTimer'));
    }
  }
  return { holdTimeSec, keepaliveSec };
}

export function parseBgpPeer(raw: unknown): ParseResult<BgpPeer> {
  const ctx = newCtx();
  const env = readEnvelope(ctx, raw, 'BGPPeer');
  if (env === undefined) return result<BgpPeer>(undefined as never, ctx.errors);
  const { spec } = env;
  checkKnown(ctx, spec, SPEC_FIELDS, 'spec');

  const address = readIp(ctx, spec, 'address', 'spec', true);
  const addr = address === undefined ? undefined : parseIp(address);
  if (addr !== undefined && addr.value === 0n) {
    ctx.errors.push(issue('spec.address', 'must not be the unspecified address', 'InvalidAddress'));
  }
  const asn = readAsn(ctx, spec, 'asn', false);
  const learnAsnFromOpen = readBool(ctx, spec, 'learnAsnFromOpen', 'spec', false);
  if (spec['asn'] === undefined && !learnAsnFromOpen) {
    ctx.errors.push(issue('spec.asn', 'is required unless learnAsnFromOpen is true', 'MissingField'));
  }
  if (spec['asn'] !== undefined && learnAsnFromOpen) {
    ctx.errors.push(issue('spec.learnAsnFromOpen', 'cannot be true when asn is set', 'InvalidASN'));
  }
  const localAsn = readAsn(ctx, spec, 'localAsn', true);
  const routerId = readIp(ctx, spec, 'routerId', 'spec');
  const rid = routerId === undefined ? undefined : parseIp(routerId);
  // RFC 6286 §2.1: the BGP Identifier is a non-zero 4-octet number (written as an IPv4 address).
  if (rid !== undefined && (rid.family !== 'ipv4' || rid.value === 0n)) {
    ctx.errors.push(issue('spec.routerId', 'must be a non-zero IPv4 address (RFC 6286)', 'InvalidAddress'));
  }
  const port = readInt(ctx, spec, 'port', 'spec', { min: 1, max: 65535 }) ?? PEER_DEFAULTS.port;
  const passwordSecretRef = readSecretRef(ctx, spec, 'passwordSecretRef', 'spec');
  const { holdTimeSec, keepaliveSec } = readTimers(ctx, spec);
  const connectRetrySec =
    readInt(ctx, spec, 'connectRetrySec', 'spec', { min: 1, max: 65535, reason: 'InvalidTimer' }) ?? PEER_DEFAULTS.connectRetrySec;

  let families = readList<AddressFamily>(ctx, spec, 'families', 'spec', (v, p) => {
    if (typeof v === 'string' && (ADDRESS_FAMILIES as readonly string[]).includes(v)) return v as AddressFamily;
    ctx.errors.push(issue(p, `must be one of ${ADDRESS_FAMILIES.join(', ')}`, 'InvalidField'));
    return undefined;
  }, { unique: true });
  if (spec['families'] !== undefined && Array.isArray(spec['families']) && spec['families'].length === 0) {
    ctx.errors.push(issue('spec.families', 'must name at least one family', 'InvalidField'));
  }
  if (spec['families'] === undefined) families = [...ADDRESS_FAMILIES];

  const sourceAddress = readIp(ctx, spec, 'sourceAddress', 'spec');
  const src = sourceAddress === undefined ? undefined : parseIp(sourceAddress);
  if (src !== undefined && addr !== undefined && src.family !== addr.family) {
    ctx.errors.push(issue('spec.sourceAddress', 'must be the same address family as spec.address', 'InvalidAddress'));
  }
  const ebgpMultihopTtl = readInt(ctx, spec, 'ebgpMultihopTtl', 'spec', { min: 1, max: 255 });
  if (ebgpMultihopTtl !== undefined && asn !== undefined && asn === localAsn) {
    ctx.warnings.push(issue('spec.ebgpMultihopTtl', 'is ignored for an iBGP peer (asn equals localAsn)', 'InvalidField'));
  }
  const passive = readBool(ctx, spec, 'passive', 'spec', false);
  const gracefulRestart = readGracefulRestart(ctx, spec);
  const nodeSelector = parseSelector(spec['nodeSelector'], 'spec.nodeSelector', ctx.errors);
  const bfdProfile = readString(ctx, spec, 'bfdProfile', 'spec', { pattern: DNS_LABEL, reason: 'InvalidName' });
  const bfdAuth = readBfdAuth(ctx, spec);
  const nextHopIpv4 = readNextHop(ctx, spec, 'ipv4');
  const nextHopIpv6 = readNextHop(ctx, spec, 'ipv6');
  const description = readString(ctx, spec, 'description', 'spec', { maxLength: 256 });

  return result<BgpPeer>(
    {
      metadata: env.meta,
      spec: {
        address: address ?? '',
        asn,
        learnAsnFromOpen,
        localAsn: localAsn ?? 0,
        routerId,
        port,
        passwordSecretRef,
        holdTimeSec,
        keepaliveSec,
        connectRetrySec,
        families,
        sourceAddress,
        ebgpMultihopTtl,
        passive,
        gracefulRestart,
        nodeSelector,
        bfdProfile,
        bfdAuth,
        ...(nextHopIpv4 === undefined ? {} : { nextHopIpv4 }),
        ...(nextHopIpv6 === undefined ? {} : { nextHopIpv6 }),
        description,
      },
    },
    ctx.errors,
    ctx.warnings,
  );
}
