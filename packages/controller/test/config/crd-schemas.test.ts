// CRDs: the committed YAML equals the generator; the schemas are structural; every example in
// examples/crds validates with ajv against the CRD schema AND through the TS validator; a table of
// broken objects is rejected by the TS validator and, for rules the schema can express, by ajv too
// (rules marked schema: false are CEL or cross-field rules that only the TS validator checks).

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { run as genCrds } from '../../src/commands/gen-crds.ts';
import { CRDS, renderCrdYaml } from '../../src/config/crd-schemas.ts';
import { parseConfigObject } from '../../src/config/index.ts';
import type { ConfigReason } from '../../src/config/issues.ts';
import type { BgpSessionState } from '../../src/config/types.ts';
import { newAjv, readCrd, readYamlDocs, toAjvSchema } from '../support/crd-ajv.ts';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const crdDir = `${root}charts/vipd/crds/`;
const exampleDir = `${root}examples/crds/`;

const ajv = newAjv();
const validators = new Map(
  readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).map((f) => {
    const { kind, schema } = readCrd(crdDir + f);
    return [kind, ajv.compile(toAjvSchema(schema) as object)] as const;
  }),
);

function ajvValid(obj: Record<string, unknown>): boolean {
  const v = validators.get(obj['kind'] as string);
  assert.ok(v, `no CRD for ${String(obj['kind'])}`);
  return v(obj) as boolean;
}

function structuralProblems(s: unknown, path: string, inLogic: boolean, out: string[]): void {
  if (typeof s !== 'object' || s === null) return;
  const n = s as Record<string, unknown>;
  if (!inLogic && n['type'] === undefined) out.push(`${path}: no type`);
  if (inLogic) for (const k of ['type', 'description', 'default', 'nullable']) if (k in n) out.push(`${path}: ${k} inside a logic junctor`);
  for (const [k, p] of Object.entries((n['properties'] as Record<string, unknown>) ?? {})) structuralProblems(p, `${path}.${k}`, false, out);
  if (typeof n['items'] === 'object') structuralProblems(n['items'], `${path}[]`, false, out);
  if (typeof n['additionalProperties'] === 'object') structuralProblems(n['additionalProperties'], `${path}{}`, false, out);
  for (const j of ['anyOf', 'oneOf', 'allOf']) for (const [i, p] of ((n[j] as unknown[]) ?? []).entries()) structuralProblems(p, `${path}.${j}[${i}]`, true, out);
  if (n['not'] !== undefined) structuralProblems(n['not'], `${path}.not`, true, out);
}

