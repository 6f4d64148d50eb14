// Standalone mode configuration: YAML (docs/standalone.md) → a typed, validated config. Every problem
// is reported with the path of the bad field (`peers[1].asn: must be 1..4294967295`), all at once.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { Md5Secret, PeerSecurityError } from '@vipd/bgp/net/peer-security.ts';
import { ipFamily, parseIpPrefix } from '@vipd/bgp/ip.ts';
import type { RouteAttributes } from '@vipd/bgp/export-policy.ts';
import type { FamilyName } from '@vipd/bgp/observe.ts';
import type { OriginCode } from '@vipd/bgp/wire/constants.ts';
import { checkSharedHealthNames, parseVipHealthCheck, type VipHealthCheck } from './health-config.ts';

export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG' as const;
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export type PeerMode = 'active' | 'passive' | 'both';

export interface PeerConfig {
  readonly address: string;
  readonly asn: number;
  readonly port: number;
  readonly holdTimeSec: number;
  readonly families: readonly FamilyName[];
  readonly mode: PeerMode;
  /** eBGP multihop TTL; 1 = directly connected. */
  readonly multihopTtl: number;
  readonly sourceAddress?: string;
  /** RFC 4724 restart time we advertise; absent = graceful restart off. */
  readonly gracefulRestartTimeSec?: number;
  readonly nextHopIpv4?: string;
  readonly nextHopIpv6?: string;
  /** Advertise RFC 8950 extended next hop (IPv4 NLRI over an IPv6 session). */
  readonly extendedNextHop: boolean;
  /** Advertise the RFC 6793 4-octet AS capability (default true; off only for peers that reject it). */
  readonly fourOctetAs: boolean;
  readonly asPathPrepend: number;
  readonly communities: readonly number[];
  readonly description?: string;
  /** RFC 2385 TCP-MD5 key, from `password` or `passwordFile` (redacted in every printed form). */
  readonly md5?: Md5Secret;
  /** GTSM (RFC 5082): the peer is at most this many hops away; TTL 255 out, min TTL 256 − hops in. */
  readonly ttlSecurityHops?: number;
  /** BFD (RFC 5880/5881/5883) for this peer; Down tears the session down (Cease 6/10, RFC 9384). */
  readonly bfd?: PeerBfdConfig;
}

export interface BfdTimersConfig {
  readonly minTxMs: number;
  readonly minRxMs: number;
  readonly multiplier: number;
}

export interface PeerBfdConfig extends BfdTimersConfig {
  /** Profile the timers came from ('inline' when given on the peer). */
  readonly profile: string;
  /** RFC 5880 §6.7 authentication; the key is redacted like TCP-MD5 keys. */
  readonly auth?: { readonly type: 'simple' | 'keyed-sha1' | 'meticulous-keyed-sha1'; readonly keyId: number; readonly key: Md5Secret };
  /** RFC 5883 multihop (UDP 4784); default: true when multihopTtl > 1. */
  readonly multihop: boolean;
}

/** The built-in profile: 300 ms × 3 (what FRR and BIRD use as defaults for data centres). */
export const DEFAULT_BFD_PROFILE: BfdTimersConfig = { minTxMs: 300, minRxMs: 300, multiplier: 3 };

export interface VipConfig {
  readonly prefix: string;
  readonly attributes: RouteAttributes;
  /** Announce only while this check passes (standalone/health-config.ts, docs/health-checks.md). */
  readonly healthCheck?: VipHealthCheck;
  /**
   * Add the VIP to `lo` (/32 or /128) so this host accepts its traffic: `always` while vipd runs
   * (YAML `true`), or `announced` only while the VIP is announced (YAML `announced`).
   */
  readonly bindToLoopback?: 'always' | 'announced';
}

export interface DrainConfig {
  readonly mode: 'withdraw' | 'graceful-shutdown';
  readonly periodSec: number;
}

