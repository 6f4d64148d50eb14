// `vipd explain --node NAME FILE...`: offline "why is (or isn't) my VIP announced from this node?".
// Reads Services, EndpointSlices, Nodes and vipd.io configuration from YAML/JSON files (multi-document,
// or `kubectl get -o yaml` Lists), runs the same pure decision as the daemon (decide.ts) and prints
// one line per Service VIP with its reason. Invalid configuration objects are reported and not used,
// as in the daemon. No cluster access.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { parseConfigObject } from '../config/index.ts';
import { DEFAULT_SETTINGS } from '../config/settings.ts';
import type { BgpAdvertisement, BgpPeer, IpAddressPool, VipdSettingsSpec } from '../config/types.ts';
import { decideAnnouncements, type DecideConfig, type NodeDecision } from '../decide.ts';
import { snapshotFromK8s } from '../snapshot.ts';

export const summary = 'explain offline, from YAML files, which VIPs a node announces and why not';

const USAGE = 'usage: vipd explain --node NAME [--json] FILE...\n  FILE: YAML or JSON with Services, EndpointSlices, Nodes and vipd.io objects (multi-document or kind: List)';

export interface ExplainInput {
  readonly services: V1Service[];
  readonly endpointSlices: V1EndpointSlice[];
  readonly nodes: V1Node[];
  readonly config: DecideConfig;
  /** "Kind/name: path: message" for every configuration object that was rejected. */
  readonly rejected: string[];
}

/** Sorts plain objects by kind into decision input; unknown kinds are ignored. */
export function collectObjects(objects: readonly unknown[]): ExplainInput {
  const services: V1Service[] = [];
  const endpointSlices: V1EndpointSlice[] = [];
  const nodes: V1Node[] = [];
  const peers: BgpPeer[] = [];
  const advertisements: BgpAdvertisement[] = [];
  const pools: IpAddressPool[] = [];
  const rejected: string[] = [];
  let settings: VipdSettingsSpec = DEFAULT_SETTINGS;
  const visit = (o: unknown): void => {
    if (typeof o !== 'object' || o === null) return;
    const obj = o as { kind?: unknown; apiVersion?: unknown; items?: unknown; metadata?: { name?: unknown } };
    if (obj.kind === 'List' || (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items))) {
      for (const item of (obj.items as unknown[]) ?? []) visit(item);
      return;
    }
    if (obj.kind === 'Service') services.push(o as V1Service);
    else if (obj.kind === 'EndpointSlice') endpointSlices.push(o as V1EndpointSlice);
    else if (obj.kind === 'Node') nodes.push(o as V1Node);
    else if (typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith('vipd.io/') && obj.kind !== 'BGPSessionState') {
      const r = parseConfigObject(o);
      if (!r.ok) {
        for (const e of r.errors) rejected.push(`${String(obj.kind)}/${String(obj.metadata?.name)}: ${e.path}: ${e.message}`);
        return;
      }
      const c = r.value;
      if (c.kind === 'BGPPeer') peers.push(c.object);
      else if (c.kind === 'BGPAdvertisement') advertisements.push(c.object);
      else if (c.kind === 'IPAddressPool') pools.push(c.object);
      else settings = c.object.spec;
    }
  };
  for (const o of objects) visit(o);
  return { services, endpointSlices, nodes, config: { settings, peers, advertisements, pools }, rejected };
}

export function renderExplain(d: NodeDecision, rejected: readonly string[]): string {
  const lines: string[] = [];
  lines.push(`node ${d.node.nodeName}: ${d.node.eligible ? 'eligible' : d.node.reason} (${d.node.detail}); peers: ${d.node.peers.map((p) => p.metadata.name).join(', ') || 'none'}`);
  for (const r of rejected) lines.push(`rejected ${r}`);
  const rows: string[][] = [['SERVICE', 'VIP', 'DECISION', 'PEERS', 'DETAIL']];
  for (const s of d.services) {
    if (s.vips.length === 0) rows.push([s.key, '-', s.reason, '-', s.detail]);
    for (const v of s.vips) rows.push([s.key, v.prefix, v.reason, v.routes.map((r) => r.peer).join(',') || '-', v.detail]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) lines.push(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
  return `${lines.join('\n')}\n`;
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { node: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, allowPositionals: true });
  } catch {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const nodeName = args.values.node;
  if (nodeName === undefined || args.positionals.length === 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const objects: unknown[] = [];
  for (const file of args.positionals) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      process.stderr.write(`vipd explain: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}\n`);
      return 1;
    }
    const docs = parseAllDocuments(text);
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      if (doc.errors.length > 0) {
        process.stderr.write(`vipd explain: ${file}: not valid YAML/JSON (${doc.errors[0]!.code})\n`);
        return 1;
      }
      objects.push(doc.toJS());
    }
  }
  const input = collectObjects(objects);
  const d = decideAnnouncements(snapshotFromK8s(input), nodeName, input.config);
  process.stdout.write(args.values.json ? `${JSON.stringify({ ...d, rejected: input.rejected }, null, 2)}\n` : renderExplain(d, input.rejected));
  return 0;
}
