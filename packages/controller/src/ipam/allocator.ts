// The IPAM allocator: assigns LoadBalancer VIPs from pools. Pure in-memory state, no Kubernetes I/O;
// the IPAM controller feeds it Services and writes what it returns. Rules follow the IPAM issue and
// docs/ipam.md: families per ipFamilyPolicy, pool priority and scope, requested IPs, sharing keys with
// port and selector checks, .0/.255 avoidance, and "never hand out an address in use" — the caller
// restores every existing assignment (restore) before assigning anything new.

import { canonicalIp, type IpRange } from '../config/ip.ts';
import { matchesSelector, type LabelSelector } from '../config/selector.ts';
import type { IpAddressPool } from '../config/types.ts';
import { familyOf, ipText, ipValue, isBuggyLooking, rangeSize, toConfigFamily, usableInRange, type IpFamily } from './ranges.ts';

export interface PoolSpec {
  readonly name: string;
  readonly ranges: readonly IpRange[];
  /** Hand out addresses to Services that did not ask for this pool. */
  readonly autoAssign: boolean;
  /** Skip IPv4 addresses ending in .0 and .255. */
  readonly avoidBuggyIPs: boolean;
  /** Lower first; pools of equal priority are tried by name. */
  readonly priority: number;
  /** Empty: any namespace. */
  readonly namespaces: readonly string[];
  readonly namespaceSelectors: readonly LabelSelector[];
  readonly serviceSelectors: readonly LabelSelector[];
}

export type FamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

export interface ServicePort {
  readonly protocol: string;
  readonly port: number;
}

export interface AllocationRequest {
  /** namespace/name */
  readonly key: string;
  readonly namespace: string;
  readonly serviceLabels: Readonly<Record<string, string>>;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** spec.ipFamilies in order (primary first); empty means the cluster default, IPv4. */
  readonly ipFamilies: readonly IpFamily[];
  readonly familyPolicy: FamilyPolicy;
  /** From the vipd.io/loadBalancerIPs annotation or spec.loadBalancerIP. */
  readonly requestedIps: readonly string[];
  /** From the vipd.io/address-pool annotation. */
  readonly requestedPool?: string;
  readonly sharingKey?: string;
  readonly ports: readonly ServicePort[];
  readonly trafficPolicy: 'Local' | 'Cluster';
  /** Canonical form of spec.selector: Services with ETP Local may share only when it is equal. */
  readonly selectorKey: string;
}

export const IpamFailure = {
  INVALID_REQUEST: 'InvalidRequest',
  NO_MATCHING_POOL: 'NoMatchingPool',
  POOL_NOT_FOUND: 'RequestedPoolNotFound',
  POOL_NOT_ALLOWED: 'RequestedPoolNotAllowed',
  POOL_EXHAUSTED: 'PoolExhausted',
  FAMILY_UNAVAILABLE: 'FamilyUnavailable',
  REQUESTED_IP_NOT_IN_POOL: 'RequestedIPNotInPool',
  REQUESTED_IP_IN_USE: 'RequestedIPInUse',
  SHARING_KEY_MISMATCH: 'SharingKeyMismatch',
  PORT_COLLISION: 'PortCollision',
  SHARING_SELECTOR_MISMATCH: 'SharingSelectorMismatch',
} as const;
export type IpamFailureReason = (typeof IpamFailure)[keyof typeof IpamFailure];

export type AllocationResult =
  | { readonly ok: true; readonly ips: readonly string[]; readonly pool: string; readonly changed: boolean }
  | { readonly ok: false; readonly reason: IpamFailureReason; readonly message: string };

interface Tenant {
  readonly ports: readonly ServicePort[];
  readonly trafficPolicy: 'Local' | 'Cluster';
  readonly selectorKey: string;
}

interface Holder {
  readonly pool: string;
  readonly sharingKey: string | undefined;
  readonly tenants: Map<string, Tenant>;
}

interface Assignment {
  readonly ips: readonly string[];
  readonly pool: string;
}

export interface PoolUsage {
  readonly pool: string;
  readonly family: IpFamily;
  /** Addresses that can be handed out (after .0/.255 avoidance); a string because IPv6 pools are huge. */
  readonly total: bigint;
  readonly used: number;
}

const fail = (reason: IpamFailureReason, message: string): AllocationResult => ({ ok: false, reason, message });

export class Allocator {
  private pools: PoolSpec[] = [];
  private readonly holders = new Map<string, Holder>();
  /** Held addresses per "pool/family", kept with the holders so usage() is O(pools). */
  private readonly usedCount = new Map<string, number>();
  private readonly assignments = new Map<string, Assignment>();
  /** Next address to try per pool range, so allocation is amortised O(1) rather than a scan from the start. */
  private readonly cursors = new Map<string, bigint>();