export interface StandaloneConfig {
  readonly localAsn: number;
  readonly routerId: string;
  readonly listen: { readonly enabled: boolean; readonly address: string; readonly port: number };
  readonly peers: readonly PeerConfig[];
  readonly vips: readonly VipConfig[];
  readonly drain: DrainConfig;
  readonly shutdownMessage: string;
  readonly metrics?: { readonly address: string; readonly port: number };
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** Named BFD timer sets peers refer to with `bfd: {profile: NAME}`; `default` is always defined. */
  readonly bfdProfiles: Readonly<Record<string, BfdTimersConfig>>;
}

const FAMILIES: readonly FamilyName[] = ['ipv4-unicast', 'ipv6-unicast'];
const ORIGINS: Readonly<Record<string, OriginCode>> = { igp: 0, egp: 1, incomplete: 2 };

type Obj = Record<string, unknown>;

/** A small path-tracking reader: each getter records an issue and returns undefined when bad. */
class V {
  readonly issues: ConfigIssue[] = [];
  bad(path: string, message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }
  obj(v: unknown, path: string, keys: readonly string[]): Obj | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.bad(path, 'must be a mapping');
    for (const k of Object.keys(v)) if (!keys.includes(k)) this.bad(join(path, k), 'unknown field');
    return v as Obj;
  }
  int(o: Obj, k: string, path: string, min: number, max: number, dflt?: number): number | undefined {
    const v = o[k];
    if (v === undefined || v === null) return dflt ?? this.bad(join(path, k), 'is required');
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return this.bad(join(path, k), `must be ${min}..${max}`);
    return v;
  }
  str(o: Obj, k: string, path: string, required: boolean): string | undefined {
    const v = o[k];
    if (v === undefined || v === null) return required ? this.bad(join(path, k), 'is required') : undefined;
    if (typeof v !== 'string' || v === '') return this.bad(join(path, k), 'must be a non-empty string');
    return v;
  }
  ip(o: Obj, k: string, path: string, required: boolean, fam?: 4 | 6): string | undefined {
    const s = this.str(o, k, path, required);
    if (s === undefined) return undefined;
    const f = ipFamily(s);
    if (f === 0 || (fam !== undefined && f !== fam)) return this.bad(join(path, k), `must be an IPv${fam ?? '4 or IPv6'} address`);
    return s;
  }
  bool(o: Obj, k: string, path: string, dflt: boolean): boolean {
    const v = o[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') return this.bad(join(path, k), 'must be true or false') ?? dflt;
    return v;
  }
  list(o: Obj, k: string, path: string): unknown[] {
    const v = o[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) return this.bad(join(path, k), 'must be a list') ?? [];
    return v;
  }
}

function join(path: string, k: string | number): string {
  if (typeof k === 'number') return `${path}[${k}]`;
  return path === '' ? k : `${path}.${k}`;
}

const U16 = 0xffff;
const U32 = 0xffffffff;

/** "65000:100" or a well-known name → the 32-bit community. */
export function parseCommunity(s: unknown): number | undefined {
  const named: Record<string, number> = {
    'graceful-shutdown': 0xffff0000,
    'no-export': 0xffffff01,
    'no-advertise': 0xffffff02,
    blackhole: 0xffff029a,
  };
  if (typeof s !== 'string') return undefined;
  if (named[s] !== undefined) return named[s];
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (m === null || Number(m[1]) > U16 || Number(m[2]) > U16) return undefined;
  return Number(m[1]) * 65536 + Number(m[2]);
}

export function parseLargeCommunity(s: unknown): [number, number, number] | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(s);
  if (m === null) return undefined;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  return v.every((x) => x <= U32) ? v : undefined;
}

/** RFC 4360 two-octet-AS specific: "rt:65000:100" (route target) or "soo:65000:100" (route origin). */
export function parseExtendedCommunity(s: unknown): Uint8Array | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^(rt|soo):(\d{1,5}):(\d{1,10})$/.exec(s);
  if (m === null || Number(m[2]) > U16 || Number(m[3]) > U32) return undefined;
  const b = new Uint8Array(8);
  const dv = new DataView(b.buffer);
  b[0] = 0x00;
  b[1] = m[1] === 'rt' ? 0x02 : 0x03;
  dv.setUint16(2, Number(m[2]));
  dv.setUint32(4, Number(m[3]));
  return b;
}

