// vipd's own CRD manifests (charts/vipd/crds) served by the test API server the way the real
// apiextensions-apiserver would: schema defaults applied, invalid objects refused with 422 and
// field causes, CEL rules evaluated, unknown fields pruned (or 400 with fieldValidation=Strict),
// status writes validated too. Driven through the real client-node CustomObjectsApi.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { failure, kubeConfigFor } from './support/apiserver/client-helpers.ts';
import { skippedCelRules, VIPD_CHART_CRDS_DIR } from './support/apiserver/crd.ts';
import { TestApiServer } from './support/apiserver/test-api-server.ts';

const PORT = 18406;
const G = { group: 'vipd.io', version: 'v1alpha1' };
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

type Obj = { metadata: { name: string; generation?: number }; spec: Record<string, unknown>; status?: Record<string, unknown> };

describe('test API server: vipd CRDs from the chart (schema, defaults, CEL)', () => {
  const server = new TestApiServer({ port: PORT, crdManifests: [VIPD_CHART_CRDS_DIR] });
  let co: k8s.CustomObjectsApi;
  const peer = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'vipd.io/v1alpha1', kind: 'BGPPeer', metadata: { name }, spec });

  before(async () => {
    await server.start();
    co = kubeConfigFor(server).makeApiClient(k8s.CustomObjectsApi);
  });
  after(async () => {
    await server.stop();
    server.dispose();
  });

  it('serves every vipd kind from the manifests, with schema defaults applied on create', async () => {
    for (const plural of ['bgppeers', 'bgpadvertisements', 'ipaddresspools', 'vipdsettings', 'bgpsessionstates']) {
      assert.ok(server.objects.resources.lookup('vipd.io', 'v1alpha1', plural)?.schema !== undefined, plural);
    }
    const p = await co.createClusterCustomObject({ ...G, plural: 'bgppeers', body: peer('tor1', { address: '192.0.2.1', asn: 65001, localAsn: 65000 }) }) as Obj;
    assert.equal(p.spec.port, 179);
    assert.equal(p.spec.holdTimeSec, 90);
    assert.equal(p.spec.passive, false);
    assert.equal(p.metadata.generation, 1);
    const s = await co.createClusterCustomObject({ ...G, plural: 'vipdsettings', body: { apiVersion: 'vipd.io/v1alpha1', kind: 'VipdSettings', metadata: { name: 'default' }, spec: {} } }) as Obj;
    assert.equal(s.spec.loadBalancerClass, 'vipd.io/bgp');
  });

  it('refuses schema violations with 422 Invalid naming the field', async () => {
    const bad = await failure(co.createClusterCustomObject({ ...G, plural: 'bgppeers', body: peer('bad-addr', { address: 'not-an-ip', asn: 65001, localAsn: 65000 }) }));
    assert.equal(bad.httpCode, 422);
    assert.equal(bad.reason, 'Invalid');
    const causes = (bad.body.details as { causes: Array<{ field: string }> }).causes;
    assert.ok(causes.some((c) => c.field === 'spec.address'), JSON.stringify(causes));
    const missing = await failure(co.createClusterCustomObject({ ...G, plural: 'bgppeers', body: peer('no-local', { address: '192.0.2.2', asn: 65001 }) }));
    assert.equal(missing.httpCode, 422);
    assert.ok((missing.body.details as { causes: Array<{ field: string; reason: string }> }).causes
      .some((c) => c.field === 'spec.localAsn' && c.reason === 'FieldValueRequired'));
    assert.equal(server.get('vipd.io/v1alpha1', 'bgppeers', 'bad-addr'), undefined);
  });

  it('evaluates the CRDs\' x-kubernetes-validations rules (none skipped)', async () => {
    const both = await failure(co.createClusterCustomObject({ ...G, plural: 'bgppeers', body: peer('both', { address: '192.0.2.3', asn: 65001, learnAsnFromOpen: true, localAsn: 65000 }) }));
    assert.equal(both.httpCode, 422);
    assert.ok((both.body.details as { causes: Array<{ field: string }> }).causes.some((c) => c.field === 'spec'));
    const learn = await co.createClusterCustomObject({ ...G, plural: 'bgppeers', body: peer('learn', { address: '192.0.2.4', learnAsnFromOpen: true, localAsn: 65000 }) }) as Obj;
    assert.equal(learn.spec.learnAsnFromOpen, true);
    const named = await failure(co.createClusterCustomObject({ ...G, plural: 'vipdsettings', body: { apiVersion: 'vipd.io/v1alpha1', kind: 'VipdSettings', metadata: { name: 'other' }, spec: {} } }));
    assert.equal(named.httpCode, 422);
    // An update that breaks a rule is refused too, and the stored object is unchanged.
    const upd = await failure(co.patchClusterCustomObject({ ...G, plural: 'bgppeers', name: 'learn', body: { spec: { asn: 65009 } } }, merge));
    assert.equal(upd.httpCode, 422);
    assert.equal((server.get('vipd.io/v1alpha1', 'bgppeers', 'learn') as Obj).spec.asn, undefined);
    assert.equal(skippedCelRules(), 0);
  });

  it('prunes unknown fields (Warn) and refuses them with fieldValidation=Strict', async () => {
    const p = await co.createClusterCustomObject({ ...G, plural: 'bgppeers', body: peer('pruned', { address: '192.0.2.5', asn: 65001, localAsn: 65000, bogus: 1 }) }) as Obj;
    assert.equal(p.spec.bogus, undefined);
    const strict = await failure(co.createClusterCustomObject({ ...G, plural: 'bgppeers', fieldValidation: 'Strict',
      body: peer('strict', { address: '192.0.2.6', asn: 65001, localAsn: 65000, bogus: 1 }) }));
    assert.equal(strict.httpCode, 400);
    assert.equal(strict.reason, 'BadRequest');
  });

  it('validates status writes: a condition missing required fields is 422, a complete one is stored', async () => {
    const incomplete = await failure(co.patchClusterCustomObjectStatus({ ...G, plural: 'bgppeers', name: 'tor1',
      body: { status: { conditions: [{ type: 'Accepted', status: 'True' }] } } }, merge));
    assert.equal(incomplete.httpCode, 422);
    const ok = await co.patchClusterCustomObjectStatus({ ...G, plural: 'bgppeers', name: 'tor1', body: { status: { conditions: [{
      type: 'Accepted', status: 'True', reason: 'Valid', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 1,
    }] } } }, merge) as Obj;
    assert.equal((ok.status?.conditions as unknown[]).length, 1);
    assert.equal(ok.metadata.generation, 1);
  });
});
