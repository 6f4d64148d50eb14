// The daemon's effective configuration from the vipd.io objects in the informer caches: each object is
// parsed on its own (config/*.ts), then checked across objects (config/cross-check.ts). An invalid
// object is not used; when an earlier version of the same object was valid, that version keeps
// running ("last valid configuration"), so a typo in an edit never withdraws anything. Each object's
// verdict becomes its `Accepted` condition. Peer passwords are resolved here too: a referenced Secret
// (or key) that is missing keeps the peer down — never "no password" — and says so on the BGPPeer.
// The same holds for BFD authentication keys (spec.bfdAuth, RFC 5880 §6.7), whose length is checked
// as in standalone mode (bfd/auth.ts checkAuthConfig): a bad key keeps the peer down too. Keys are held
// as Md5Secret (redacted in logs and JSON); conditions and problems never carry key material.

import type * as k8s from '@kubernetes/client-node';
import { checkAuthConfig } from '@vipd/bgp/bfd/auth.ts';
import { Md5Secret } from '@vipd/bgp/net/peer-security.ts';
import type { ConfigKind } from '@vipd/metrics/labels.ts';
import type { ConfigObjectCounts } from '@vipd/metrics/catalogue-control.ts';
import { acceptedCondition, type Condition, type ParseResult } from '../config/issues.ts';
import { crossCheck } from '../config/cross-check.ts';
import { parseBgpPeer } from '../config/bgp-peer.ts';
import { parseBgpAdvertisement } from '../config/bgp-advertisement.ts';
import { parseIpAddressPool } from '../config/ip-address-pool.ts';
import { DEFAULT_SETTINGS, parseVipdSettings, SETTINGS_NAME } from '../config/settings.ts';
import type { BgpAdvertisement, BgpPeer, IpAddressPool, VipdSettingsSpec } from '../config/types.ts';
import type { DecideConfig } from '../decide.ts';
import type { PeerBfdConfig } from '../standalone/config.ts';
import type { ConfigPlural } from './watches.ts';

export const SECRET_CONDITION_TYPE = 'PasswordSecretResolved';
export const BFD_AUTH_CONDITION_TYPE = 'BfdAuthSecretResolved';

/** What vipd reports on one configuration object. */
export interface ObjectVerdict {
  readonly plural: ConfigPlural;
  readonly kind: ConfigKind;
  readonly name: string;
  readonly generation: number | undefined;
  readonly conditions: readonly Condition[];
  /** The condition list currently on the object (from the cache), to skip identical writes. */
  readonly current: readonly Condition[];
  readonly accepted: boolean;
  /** An older valid version of this object is in use instead. */
  readonly usingLastValid: boolean;
}

export interface PeerPassword {
  readonly ok: boolean;
  readonly password?: string;
  /** Why the peer is not started (Secret or key missing). */
  readonly problem?: string;
  readonly reason?: 'SecretNotFound' | 'SecretKeyNotFound' | 'NoPasswordSecret' | 'Resolved';
}

/** The peer's BFD authentication (spec.bfdAuth) with its key resolved, or why the peer cannot start. */
export interface PeerBfdAuth {
  readonly ok: boolean;
  readonly auth?: NonNullable<PeerBfdConfig['auth']>;
  readonly problem?: string;
  readonly reason: 'SecretNotFound' | 'SecretKeyNotFound' | 'InvalidKeyLength' | 'NoBfdAuth' | 'Resolved';
}

export interface ConfigSnapshot {
  readonly config: DecideConfig;
  readonly verdicts: readonly ObjectVerdict[];
  readonly passwords: ReadonlyMap<string, PeerPassword>;
  /** BGPPeer name → its BFD authentication key (RFC 5880 §6.7). */
  readonly bfdAuth: ReadonlyMap<string, PeerBfdAuth>;
  readonly counts: Partial<Record<ConfigKind, ConfigObjectCounts>>;
}

const KIND_OF: Readonly<Record<ConfigPlural, ConfigKind>> = {
  bgppeers: 'BGPPeer',
  bgpadvertisements: 'BGPAdvertisement',
  ipaddresspools: 'IPAddressPool',
  vipdsettings: 'VipdSettings',
};

type Parsed = BgpPeer | BgpAdvertisement | IpAddressPool | { readonly spec: VipdSettingsSpec };
const PARSERS: Readonly<Record<ConfigPlural, (raw: unknown) => ParseResult<Parsed>>> = {
  bgppeers: parseBgpPeer,
  bgpadvertisements: parseBgpAdvertisement,
  ipaddresspools: parseIpAddressPool,
  vipdsettings: parseVipdSettings,
};

function conditionsOf(obj: k8s.KubernetesObject): Condition[] {
  const st = (obj as { status?: { conditions?: unknown } }).status;
  return Array.isArray(st?.conditions) ? (st.conditions as Condition[]) : [];
}