function parseCommunityList(v: V, o: Obj, k: string, path: string): number[] {
  return v
    .list(o, k, path)
    .map((c, i) => parseCommunity(c) ?? v.bad(join(join(path, k), i), 'must be "asn:value" (each 0..65535) or a well-known name'))
    .filter((c): c is number => c !== undefined);
}

function parseRouteAttributes(v: V, o: Obj, path: string): RouteAttributes {
  const large = v
    .list(o, 'largeCommunities', path)
    .map((c, i) => parseLargeCommunity(c) ?? v.bad(join(join(path, 'largeCommunities'), i), 'must be "a:b:c" (each 0..4294967295)'))
    .filter((c) => c !== undefined);
  const ext = v
    .list(o, 'extendedCommunities', path)
    .map((c, i) => parseExtendedCommunity(c) ?? v.bad(join(join(path, 'extendedCommunities'), i), 'must be "rt:asn:value" or "soo:asn:value"'))
    .filter((c) => c !== undefined);
  const origin = v.str(o, 'origin', path, false);
  if (origin !== undefined && ORIGINS[origin] === undefined) v.bad(join(path, 'origin'), 'must be igp, egp or incomplete');
  const communities = parseCommunityList(v, o, 'communities', path);
  const med = v.int(o, 'med', path, 0, U32, -1);
  const localPref = v.int(o, 'localPref', path, 0, U32, -1);
  const prepend = v.int(o, 'asPathPrepend', path, 0, 32, -1);
  const nextHop = v.ip(o, 'nextHop', path, false);
  return {
    ...(nextHop === undefined ? {} : { nextHop }),
    ...(communities.length === 0 ? {} : { communities }),
    ...(large.length === 0 ? {} : { largeCommunities: large }),
    ...(ext.length === 0 ? {} : { extendedCommunities: ext }),
    ...(med === undefined || med < 0 ? {} : { med }),
    ...(localPref === undefined || localPref < 0 ? {} : { localPref }),
    ...(prepend === undefined || prepend < 0 ? {} : { asPathPrepend: prepend }),
    ...(origin === undefined || ORIGINS[origin] === undefined ? {} : { origin: ORIGINS[origin] }),
  };
}

const PEER_KEYS = [
  'address', 'asn', 'port', 'holdTimeSec', 'families', 'mode', 'multihopTtl', 'sourceAddress', 'gracefulRestart',
  'nextHop', 'extendedNextHop', 'fourOctetAs', 'asPathPrepend', 'communities', 'description',
  'password', 'passwordFile', 'ttlSecurityHops', 'bfd',
] as const;

function parseBfdTimers(v: V, o: Obj, path: string, dflt: BfdTimersConfig): BfdTimersConfig {
  // RFC 5880 §6.8.1: intervals are in microseconds on the wire; 10 ms is a sane floor for software BFD.
  return {
    minTxMs: v.int(o, 'minTxMs', path, 10, 60_000, dflt.minTxMs) ?? dflt.minTxMs,
    minRxMs: v.int(o, 'minRxMs', path, 10, 60_000, dflt.minRxMs) ?? dflt.minRxMs,
    multiplier: v.int(o, 'multiplier', path, 1, 255, dflt.multiplier) ?? dflt.multiplier,
  };
}