  constructor(pools: readonly PoolSpec[] = []) {
    this.setPools(pools);
  }

  /** Replaces the pool set. Existing assignments are kept; `misfits()` lists those no longer in a pool. */
  setPools(pools: readonly PoolSpec[]): void {
    this.pools = [...pools].sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  assignmentOf(key: string): Assignment | undefined {
    return this.assignments.get(key);
  }

  /** Records an address a Service already holds (from its status), before any new assignment. */
  restore(req: AllocationRequest, ips: readonly string[]): AllocationResult {
    const canon = canonicalList(ips);
    if (canon === undefined) return fail(IpamFailure.INVALID_REQUEST, `not IP addresses: ${ips.join(', ')}`);
    const pool = this.poolHolding(canon[0]!);
    for (const ip of canon) {
      const clash = this.sharingProblem(ip, req);
      if (clash !== undefined) return clash;
    }
    this.release(req.key);
    this.take(req, canon, pool?.name ?? '');
    return { ok: true, ips: canon, pool: pool?.name ?? '', changed: false };
  }

  /** Assigns (or confirms) addresses for a Service. Idempotent while the request still fits. */
  assign(req: AllocationRequest): AllocationResult {
    const families = wantedFamilies(req);
    if (families === undefined) return fail(IpamFailure.INVALID_REQUEST, 'ipFamilies and ipFamilyPolicy disagree');
    const current = this.assignments.get(req.key);
    if (current !== undefined && this.stillFits(req, current, families)) {
      return { ok: true, ips: current.ips, pool: current.pool, changed: false };
    }
    const result = req.requestedIps.length > 0 ? this.assignRequested(req, families) : this.assignFromPools(req, families);
    if (result.ok) {
      this.release(req.key);
      this.take(req, result.ips, result.pool);
      return { ...result, changed: current === undefined || !sameIps(current.ips, result.ips) };
    }
    return result;
  }

  release(key: string): void {
    const a = this.assignments.get(key);
    if (a === undefined) return;
    this.assignments.delete(key);
    for (const ip of a.ips) {
      const h = this.holders.get(ip);
      if (h === undefined) continue;
      h.tenants.delete(key);
      if (h.tenants.size === 0) {
        this.holders.delete(ip);
        this.count(h.pool, ip, -1);
      }
    }
  }

  /** Services whose addresses are no longer inside a pool that would give them out (after a pool change). */
  misfits(requests: ReadonlyMap<string, AllocationRequest>): string[] {
    const out: string[] = [];
    for (const [key, req] of requests) if (this.isMisfit(req)) out.push(key);
    return out.sort();
  }

  /** Whether this Service holds an address outside every pool that would give it out (O(its addresses)). */
  isMisfit(req: AllocationRequest): boolean {
    const a = this.assignments.get(req.key);
    if (a === undefined) return false;
    return !a.ips.every((ip) => {
      const pool = this.poolHolding(ip);
      return pool !== undefined && (req.requestedIps.length > 0 || this.poolAllows(pool, req));
    });
  }

  usage(): PoolUsage[] {
    const out: PoolUsage[] = [];
    for (const pool of this.pools) {
      for (const family of ['IPv4', 'IPv6'] as const) {
        const ranges = pool.ranges.filter((r) => r.family === toConfigFamily(family));
        if (ranges.length === 0) continue;
        let total = 0n;
        for (const r of ranges) total += usableInRange(r, pool.avoidBuggyIPs);
        out.push({ pool: pool.name, family, total, used: this.usedCount.get(`${pool.name}/${family}`) ?? 0 });
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------

  private count(pool: string, ip: string, delta: number): void {
    const k = `${pool}/${familyOf(ip)}`;
    this.usedCount.set(k, (this.usedCount.get(k) ?? 0) + delta);
  }

  private take(req: AllocationRequest, ips: readonly string[], pool: string): void {
    for (const ip of ips) {
      let h = this.holders.get(ip);
      if (h === undefined) {
        h = { pool, sharingKey: req.sharingKey, tenants: new Map() };
        this.holders.set(ip, h);
        this.count(pool, ip, 1);
      }
      h.tenants.set(req.key, { ports: req.ports, trafficPolicy: req.trafficPolicy, selectorKey: req.selectorKey });
    }
    this.assignments.set(req.key, { ips, pool });
  }

  private stillFits(req: AllocationRequest, a: Assignment, families: readonly IpFamily[]): boolean {
    if (req.requestedIps.length > 0) {
      const wanted = canonicalList(req.requestedIps);
      if (wanted === undefined || !sameIps(wanted, a.ips)) return false;
    } else {
      const got = a.ips.map((ip) => familyOf(ip));
      if (!families.every((f, i) => got[i] === f) && !(req.familyPolicy === 'PreferDualStack' && got.length >= 1 && got[0] === families[0])) {
        return false;
      }
      if (req.requestedPool !== undefined && a.pool !== req.requestedPool) return false;
    }
    // The sharing contract must still hold with the other tenants.
    return a.ips.every((ip) => this.sharingProblem(ip, req) === undefined);
  }

  private assignRequested(req: AllocationRequest, families: readonly IpFamily[]): AllocationResult {
    const ips = canonicalList(req.requestedIps);
    if (ips === undefined) return fail(IpamFailure.INVALID_REQUEST, `requested addresses are not IPs: ${req.requestedIps.join(', ')}`);
    const fams = ips.map((ip) => familyOf(ip)!);
    if (new Set(fams).size !== fams.length) return fail(IpamFailure.INVALID_REQUEST, 'at most one requested address per family');
    if (req.familyPolicy === 'RequireDualStack' && fams.length < 2) {
      return fail(IpamFailure.FAMILY_UNAVAILABLE, 'RequireDualStack needs one requested address of each family');
    }
    if (!fams.includes(families[0]!)) {
      return fail(IpamFailure.INVALID_REQUEST, `no requested address of the primary family ${families[0]}`);
    }
    let poolName = '';
    for (const ip of ips) {
      const pool = this.poolHolding(ip);
      if (pool === undefined) return fail(IpamFailure.REQUESTED_IP_NOT_IN_POOL, `${ip} is in no address pool`);
      if (req.requestedPool !== undefined && pool.name !== req.requestedPool) {
        return fail(IpamFailure.REQUESTED_IP_NOT_IN_POOL, `${ip} is not in the requested pool ${req.requestedPool}`);
      }
      if (!this.poolAllows(pool, req, true)) return fail(IpamFailure.POOL_NOT_ALLOWED, `pool ${pool.name} does not serve ${req.key}`);
      const problem = this.sharingProblem(ip, req);
      if (problem !== undefined) return problem;
      poolName ||= pool.name;
    }
    return { ok: true, ips, pool: poolName, changed: true };
  }

  private assignFromPools(req: AllocationRequest, families: readonly IpFamily[]): AllocationResult {
    let candidates: PoolSpec[];
    if (req.requestedPool !== undefined) {
      const pool = this.pools.find((p) => p.name === req.requestedPool);
      if (pool === undefined) return fail(IpamFailure.POOL_NOT_FOUND, `no address pool named ${req.requestedPool}`);
      if (!this.poolAllows(pool, req, true)) return fail(IpamFailure.POOL_NOT_ALLOWED, `pool ${pool.name} does not serve ${req.key}`);
      candidates = [pool];
    } else {
      candidates = this.pools.filter((p) => p.autoAssign && this.poolAllows(p, req));
      if (candidates.length === 0) return fail(IpamFailure.NO_MATCHING_POOL, `no auto-assign pool serves ${req.key}`);
    }
    const required = req.familyPolicy === 'PreferDualStack' ? [families[0]!] : families;
    let lastFailure: AllocationResult | undefined;
    // Prefer a pool that can give every wanted family (PreferDualStack then degrades to the primary).
    for (const wanted of req.familyPolicy === 'PreferDualStack' ? [families, required] : [families]) {
      for (const pool of candidates) {
        if (!wanted.every((f) => pool.ranges.some((r) => r.family === toConfigFamily(f)))) {
          lastFailure ??= fail(IpamFailure.FAMILY_UNAVAILABLE, `pool ${pool.name} has no ${wanted.join('/')} addresses`);
          continue;
        }
        const ips: string[] = [];
        for (const family of wanted) {
          const ip = this.shareable(pool, family, req) ?? this.freeAddress(pool, family);
          if (ip === undefined) break;
          ips.push(ip);
        }
        if (ips.length === wanted.length) return { ok: true, ips, pool: pool.name, changed: true };
        lastFailure = fail(IpamFailure.POOL_EXHAUSTED, `pool ${pool.name} has no free ${wanted.join('/')} address`);
      }
    }
    return lastFailure ?? fail(IpamFailure.NO_MATCHING_POOL, `no pool serves ${req.key}`);
  }

  /** An address already held under the same sharing key that this Service may join. */
  private shareable(pool: PoolSpec, family: IpFamily, req: AllocationRequest): string | undefined {
    if (req.sharingKey === undefined) return undefined;
    for (const [ip, h] of this.holders) {
      if (h.pool !== pool.name || h.sharingKey !== req.sharingKey || familyOf(ip) !== family) continue;
      if (this.sharingProblem(ip, req) === undefined) return ip;
    }
    return undefined;
  }

  private freeAddress(pool: PoolSpec, family: IpFamily): string | undefined {
    for (let i = 0; i < pool.ranges.length; i++) {
      const r = pool.ranges[i]!;
      if (r.family !== toConfigFamily(family)) continue;
      const cursorKey = `${pool.name}#${i}`;
      const start = this.cursors.get(cursorKey) ?? r.first;
      // At most one lap from the cursor. When a free address exists it is found within
      // (held addresses + skipped .0/.255 + 1) steps; a full lap happens only for a range that small.
      let v = start;
      let steps = 0n;
      const size = rangeSize(r);
      while (steps < size) {
        const ip = ipText(family, v);
        if (!(pool.avoidBuggyIPs && isBuggyLooking(r.family, v)) && !this.holders.has(ip)) {
          this.cursors.set(cursorKey, v === r.last ? r.first : v + 1n);
          return ip;
        }
        v = v === r.last ? r.first : v + 1n;
        steps++;
      }
    }
    return undefined;
  }

  private sharingProblem(ip: string, req: AllocationRequest): AllocationResult | undefined {
    const h = this.holders.get(ip);
    if (h === undefined) return undefined;
    const others = [...h.tenants].filter(([k]) => k !== req.key);
    if (others.length === 0) return undefined;
    if (req.sharingKey === undefined || h.sharingKey !== req.sharingKey) {
      return fail(IpamFailure.REQUESTED_IP_IN_USE, `${ip} is used by ${others.map(([k]) => k).join(', ')} without a matching sharing key`);
    }
    for (const [key, t] of others) {
      for (const p of req.ports) {
        if (t.ports.some((q) => q.port === p.port && q.protocol.toUpperCase() === p.protocol.toUpperCase())) {
          return fail(IpamFailure.PORT_COLLISION, `${ip}: port ${p.protocol}/${p.port} is already used by ${key}`);
        }
      }
      if ((t.trafficPolicy === 'Local' || req.trafficPolicy === 'Local') && t.selectorKey !== req.selectorKey) {
        return fail(IpamFailure.SHARING_SELECTOR_MISMATCH, `${ip}: externalTrafficPolicy Local needs the same pod selector as ${key}`);
      }
      if (t.trafficPolicy !== req.trafficPolicy) {
        return fail(IpamFailure.SHARING_SELECTOR_MISMATCH, `${ip}: ${key} has externalTrafficPolicy ${t.trafficPolicy}`);
      }
    }
    return undefined;
  }

  private poolHolding(ip: string): PoolSpec | undefined {
    const family = familyOf(ip);
    const v = ipValue(ip);
    if (family === undefined || v === undefined) return undefined;
    const f = toConfigFamily(family);
    return this.pools.find((p) => p.ranges.some((r) => r.family === f && v >= r.first && v <= r.last));
  }

  /** Scope check; `explicit` (pool or IP asked for by annotation) ignores autoAssign. */
  private poolAllows(pool: PoolSpec, req: AllocationRequest, explicit = false): boolean {
    if (!explicit && !pool.autoAssign && req.requestedPool !== pool.name) return false;
    if (pool.namespaces.length > 0 && !pool.namespaces.includes(req.namespace)) return false;
    if (pool.namespaceSelectors.length > 0 && !pool.namespaceSelectors.some((s) => matchesSelector(s, req.namespaceLabels))) return false;
    if (pool.serviceSelectors.length > 0 && !pool.serviceSelectors.some((s) => matchesSelector(s, req.serviceLabels))) return false;
    return true;
  }
}

/** The allocator's view of a parsed IPAddressPool (config/ip-address-pool.ts). */
export function poolSpecFromConfig(pool: IpAddressPool): PoolSpec {
  const a = pool.spec.serviceAllocation;
  return {
    name: pool.metadata.name,
    ranges: pool.spec.ranges,
    autoAssign: pool.spec.autoAssign,
    avoidBuggyIPs: pool.spec.avoidBuggyIPs,
    priority: a?.priority ?? 0,
    namespaces: a?.namespaces ?? [],
    namespaceSelectors: a?.namespaceSelectors ?? [],
    serviceSelectors: a?.serviceSelectors ?? [],
  };
}

function wantedFamilies(req: AllocationRequest): IpFamily[] | undefined {
  const fams: IpFamily[] = req.ipFamilies.length > 0 ? [...req.ipFamilies] : ['IPv4'];
  if (req.familyPolicy === 'SingleStack') return fams.length === 1 ? fams : undefined;
  if (fams.length === 1) fams.push(fams[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  return fams.length === 2 && fams[0] !== fams[1] ? fams : undefined;
}

function canonicalList(ips: readonly string[]): string[] | undefined {
  const out: string[] = [];
  for (const ip of ips) {
    const c = canonicalIp(ip.trim());
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}

function sameIps(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