describe('CRD files', () => {
  it('charts/vipd/crds holds exactly the generated CRDs (run `vipd gen-crds` after changing crd-schemas.ts)', () => {
    const files = readdirSync(crdDir).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(files, [...CRDS.keys()].sort());
    for (const [file, def] of CRDS) assert.equal(readFileSync(crdDir + file, 'utf8'), renderCrdYaml(def), file);
  });
  it('`vipd gen-crds --check` passes on the repository and fails on an empty directory; writing fixes it', async () => {
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    const dir = mkdtempSync(`${tmpdir()}/vdc-crds-`);
    try {
      assert.equal(await genCrds(['--check']), 0);
      assert.equal(await genCrds(['--check', dir]), 1);
      assert.equal(await genCrds([dir]), 0);
      assert.equal(await genCrds(['--check', dir]), 0);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('schemas are structural: every node typed, no type/description/default inside anyOf/not', () => {
    for (const [file, def] of CRDS) {
      const out: string[] = [];
      const v = (def['spec'] as { versions: { schema: { openAPIV3Schema: unknown }; subresources: unknown }[] }).versions[0]!;
      structuralProblems(v.schema.openAPIV3Schema, file, false, out);
      assert.deepEqual(out, []);
      assert.deepEqual(v.subresources, { status: {} });
    }
  });
});

describe('examples/crds validate with ajv and with the TS validator', () => {
  const docs = readdirSync(exampleDir).filter((f) => f.endsWith('.yaml')).flatMap((f) => readYamlDocs(exampleDir + f).map((d) => ({ file: f, d })));
  it('there are examples of every kind', () => {
    assert.ok(docs.length >= 10);
    assert.deepEqual(new Set(docs.map((x) => x.d['kind'])), new Set(validators.keys()));
  });
  for (const { file, d } of docs) {
    const name = (d['metadata'] as { name: string }).name;
    it(`${file}: ${String(d['kind'])} ${name}`, () => {
      const v = validators.get(d['kind'] as string)!;
      assert.equal(v(d), true, JSON.stringify(v.errors));
      if (d['kind'] === 'BGPSessionState') {
        const typed: BgpSessionState = d as unknown as BgpSessionState;
        assert.equal(typed.status?.nodeName, name);
        return;
      }
      const r = parseConfigObject(d);
      assert.equal(r.ok, true, JSON.stringify(r.ok ? '' : r.errors));
      assert.deepEqual(r.warnings, []);
    });
  }
});

interface Broken {
  readonly name: string;
  readonly base: string;
  readonly mutate: (o: any) => void;
  readonly reason: ConfigReason;
  /** The CRD schema itself rejects it (ajv must agree); false for CEL / cross-field rules. */
  readonly schema: boolean;
}

const BROKEN: readonly Broken[] = [
  { name: 'peer address not an IP', base: 'tor-rack1-a', mutate: (o) => (o.spec.address = '192.0.2.300'), reason: 'InvalidAddress', schema: true },
  { name: 'peer address missing', base: 'tor-rack1-a', mutate: (o) => delete o.spec.address, reason: 'MissingField', schema: true },
  { name: 'ASN 0 (RFC 7607)', base: 'tor-rack1-a', mutate: (o) => (o.spec.asn = 0), reason: 'InvalidASN', schema: true },
  { name: 'ASN above 32 bits', base: 'tor-rack1-a', mutate: (o) => (o.spec.asn = 4294967296), reason: 'InvalidASN', schema: true },
  { name: 'AS_TRANS as local AS', base: 'tor-rack1-a', mutate: (o) => (o.spec.localAsn = 23456), reason: 'InvalidASN', schema: true },
  { name: 'hold time 1', base: 'tor-rack1-a', mutate: (o) => (o.spec.holdTimeSec = 1), reason: 'InvalidTimer', schema: true },
  { name: 'hold time 2', base: 'tor-rack1-a', mutate: (o) => (o.spec.holdTimeSec = 2), reason: 'InvalidTimer', schema: true },
  { name: 'restart time above 12 bits', base: 'tor-rack1-a', mutate: (o) => (o.spec.gracefulRestart.restartTimeSec = 4096), reason: 'InvalidTimer', schema: true },
  { name: 'unknown family', base: 'tor-rack1-a', mutate: (o) => (o.spec.families = ['l2vpn-evpn']), reason: 'InvalidField', schema: true },
  { name: 'no family', base: 'tor-rack1-a', mutate: (o) => (o.spec.families = []), reason: 'InvalidField', schema: true },
  { name: 'unknown spec field (typo)', base: 'tor-rack1-a', mutate: (o) => (o.spec.holdTime = 9), reason: 'InvalidField', schema: true },
  { name: 'port 0', base: 'tor-rack1-a', mutate: (o) => (o.spec.port = 0), reason: 'InvalidField', schema: true },
  { name: 'multihop TTL 0', base: 'route-server-v6', mutate: (o) => (o.spec.ebgpMultihopTtl = 0), reason: 'InvalidField', schema: true },
  { name: 'secret ref without name', base: 'route-server-v6', mutate: (o) => delete o.spec.passwordSecretRef.name, reason: 'MissingField', schema: true },
  { name: 'BFD auth type unknown', base: 'route-server-v6', mutate: (o) => (o.spec.bfdAuth.type = 'keyed-md5'), reason: 'InvalidField', schema: true },
  { name: 'BFD auth key ID above one octet', base: 'route-server-v6', mutate: (o) => (o.spec.bfdAuth.keyId = 256), reason: 'InvalidField', schema: true },
  { name: 'BFD auth without secretRef', base: 'route-server-v6', mutate: (o) => delete o.spec.bfdAuth.secretRef, reason: 'MissingField', schema: true },
  { name: 'BFD auth without bfdProfile (CEL)', base: 'route-server-v6', mutate: (o) => delete o.spec.bfdProfile, reason: 'MissingField', schema: false },
  { name: 'IPv6 next hop not an IPv6 address', base: 'tor-rack1-a', mutate: (o) => (o.spec.nextHopIpv6 = '192.0.2.10'), reason: 'InvalidAddress', schema: true },
  { name: 'IPv4 next hop not an IPv4 address', base: 'tor-rack1-a', mutate: (o) => (o.spec.nextHopIpv4 = '2001:db8::10'), reason: 'InvalidAddress', schema: true },
  { name: 'IPv6 next hop link-local (RFC 2545 §3)', base: 'tor-rack1-a', mutate: (o) => (o.spec.nextHopIpv6 = 'fe80::1'), reason: 'InvalidAddress', schema: false },
  { name: 'IPv6 next hop IPv4-mapped', base: 'tor-rack1-a', mutate: (o) => (o.spec.nextHopIpv6 = '::ffff:192.0.2.10'), reason: 'InvalidAddress', schema: false },
  { name: 'IPv4 next hop loopback', base: 'tor-rack1-a', mutate: (o) => (o.spec.nextHopIpv4 = '127.0.0.1'), reason: 'InvalidAddress', schema: false },
  { name: 'selector operator unknown', base: 'route-server-v6', mutate: (o) => (o.spec.nodeSelector.matchExpressions[0].operator = 'Matches'), reason: 'InvalidSelector', schema: true },
  { name: 'both asn and learnAsnFromOpen (CEL)', base: 'lab-peer', mutate: (o) => (o.spec.asn = 65000), reason: 'InvalidASN', schema: false },
  { name: 'neither asn nor learnAsnFromOpen (CEL)', base: 'tor-rack1-a', mutate: (o) => delete o.spec.asn, reason: 'MissingField', schema: false },
  { name: 'keepalive not below hold time', base: 'tor-rack1-a', mutate: (o) => (o.spec.keepaliveSec = 9), reason: 'InvalidTimer', schema: false },
  { name: 'keepalive with zero hold time (RFC 4271 §4.4)', base: 'lab-peer', mutate: (o) => (o.spec.keepaliveSec = 5), reason: 'InvalidTimer', schema: false },
  { name: 'source address of the other family', base: 'route-server-v6', mutate: (o) => (o.spec.sourceAddress = '192.0.2.10'), reason: 'InvalidAddress', schema: false },
  { name: 'In selector without values', base: 'route-server-v6', mutate: (o) => (o.spec.nodeSelector.matchExpressions[0].operator = 'In'), reason: 'InvalidSelector', schema: false },
  { name: 'selector key not a qualified name', base: 'tor-rack1-a', mutate: (o) => (o.spec.nodeSelector.matchLabels = { 'bad key!': 'x' }), reason: 'InvalidSelector', schema: false },
  { name: 'community half above 65535', base: 'public', mutate: (o) => (o.spec.communities = ['65536:1']), reason: 'InvalidCommunity', schema: false },
  { name: 'community garbage', base: 'public', mutate: (o) => (o.spec.communities = ['no-export']), reason: 'InvalidCommunity', schema: true },
  { name: 'unknown well-known name', base: 'public', mutate: (o) => (o.spec.communities = ['NO_SUCH_COMMUNITY']), reason: 'InvalidCommunity', schema: true },
  { name: 'large community with two parts', base: 'public', mutate: (o) => (o.spec.largeCommunities = ['1:2']), reason: 'InvalidCommunity', schema: true },
  { name: 'large community part above 32 bits', base: 'public', mutate: (o) => (o.spec.largeCommunities = ['4294967296:1:1']), reason: 'InvalidCommunity', schema: false },
  { name: 'too many prepends', base: 'internal-from-edge', mutate: (o) => (o.spec.asPathPrepend = 17), reason: 'InvalidField', schema: true },
  { name: 'negative MED', base: 'internal-from-edge', mutate: (o) => (o.spec.med = -1), reason: 'InvalidField', schema: true },
  { name: 'peer name not a DNS name', base: 'public', mutate: (o) => (o.spec.peers = ['Tor_A']), reason: 'InvalidName', schema: true },
  { name: 'pool without addresses', base: 'public-v4', mutate: (o) => (o.spec.addresses = []), reason: 'MissingField', schema: true },
  { name: 'pool entry not a CIDR or range', base: 'public-v4', mutate: (o) => (o.spec.addresses = ['banana']), reason: 'InvalidRange', schema: true },
  { name: 'CIDR with host bits', base: 'public-v4', mutate: (o) => (o.spec.addresses = ['198.51.100.1/24']), reason: 'InvalidRange', schema: false },
  { name: 'reversed range', base: 'public-v4', mutate: (o) => (o.spec.addresses = ['198.51.100.9-198.51.100.1']), reason: 'InvalidRange', schema: false },
  { name: 'mixed-family range', base: 'public-v4', mutate: (o) => (o.spec.addresses = ['198.51.100.1-2001:db8::1']), reason: 'InvalidRange', schema: false },
  { name: 'overlapping entries in one pool', base: 'public-v4', mutate: (o) => (o.spec.addresses = ['198.51.100.0/24', '198.51.100.10-198.51.100.20']), reason: 'OverlappingRange', schema: false },
  { name: 'IPv4 prefix length 33', base: 'public-v4', mutate: (o) => (o.spec.addresses = ['198.51.100.0/33']), reason: 'InvalidRange', schema: false },
  { name: 'settings not named default (CEL)', base: 'default', mutate: (o) => (o.metadata.name = 'other'), reason: 'InvalidName', schema: false },
  { name: 'unknown terminating policy', base: 'default', mutate: (o) => (o.spec.terminatingPolicy = 'sometimes'), reason: 'InvalidField', schema: true },
  { name: 'unknown drain behaviour', base: 'default', mutate: (o) => (o.spec.drainBehaviour = 'panic'), reason: 'InvalidField', schema: true },
  { name: 'drain period above an hour', base: 'default', mutate: (o) => (o.spec.drainPeriodSec = 3601), reason: 'InvalidTimer', schema: true },
  { name: 'class without a domain prefix', base: 'default', mutate: (o) => (o.spec.loadBalancerClass = 'vipd'), reason: 'InvalidName', schema: true },
];

describe('broken objects: TS validator rejects each, ajv agrees wherever the schema can express it', () => {
  const byName = new Map<string, Record<string, unknown>>();
  for (const f of readdirSync(exampleDir)) for (const d of readYamlDocs(exampleDir + f)) byName.set((d['metadata'] as { name: string }).name, d);
  it('covers every reason but the cross-pool overlap (tested in config tests)', () => {
    assert.ok(BROKEN.length > 30);
  });
  for (const b of BROKEN) {
    it(b.name, () => {
      const base = byName.get(b.base);
      assert.ok(base, b.base);
      assert.equal(ajvValid(base), true);
      const o = structuredClone(base);
      b.mutate(o);
      const r = parseConfigObject(o);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.errors.some((e) => e.reason === b.reason), JSON.stringify(!r.ok && r.errors));
      assert.equal(ajvValid(o), !b.schema, b.schema ? 'schema should reject' : 'schema accepts: CEL / TS-only rule (flip `schema` if the CRD now checks it)');
    });
  }
});
