// `vipd explain`: offline decision from YAML (kubectl Lists and multi-document files), rejected
// configuration reported and not used, usage errors, unreadable and malformed files.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { collectObjects, run } from '../../src/commands/explain.ts';
import { node, slice, svc } from '../support/k8s-objects.ts';

const dir = mkdtempSync(`${tmpdir()}/vdc-explain-`);
after(() => rmSync(dir, { recursive: true, force: true }));

async function capture(argv: string[]): Promise<{ rc: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = process.stdout.write;
  const e = process.stderr.write;
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { rc: await run(argv), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

const peer = { apiVersion: 'vipd.io/v1alpha1', kind: 'BGPPeer', metadata: { name: 'tor' }, spec: { address: '192.0.2.1', asn: 65001, localAsn: 65000 } };
const badPeer = { ...peer, metadata: { name: 'bad' }, spec: { ...peer.spec, holdTimeSec: 1 } };
const adv = { apiVersion: 'vipd.io/v1alpha1', kind: 'BGPAdvertisement', metadata: { name: 'all' }, spec: {} };
const settings = { apiVersion: 'vipd.io/v1alpha1', kind: 'VipdSettings', metadata: { name: 'default' }, spec: { terminatingPolicy: 'keep-serving' } };

describe('vipd explain', () => {
  it('collects objects from Lists, parses config, rejects invalid objects', () => {
    const input = collectObjects([
      { apiVersion: 'v1', kind: 'List', items: [svc('web'), node('node-a')] },
      { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSliceList', items: [slice('web', 'IPv4', [])] },
      peer, badPeer, adv, settings,
      { apiVersion: 'vipd.io/v1alpha1', kind: 'BGPSessionState', metadata: { name: 'node-a' } },
      null, 'junk',
    ]);
    assert.equal(input.services.length, 1);
    assert.equal(input.endpointSlices.length, 1);
    assert.equal(input.nodes.length, 1);
    assert.deepEqual(input.config.peers.map((p) => p.metadata.name), ['tor']);
    assert.equal(input.config.settings.terminatingPolicy, 'keep-serving');
    assert.equal(input.rejected.length, 1);
    assert.match(input.rejected[0]!, /^BGPPeer\/bad: spec.holdTimeSec/);
  });

  it('prints one row per VIP with the reason; --json gives the decision', async () => {
    const file = `${dir}/objs.yaml`;
    const docs = [
      { apiVersion: 'v1', kind: 'List', items: [svc('web', { etp: 'Local' }), svc('api', { ingress: ['192.0.2.11'] }), node('node-a')] },
      slice('web', 'IPv4', [{ ip: '10.0.0.1', node: 'node-b' }]),
      slice('api', 'IPv4', [{ ip: '10.0.0.2', node: 'node-b' }]),
      peer, badPeer, adv,
    ];
    writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
    const text = await capture(['--node', 'node-a', file]);
    assert.equal(text.rc, 0);
    assert.match(text.out, /default\/api\s+192\.0\.2\.11\/32\s+announced\s+tor/);
    assert.match(text.out, /default\/web\s+192\.0\.2\.10\/32\s+no-local-endpoints/);
    assert.match(text.out, /rejected BGPPeer\/bad/);
    const json = await capture(['--node', 'node-a', '--json', file]);
    const d = JSON.parse(json.out) as { vips: { address: string; reason: string }[] };
    assert.deepEqual(d.vips.map((v) => [v.address, v.reason]), [['192.0.2.10', 'no-local-endpoints'], ['192.0.2.11', 'announced']]);
  });

  it('usage errors exit 2; unreadable or malformed files exit 1', async () => {
    assert.equal((await capture([])).rc, 2);
    assert.equal((await capture(['--node', 'n'])).rc, 2);
    assert.equal((await capture(['--bogus'])).rc, 2);
    assert.equal((await capture(['--node', 'n', `${dir}/missing.yaml`])).rc, 1);
    writeFileSync(`${dir}/bad.yaml`, 'a: [1, 2\n');
    assert.equal((await capture(['--node', 'n', `${dir}/bad.yaml`])).rc, 1);
    assert.equal((await capture(['--help'])).rc, 0);
  });
});