function parseSecret(v: V, o: Obj, path: string): Md5Secret | undefined {
  const pw = o.password;
  const file = v.str(o, 'passwordFile', path, false);
  if (pw !== undefined && pw !== null && file !== undefined) return v.bad(join(path, 'password'), 'give password or passwordFile, not both');
  let text: string | undefined;
  if (pw !== undefined && pw !== null) {
    if (typeof pw !== 'string' || pw === '') return v.bad(join(path, 'password'), 'must be a non-empty string');
    text = pw;
  } else if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      return v.bad(join(path, 'passwordFile'), `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  if (text === undefined) return undefined;
  try {
    return Md5Secret.fromString(text);
  } catch (err) {
    if (err instanceof PeerSecurityError) return v.bad(join(path, pw !== undefined ? 'password' : 'passwordFile'), 'must be 1..80 bytes');
    throw err;
  }
}

function parsePeerBfd(v: V, raw: unknown, path: string, profiles: Readonly<Record<string, BfdTimersConfig>>, multihopTtl: number): PeerBfdConfig | undefined {
  if (raw === undefined || raw === null || raw === false) return undefined;
  const multihopDefault = multihopTtl > 1;
  if (raw === true) return { ...DEFAULT_BFD_PROFILE, profile: 'default', multihop: multihopDefault };
  const o = v.obj(raw, path, ['profile', 'minTxMs', 'minRxMs', 'multiplier', 'multihop', 'auth']);
  if (o === undefined) return undefined;
  let auth: PeerBfdConfig['auth'];
  if (o.auth !== undefined && o.auth !== null) {
    const ap = join(path, 'auth');
    const ao = v.obj(o.auth, ap, ['type', 'keyId', 'password', 'passwordFile']);
    if (ao !== undefined) {
      const type = v.str(ao, 'type', ap, true);
      const types = ['simple', 'keyed-sha1', 'meticulous-keyed-sha1'];
      if (type !== undefined && !types.includes(type)) v.bad(join(ap, 'type'), `must be one of ${types.join(', ')}`);
      const keyId = v.int(ao, 'keyId', ap, 0, 255, 1);
      const key = parseSecret(v, ao, ap);
      if (key === undefined && ao.password === undefined && ao.passwordFile === undefined) v.bad(join(ap, 'password'), 'is required');
      // RFC 5880 §4.2: passwords are 1..16 bytes; §4.4: SHA1 keys up to 20 bytes.
      if (key !== undefined && key.bytes().length > (type === 'simple' ? 16 : 20)) v.bad(join(ap, 'password'), `must be at most ${type === 'simple' ? 16 : 20} bytes`);
      if (type !== undefined && types.includes(type) && keyId !== undefined && key !== undefined) {
        auth = { type: type as NonNullable<PeerBfdConfig['auth']>['type'], keyId, key };
      }
    }
  }
  const name = v.str(o, 'profile', path, false);
  const base = name === undefined ? DEFAULT_BFD_PROFILE : profiles[name];
  if (name !== undefined && base === undefined) return v.bad(join(path, 'profile'), `no BFD profile named ${name} in bfdProfiles`);
  const inline = o.minTxMs !== undefined || o.minRxMs !== undefined || o.multiplier !== undefined;
  const timers = parseBfdTimers(v, o, path, base ?? DEFAULT_BFD_PROFILE);
  return { ...timers, profile: inline ? 'inline' : name ?? 'default', multihop: v.bool(o, 'multihop', path, multihopDefault), ...(auth === undefined ? {} : { auth }) };
}

function parsePeer(v: V, raw: unknown, path: string, profiles: Readonly<Record<string, BfdTimersConfig>> = { default: DEFAULT_BFD_PROFILE }): PeerConfig | undefined {
  const o = v.obj(raw, path, PEER_KEYS);
  if (o === undefined) return undefined;
  const address = v.ip(o, 'address', path, true);
  const asn = v.int(o, 'asn', path, 1, U32);
  const port = v.int(o, 'port', path, 1, U16, 179);
  const holdTimeSec = v.int(o, 'holdTimeSec', path, 0, U16, 90);
  // RFC 4271 §4.2: the hold time is zero or at least three seconds.
  if (holdTimeSec !== undefined && holdTimeSec > 0 && holdTimeSec < 3) v.bad(join(path, 'holdTimeSec'), 'must be 0 or 3..65535');
  const famList = o.families === undefined ? [...FAMILIES] : v.list(o, 'families', path);
  const families = famList.filter((f, i): f is FamilyName =>
    FAMILIES.includes(f as FamilyName) ? true : (v.bad(join(join(path, 'families'), i), `must be one of ${FAMILIES.join(', ')}`) ?? false),
  );
  const mode = (v.str(o, 'mode', path, false) ?? 'active') as PeerMode;
  if (!['active', 'passive', 'both'].includes(mode)) v.bad(join(path, 'mode'), 'must be active, passive or both');
  const multihopTtl = v.int(o, 'multihopTtl', path, 1, 255, 1);
  const sourceAddress = v.ip(o, 'sourceAddress', path, false);
  if (sourceAddress !== undefined && address !== undefined && ipFamily(sourceAddress) !== ipFamily(address)) {
    v.bad(join(path, 'sourceAddress'), 'must be of the same family as address');
  }
  let gracefulRestartTimeSec: number | undefined;
  if (o.gracefulRestart !== undefined && o.gracefulRestart !== null) {
    const gr = v.obj(o.gracefulRestart, join(path, 'gracefulRestart'), ['restartTimeSec']);
    // RFC 4724 §3: the restart time is a 12-bit field.
    if (gr !== undefined) gracefulRestartTimeSec = v.int(gr, 'restartTimeSec', join(path, 'gracefulRestart'), 1, 4095, 30);
  }
  let nextHopIpv4: string | undefined;
  let nextHopIpv6: string | undefined;
  if (o.nextHop !== undefined && o.nextHop !== null) {
    const nh = v.obj(o.nextHop, join(path, 'nextHop'), ['ipv4', 'ipv6']);
    if (nh !== undefined) {
      nextHopIpv4 = v.ip(nh, 'ipv4', join(path, 'nextHop'), false, 4);
      nextHopIpv6 = v.ip(nh, 'ipv6', join(path, 'nextHop'), false, 6);
    }
  }
  const extendedNextHop = v.bool(o, 'extendedNextHop', path, false);
  const fourOctetAs = v.bool(o, 'fourOctetAs', path, true);
  if (!fourOctetAs && asn !== undefined && asn > U16 && asn !== 23456) {
    // RFC 6793 §4.2.1: a speaker without the capability sees a 4-byte AS only as AS_TRANS.
    v.bad(join(path, 'asn'), 'must be 1..65535 or 23456 when fourOctetAs is false');
  }
  const asPathPrepend = v.int(o, 'asPathPrepend', path, 0, 32, 0);
  const communities = parseCommunityList(v, o, 'communities', path);
  const description = v.str(o, 'description', path, false);
  const md5 = parseSecret(v, o, path);
  const ttlSecurityHops = v.int(o, 'ttlSecurityHops', path, 1, 254, -1);
  if (ttlSecurityHops !== undefined && ttlSecurityHops > 0 && (multihopTtl ?? 1) > 1) {
    // GTSM always sends TTL 255 (RFC 5082 §3); a multihop TTL would contradict it.
    v.bad(join(path, 'ttlSecurityHops'), 'cannot be combined with multihopTtl (GTSM sends TTL 255)');
  }
  const bfd = parsePeerBfd(v, o.bfd, join(path, 'bfd'), profiles, multihopTtl ?? 1);
  if (address === undefined || asn === undefined || port === undefined || holdTimeSec === undefined) return undefined;
  return {
    address, asn, port, holdTimeSec, families, mode, multihopTtl: multihopTtl ?? 1, extendedNextHop, fourOctetAs,
    asPathPrepend: asPathPrepend ?? 0, communities,
    ...(sourceAddress === undefined ? {} : { sourceAddress }),
    ...(gracefulRestartTimeSec === undefined ? {} : { gracefulRestartTimeSec }),
    ...(nextHopIpv4 === undefined ? {} : { nextHopIpv4 }),
    ...(nextHopIpv6 === undefined ? {} : { nextHopIpv6 }),
    ...(description === undefined ? {} : { description }),
    ...(md5 === undefined ? {} : { md5 }),
    ...(ttlSecurityHops === undefined || ttlSecurityHops < 0 ? {} : { ttlSecurityHops }),
    ...(bfd === undefined ? {} : { bfd }),
  };
}

/** Shared by every VIP without attributes: the speaker groups routes by attribute object identity first. */
const NO_ATTRIBUTES: RouteAttributes = Object.freeze({});

function parseVip(v: V, raw: unknown, path: string): VipConfig | undefined {
  if (typeof raw === 'string') {
    // Fast path for the common bare-address form (100k-VIP files load in well under a second).
    try {
      return { prefix: parseIpPrefix(raw).key, attributes: NO_ATTRIBUTES };
    } catch {
      return v.bad(join(path, 'prefix'), 'must be an IPv4 or IPv6 address or prefix without host bits');
    }
  }
  const o = v.obj(raw, path, ['prefix', 'nextHop', 'communities', 'largeCommunities', 'extendedCommunities', 'med', 'localPref', 'asPathPrepend', 'origin', 'healthCheck', 'bindToLoopback']);
  if (o === undefined) return undefined;
  const text = v.str(o, 'prefix', path, true);
  const attributes = parseRouteAttributes(v, o, path);
  const healthCheck = o.healthCheck === undefined || o.healthCheck === null ? undefined : parseVipHealthCheck(o.healthCheck, join(path, 'healthCheck'), text, v.issues, parseCommunity);
  const btl = o.bindToLoopback;
  const bindToLoopback = btl === true ? 'always' : btl === 'announced' ? 'announced' : undefined;
  if (bindToLoopback === undefined && btl !== undefined && btl !== null && btl !== false) v.bad(join(path, 'bindToLoopback'), 'must be true, false or announced');
  if (text === undefined) return undefined;
  try {
    const prefix = parseIpPrefix(text);
    if (bindToLoopback !== undefined && prefix.length !== (prefix.afi === 1 ? 32 : 128)) v.bad(join(path, 'bindToLoopback'), 'needs a /32 or /128 VIP');
    return { prefix: prefix.key, attributes, ...(healthCheck === undefined ? {} : { healthCheck }), ...(bindToLoopback === undefined ? {} : { bindToLoopback }) };
  } catch {
    return v.bad(join(path, 'prefix'), 'must be an IPv4 or IPv6 address or prefix without host bits');
  }
}

function readBfdProfiles(v: V, raw: unknown): Record<string, BfdTimersConfig> {
  const bfdProfiles: Record<string, BfdTimersConfig> = { default: DEFAULT_BFD_PROFILE };
  if (raw !== undefined && raw !== null) {
    const bp = v.obj(raw, 'bfdProfiles', typeof raw === 'object' ? Object.keys(raw) : []);
    for (const [name, r] of Object.entries(bp ?? {})) {
      const po = v.obj(r, join('bfdProfiles', name), ['minTxMs', 'minRxMs', 'multiplier']);
      if (po !== undefined) bfdProfiles[name] = parseBfdTimers(v, po, join('bfdProfiles', name), DEFAULT_BFD_PROFILE);
    }
  }
  return bfdProfiles;
}

/**
 * A document holding only `bfdProfiles` (the Kubernetes daemon's --bfd-profiles file, same shape as
 * the standalone configuration's). Throws ConfigError listing every issue.
 */
export function validateBfdProfiles(doc: unknown): Readonly<Record<string, BfdTimersConfig>> {
  const v = new V();
  const o = doc === null || doc === undefined ? {} : v.obj(doc, '', ['bfdProfiles']);
  const profiles = o === undefined ? {} : readBfdProfiles(v, o.bfdProfiles);
  if (v.issues.length > 0) throw new ConfigError(v.issues.map((i) => ({ ...i, path: i.path || '(root)' })));
  return profiles;
}

/** Validates an already-parsed YAML document. Throws ConfigError listing every issue. */
export function validateConfig(doc: unknown): StandaloneConfig {
  const v = new V();
  const o = v.obj(doc, '', ['localAsn', 'routerId', 'listen', 'peers', 'vips', 'drain', 'shutdownMessage', 'metrics', 'logLevel', 'bfdProfiles']);
  if (o === undefined) throw new ConfigError(v.issues.map((i) => ({ ...i, path: i.path || '(root)' })));
  const localAsn = v.int(o, 'localAsn', '', 1, U32);
  const routerId = v.ip(o, 'routerId', '', true, 4);
  // RFC 6286 §2.1: the BGP identifier is a non-zero 32-bit value.
  if (routerId === '0.0.0.0') v.bad('routerId', 'must not be 0.0.0.0');
  const lo = o.listen === undefined ? {} : v.obj(o.listen, 'listen', ['enabled', 'address', 'port']) ?? {};
  const listen = {
    enabled: v.bool(lo, 'enabled', 'listen', true),
    address: v.ip(lo, 'address', 'listen', false) ?? '::',
    port: v.int(lo, 'port', 'listen', 1, U16, 179) ?? 179,
  };
  const bfdProfiles = readBfdProfiles(v, o.bfdProfiles);
  const peers = v.list(o, 'peers', '').map((p, i) => parsePeer(v, p, join('peers', i), bfdProfiles));
  const seen = new Map<string, number>();
  peers.forEach((p, i) => {
    if (p === undefined) return;
    if (seen.has(p.address)) v.bad(join(join('peers', i), 'address'), `duplicates peers[${seen.get(p.address)}]`);
    seen.set(p.address, i);
  });
  const vips = v.list(o, 'vips', '').map((x, i) => parseVip(v, x, join('vips', i)));
  v.issues.push(...checkSharedHealthNames(vips));
  const seenVip = new Map<string, number>();
  vips.forEach((x, i) => {
    if (x === undefined) return;
    if (seenVip.has(x.prefix)) v.bad(join(join('vips', i), 'prefix'), `duplicates vips[${seenVip.get(x.prefix)}]`);
    seenVip.set(x.prefix, i);
  });
  const dr = o.drain === undefined ? {} : v.obj(o.drain, 'drain', ['mode', 'periodSec']) ?? {};
  const drainMode = v.str(dr, 'mode', 'drain', false) ?? 'withdraw';
  if (drainMode !== 'withdraw' && drainMode !== 'graceful-shutdown') v.bad('drain.mode', 'must be withdraw or graceful-shutdown');
  const drain: DrainConfig = {
    mode: drainMode === 'graceful-shutdown' ? 'graceful-shutdown' : 'withdraw',
    periodSec: v.int(dr, 'periodSec', 'drain', 0, 3600, drainMode === 'graceful-shutdown' ? 30 : 0) ?? 0,
  };
  const shutdownMessage = v.str(o, 'shutdownMessage', '', false) ?? 'vipd shutting down';
  // RFC 9003 §2: the shutdown communication is at most 255 octets of UTF-8.
  if (Buffer.byteLength(shutdownMessage) > 255) v.bad('shutdownMessage', 'must be at most 255 bytes of UTF-8');
  let metrics: StandaloneConfig['metrics'];
  if (o.metrics !== undefined && o.metrics !== null) {
    const m = v.obj(o.metrics, 'metrics', ['address', 'port']);
    if (m !== undefined) metrics = { address: v.ip(m, 'address', 'metrics', false) ?? '127.0.0.1', port: v.int(m, 'port', 'metrics', 1, U16, 9180) ?? 9180 };
  }
  const logLevel = (v.str(o, 'logLevel', '', false) ?? 'info') as StandaloneConfig['logLevel'];
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(logLevel)) v.bad('logLevel', 'must be trace, debug, info, warn or error');
  if (v.issues.length > 0 || localAsn === undefined || routerId === undefined) throw new ConfigError(v.issues);
  return {
    localAsn, routerId, listen,
    peers: peers.filter((p): p is PeerConfig => p !== undefined),
    vips: vips.filter((x): x is VipConfig => x !== undefined),
    drain, shutdownMessage, logLevel, bfdProfiles,
    ...(metrics === undefined ? {} : { metrics }),
  };
}

export function parseConfigText(text: string): StandaloneConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError([{ path: '(yaml)', message: (err as Error).message.split('\n')[0] ?? 'invalid YAML' }]);
  }
  return validateConfig(doc);
}