function withIssues(c: Condition, extra: readonly string[]): Condition {
  if (extra.length === 0) return c;
  const message = [c.message === 'configuration accepted' ? '' : c.message, ...extra].filter((x) => x !== '').join('; ');
  return { ...c, message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message };
}

export class ConfigState {
  /** "plural/name" → last valid parsed version. */
  private readonly lastValid = new Map<string, Parsed>();

  compute(
    raw: Readonly<Record<ConfigPlural, readonly k8s.KubernetesObject[]>>,
    secret: (name: string) => k8s.V1Secret | undefined,
    namespace: string,
  ): ConfigSnapshot {
    const used: Record<ConfigPlural, Parsed[]> = { bgppeers: [], bgpadvertisements: [], ipaddresspools: [], vipdsettings: [] };
    const pending: { plural: ConfigPlural; obj: k8s.KubernetesObject; r: ParseResult<Parsed>; usingLast: boolean }[] = [];
    const seen = new Set<string>();
    for (const plural of Object.keys(PARSERS) as ConfigPlural[]) {
      for (const obj of raw[plural]) {
        const name = obj.metadata?.name ?? '';
        const key = `${plural}/${name}`;
        seen.add(key);
        const r = PARSERS[plural](obj);
        let usingLast = false;
        if (r.ok) {
          this.lastValid.set(key, r.value);
          used[plural].push(r.value);
        } else {
          const last = this.lastValid.get(key);
          if (last !== undefined) {
            used[plural].push(last);
            usingLast = true;
          }
        }
        pending.push({ plural, obj, r, usingLast });
      }
    }
    for (const key of [...this.lastValid.keys()]) if (!seen.has(key)) this.lastValid.delete(key);

    const peers = used.bgppeers as BgpPeer[];
    const ads = used.bgpadvertisements as BgpAdvertisement[];
    let pools = used.ipaddresspools as IpAddressPool[];
    const cross = crossCheck({ peers, advertisements: ads, pools });
    const overlapping = new Set<string>();
    for (const [key, issues] of cross) if (key.startsWith('IPAddressPool/') && issues.errors.length > 0) overlapping.add(key.slice(14));
    pools = pools.filter((p) => !overlapping.has(p.metadata.name));
    const settingsObj = (used.vipdsettings as { metadata?: { name: string }; spec: VipdSettingsSpec }[]).find((s) => s.metadata?.name === SETTINGS_NAME);
    const settings = settingsObj?.spec ?? DEFAULT_SETTINGS;

    const passwords = new Map<string, PeerPassword>();
    for (const p of peers) passwords.set(p.metadata.name, resolvePassword(p, secret, namespace));
    const bfdAuth = new Map<string, PeerBfdAuth>();
    for (const p of peers) bfdAuth.set(p.metadata.name, resolveBfdAuth(p, secret, namespace));

    const verdicts: ObjectVerdict[] = [];
    const counts: Partial<Record<ConfigKind, ConfigObjectCounts>> = {};
    for (const { plural, obj, r, usingLast } of pending) {
      const name = obj.metadata?.name ?? '';
      const kind = KIND_OF[plural];
      const cr = cross.get(`${kind}/${name}`);
      const crossErrors = (cr?.errors ?? []).map((i) => `${i.path}: ${i.message}`);
      const crossWarnings = (cr?.warnings ?? []).map((i) => `warning: ${i.path}: ${i.message}`);
      let accepted = acceptedCondition(r, obj.metadata?.generation);
      if (accepted.status === 'True' && crossErrors.length > 0) {
        accepted = { ...accepted, status: 'False', reason: cr!.errors[0]!.reason, message: crossErrors.join('; ') };
      } else {
        accepted = withIssues(accepted, crossWarnings);
      }
      if (usingLast) accepted = withIssues(accepted, ['the last valid version of this object stays in use']);
      const conditions: Condition[] = [accepted];
      if (plural === 'bgppeers' && r.ok) {
        const pw = passwords.get(name);
        if (pw !== undefined && pw.reason !== 'NoPasswordSecret') {
          conditions.push({
            type: SECRET_CONDITION_TYPE,
            status: pw.ok ? 'True' : 'False',
            reason: pw.reason ?? 'Resolved',
            message: pw.ok ? 'password Secret found' : pw.problem ?? '',
            ...(obj.metadata?.generation === undefined ? {} : { observedGeneration: obj.metadata.generation }),
          });
        }
        const ba = bfdAuth.get(name);
        if (ba !== undefined && ba.reason !== 'NoBfdAuth') {
          conditions.push({
            type: BFD_AUTH_CONDITION_TYPE,
            status: ba.ok ? 'True' : 'False',
            reason: ba.reason,
            message: ba.ok ? 'BFD authentication Secret found' : ba.problem ?? '',
            ...(obj.metadata?.generation === undefined ? {} : { observedGeneration: obj.metadata.generation }),
          });
        }
      }
      const ok = accepted.status === 'True';
      const c = (counts[kind] ??= { accepted: 0, invalid: 0 });
      counts[kind] = { accepted: c.accepted + (ok ? 1 : 0), invalid: c.invalid + (ok ? 0 : 1) };
      verdicts.push({ plural, kind, name, generation: obj.metadata?.generation, conditions, current: conditionsOf(obj), accepted: ok, usingLastValid: usingLast });
    }
    return { config: { settings, peers, advertisements: ads, pools }, verdicts, passwords, bfdAuth, counts };
  }
}

