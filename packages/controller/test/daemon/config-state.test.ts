// ConfigState: invalid objects are not used, the last valid version of an object keeps running,
// overlapping pools are dropped, and a missing password Secret (or key) never means "no password".

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { ConfigState, resolvePassword, sameConditions, stampConditions } from '../../src/daemon/config-state.ts';
import { nodeConditionType } from '../../src/daemon/feedback.ts';

const obj = (kind: string, name: string, spec: Record<string, unknown>, generation = 1): KubernetesObject =>
  ({ apiVersion: 'vipd.io/v1alpha1', kind, metadata: { name, generation }, spec }) as KubernetesObject;
const peer = (spec: Record<string, unknown> = {}) => obj('BGPPeer', 'tor', { address: '10.0.0.1', asn: 65000, localAsn: 65100, ...spec });
const raw = (o: Partial<Record<'bgppeers' | 'bgpadvertisements' | 'ipaddresspools' | 'vipdsettings', KubernetesObject[]>>) => ({
  bgppeers: o.bgppeers ?? [], bgpadvertisements: o.bgpadvertisements ?? [], ipaddresspools: o.ipaddresspools ?? [], vipdsettings: o.vipdsettings ?? [],
});
const noSecret = () => undefined;

test('an invalid edit keeps the last valid version running and says so', () => {
  const cs = new ConfigState();
  const a = cs.compute(raw({ bgppeers: [peer({ holdTimeSec: 9 })] }), noSecret, 'vipd');
  assert.equal(a.config.peers[0]?.spec.holdTimeSec, 9);
  const b = cs.compute(raw({ bgppeers: [peer({ holdTimeSec: 9, keepaliveSec: 30 })] }), noSecret, 'vipd');
  assert.equal(b.config.peers[0]?.spec.holdTimeSec, 9, 'previous version still used');
  const v = b.verdicts[0]!;
  assert.equal(v.accepted, false);
  assert.equal(v.usingLastValid, true);
  assert.equal(v.conditions[0]?.reason, 'InvalidTimer');
  assert.deepEqual(b.counts.BGPPeer, { accepted: 0, invalid: 1 });
});

test('an object that was never valid is not used; deleting forgets the last valid version', () => {
  const cs = new ConfigState();
  assert.equal(cs.compute(raw({ bgppeers: [peer({ keepaliveSec: 100 })] }), noSecret, 'vipd').config.peers.length, 0);
  cs.compute(raw({ bgppeers: [peer()] }), noSecret, 'vipd');
  cs.compute(raw({}), noSecret, 'vipd');
  assert.equal(cs.compute(raw({ bgppeers: [peer({ keepaliveSec: 100 })] }), noSecret, 'vipd').config.peers.length, 0);
});

test('overlapping pools are not used and get Accepted=False', () => {
  const cs = new ConfigState();
  const s = cs.compute(raw({ ipaddresspools: [obj('IPAddressPool', 'a', { addresses: ['192.0.2.0/28'] }), obj('IPAddressPool', 'b', { addresses: ['192.0.2.8/29'] })] }), noSecret, 'vipd');
  assert.equal(s.config.pools.length, 1);
  assert.ok(s.verdicts.some((v) => !v.accepted && v.conditions[0]?.reason === 'OverlappingRange'));
});

test('missing Secret or key: not started, with the reason; present: the password', () => {
  const p = { metadata: { name: 'tor', generation: 1, labels: {} }, spec: { passwordSecretRef: { name: 's', key: 'password' } } } as never;
  assert.deepEqual(resolvePassword(p, () => undefined, 'vipd').reason, 'SecretNotFound');
  assert.equal(resolvePassword(p, () => ({ data: {} }) as V1Secret, 'vipd').reason, 'SecretKeyNotFound');
  assert.equal(resolvePassword(p, () => ({ data: { password: '' } }) as V1Secret, 'vipd').ok, false, 'an empty password is no password');
  const ok = resolvePassword(p, () => ({ data: { password: Buffer.from('pw').toString('base64') } }) as V1Secret, 'vipd');
  assert.equal(ok.ok, true);
  assert.equal(ok.password, 'pw');
  const cs = new ConfigState();
  const s = cs.compute(raw({ bgppeers: [peer({ passwordSecretRef: { name: 's' } })] }), () => undefined, 'vipd');
  assert.equal(s.passwords.get('tor')?.ok, false);
  assert.ok(s.verdicts[0]!.conditions.some((c) => c.type === 'PasswordSecretResolved' && c.status === 'False' && c.reason === 'SecretNotFound'));
  assert.equal(s.verdicts[0]!.accepted, true, 'the object itself is valid');
});

test('conditions: identical verdicts are not rewritten; lastTransitionTime kept when the status holds', () => {
  const c = { type: 'Accepted', status: 'True' as const, reason: 'Valid', message: 'ok' };
  assert.ok(sameConditions([c], [{ ...c, lastTransitionTime: 'x' }]));
  assert.ok(!sameConditions([c], [{ ...c, message: 'other' }]));
  assert.equal(stampConditions([c], [{ ...c, lastTransitionTime: 'then' }], 'now')[0]?.lastTransitionTime, 'then');
  assert.equal(stampConditions([{ ...c, status: 'False' }], [{ ...c, lastTransitionTime: 'then' }], 'now')[0]?.lastTransitionTime, 'now');
});

test('the per-node Service condition type is a valid qualified name', () => {
  const qualified = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
  for (const n of ['n1', 'worker-3.example.com', 'a'.repeat(250)]) {
    const t = nodeConditionType(n);
    assert.match(t, qualified);
    assert.ok(t.split('/')[0]!.length <= 253);
  }
  assert.notEqual(nodeConditionType('a'), nodeConditionType('b'));
});
