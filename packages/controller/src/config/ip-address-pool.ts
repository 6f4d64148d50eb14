// IPAddressPool: VIP pools as CIDRs or "first-last" ranges (IPv4 and IPv6), with allocation options.
// Parsing and validation only (allocation is IPAM's job): host bits, reversed or mixed-family ranges,
// overlaps inside a pool, and `findPoolOverlaps` for overlaps across pools.

import { issue, result, type Issue, type ParseResult } from './issues.ts';
import { formatIp, parseRange, rangeContains, rangesOverlap, type IpRange, type ParsedIp } from './ip.ts';
import { checkKnown, DNS_LABEL, newCtx, readBool, readEnvelope, readInt, readList, readObj, type Ctx } from './read.ts';
import { parseSelector } from './selector.ts';
import type { IpAddressPool, ServiceAllocation } from './types.ts';

const SPEC_FIELDS = ['addresses', 'autoAssign', 'avoidBuggyIPs', 'serviceAllocation'] as const;

const RANGE_PROBLEMS = {
  syntax: 'must be a CIDR (10.0.0.0/24, 2001:db8::/120) or a range (10.0.0.10-10.0.0.20)',
  'host-bits': 'CIDR has host bits set',
  'family-mismatch': 'range ends are of different address families',
  reversed: 'range start is after its end',
} as const;

function readAllocation(ctx: Ctx, spec: Readonly<Record<string, unknown>>): ServiceAllocation | undefined {
  const o = readObj(ctx, spec, 'serviceAllocation', 'spec');
  if (o === undefined) return undefined;
  const path = 'spec.serviceAllocation';
  checkKnown(ctx, o, ['priority', 'namespaces', 'namespaceSelectors', 'serviceSelectors'], path);
  return {
    priority: readInt(ctx, o, 'priority', path, { min: 0, max: 2147483647 }) ?? 0,
    namespaces: readList(ctx, o, 'namespaces', path, (v, p) => {
      if (typeof v === 'string' && DNS_LABEL.test(v)) return v;
      ctx.errors.push(issue(p, 'must be a namespace name', 'InvalidName'));
      return undefined;
    }, { unique: true }),
    namespaceSelectors: readList(ctx, o, 'namespaceSelectors', path, (v, p) => parseSelector(v, p, ctx.errors)),
    serviceSelectors: readList(ctx, o, 'serviceSelectors', path, (v, p) => parseSelector(v, p, ctx.errors)),
  };
}

export function parseIpAddressPool(raw: unknown): ParseResult<IpAddressPool> {
  const ctx = newCtx();
  const env = readEnvelope(ctx, raw, 'IPAddressPool');
  if (env === undefined) return result<IpAddressPool>(undefined as never, ctx.errors);
  const { spec } = env;
  checkKnown(ctx, spec, SPEC_FIELDS, 'spec');
  const addresses: string[] = [];
  const ranges: IpRange[] = [];
  readList(ctx, spec, 'addresses', 'spec', (v, p) => {
    if (typeof v !== 'string') return void ctx.errors.push(issue(p, RANGE_PROBLEMS.syntax, 'InvalidRange'));
    const r = parseRange(v);
    if (!r.ok) return void ctx.errors.push(issue(p, RANGE_PROBLEMS[r.problem], 'InvalidRange'));
    const clash = ranges.findIndex((x) => rangesOverlap(x, r.range));
    if (clash >= 0) ctx.errors.push(issue(p, `overlaps spec.addresses[${clash}]`, 'OverlappingRange'));
    addresses.push(v);
    ranges.push(r.range);
    return undefined;
  });
  if (!Array.isArray(spec['addresses']) || spec['addresses'].length === 0) {
    if (!ctx.errors.some((e) => e.path.startsWith('spec.addresses'))) {
      ctx.errors.push(issue('spec.addresses', 'must list at least one CIDR or range', 'MissingField'));
    }
  }
  return result<IpAddressPool>(
    {
      metadata: env.meta,
      spec: {
        addresses,
        ranges,
        autoAssign: readBool(ctx, spec, 'autoAssign', 'spec', true),
        avoidBuggyIPs: readBool(ctx, spec, 'avoidBuggyIPs', 'spec', false),
        serviceAllocation: readAllocation(ctx, spec),
      },
    },
    ctx.errors,
    ctx.warnings,
  );
}

/** Overlaps between valid pools, as issues on the later pool (by name order) of each pair. */
export function findPoolOverlaps(pools: readonly IpAddressPool[]): Map<string, Issue[]> {
  const out = new Map<string, Issue[]>();
  const sorted = [...pools].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  for (let i = 0; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) {
      const a = sorted[i]!;
      const b = sorted[j]!;
      a.spec.ranges.forEach((ra, ai) => {
        if (b.spec.ranges.some((rb) => rangesOverlap(ra, rb))) {
          const list = out.get(a.metadata.name) ?? [];
          list.push(issue(`spec.addresses[${ai}]`, `overlaps IPAddressPool ${b.metadata.name}`, 'OverlappingRange'));
          out.set(a.metadata.name, list);
        }
      });
    }
  }
  return out;
}

/** The first pool (by name) containing the address, or undefined. */
export function poolOf(pools: readonly IpAddressPool[], ip: ParsedIp): IpAddressPool | undefined {
  let found: IpAddressPool | undefined;
  for (const p of pools) {
    if (p.spec.ranges.some((r) => rangeContains(r, ip))) {
      if (found === undefined || p.metadata.name < found.metadata.name) found = p;
    }
  }
  return found;
}

export function describeRange(r: IpRange): string {
  return `${formatIp({ family: r.family, value: r.first })}-${formatIp({ family: r.family, value: r.last })}`;
}