/** The peer's TCP-MD5 password from its Secret (in vipd's namespace), or why there is none. */
export function resolvePassword(p: BgpPeer, secret: (name: string) => k8s.V1Secret | undefined, namespace: string): PeerPassword {
  const ref = p.spec.passwordSecretRef;
  if (ref === undefined) return { ok: true, reason: 'NoPasswordSecret' };
  const s = secret(ref.name);
  if (s === undefined) {
    return { ok: false, reason: 'SecretNotFound', problem: `Secret ${namespace}/${ref.name} not found: the peer is not started (it never runs without its password)` };
  }
  const text = secretText(s, ref.key);
  if (text === undefined || text === '') {
    return { ok: false, reason: 'SecretKeyNotFound', problem: `Secret ${namespace}/${ref.name} has no key "${ref.key}": the peer is not started` };
  }
  return { ok: true, reason: 'Resolved', password: text };
}

function secretText(s: k8s.V1Secret, key: string): string | undefined {
  const b64 = s.data?.[key];
  return b64 !== undefined ? Buffer.from(b64, 'base64').toString('utf8') : s.stringData?.[key];
}

/**
 * The peer's BFD authentication key from its Secret. Never "BFD without authentication": a missing
 * Secret or key, or a key of the wrong length, keeps the whole peer down (as a missing TCP-MD5 password
 * does). The text is taken as routers take passwords (UTF-8, one trailing newline dropped, as in
 * standalone mode's passwordFile).
 */
export function resolveBfdAuth(p: BgpPeer, secret: (name: string) => k8s.V1Secret | undefined, namespace: string): PeerBfdAuth {
  const a = p.spec.bfdAuth;
  if (a === undefined) return { ok: true, reason: 'NoBfdAuth' };
  const ref = a.secretRef;
  const s = secret(ref.name);
  if (s === undefined) {
    return { ok: false, reason: 'SecretNotFound', problem: `BFD authentication Secret ${namespace}/${ref.name} not found: the peer is not started (it never runs BFD without its key)` };
  }
  const text = secretText(s, ref.key)?.replace(/\r?\n$/, '');
  if (text === undefined || text === '') {
    return { ok: false, reason: 'SecretKeyNotFound', problem: `BFD authentication Secret ${namespace}/${ref.name} has no key "${ref.key}": the peer is not started` };
  }
  const bytes = Buffer.from(text, 'utf8');
  // RFC 5880 §4.2: a simple password is 1..16 bytes; §4.4: a keyed SHA1 key is 1..20 bytes.
  const bad = checkAuthConfig({ type: a.type, keyId: a.keyId, key: bytes });
  if (bad !== undefined) {
    const max = a.type === 'simple' ? 16 : 20;
    return { ok: false, reason: 'InvalidKeyLength', problem: `BFD authentication key in Secret ${namespace}/${ref.name} key "${ref.key}" must be 1..${max} bytes for ${a.type} (RFC 5880 §4.${a.type === 'simple' ? 2 : 4}): the peer is not started` };
  }
  return { ok: true, reason: 'Resolved', auth: { type: a.type, keyId: a.keyId, key: Md5Secret.fromBytes(bytes) } };
}

/** Same conditions, ignoring lastTransitionTime (so identical verdicts are never rewritten). */
export function sameConditions(a: readonly Condition[], b: readonly Condition[]): boolean {
  const norm = (l: readonly Condition[]) =>
    JSON.stringify([...l].sort((x, y) => (x.type < y.type ? -1 : 1)).map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration ?? null]));
  return norm(a) === norm(b);
}

/** New conditions with lastTransitionTime kept from `current` when the status did not change. */
export function stampConditions(next: readonly Condition[], current: readonly Condition[], now: string): Condition[] {
  return next.map((c) => {
    const prev = current.find((x) => x.type === c.type);
    return { ...c, lastTransitionTime: prev !== undefined && prev.status === c.status && prev.lastTransitionTime !== undefined ? prev.lastTransitionTime : now };
  });
}
