// BGPPeer.spec.bfdAuth (RFC 5880 §6.7 in Kubernetes mode): the parser's defaults and rejections (type,
// key ID, Secret reference, bfdAuth without bfdProfile), and the key resolution of daemon/config-state.ts:
// missing Secret / key / wrong length keep the peer down with a reason and a BfdAuthSecretResolved=False
// condition; the key never appears in conditions, problems, JSON or util.inspect; a key change changes
// the session fingerprint (so the session restarts) while an unchanged key does not.

import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { parseBgpPeer, requireValid } from '../../src/config/index.ts';
import { BFD_AUTH_CONDITION_TYPE, ConfigState, resolveBfdAuth } from '../../src/daemon/config-state.ts';
import { sessionFingerprint } from '../../src/daemon/peer-feed.ts';
import { DEFAULT_BFD_PROFILE } from '../../src/standalone/config.ts';
import type { BgpPeer } from '../../src/config/types.ts';

const spec = (extra: Record<string, unknown>) => ({ address: '192.0.2.1', asn: 65001, localAsn: 65000, bfdProfile: 'default', ...extra });
const peerObj = (extra: Record<string, unknown>) => ({ apiVersion: 'vipd.io/v1alpha1', kind: 'BGPPeer', metadata: { name: 'tor', generation: 2 }, spec: spec(extra) });
const auth = (a: Record<string, unknown>) => ({ bfdAuth: { type: 'meticulous-keyed-sha1', keyId: 7, secretRef: { name: 'tor-bfd' }, ...a } });
const reasons = (raw: unknown) => {
  const r = parseBgpPeer(raw);
  return r.ok ? [] : r.errors.map((e) => `${e.path} ${e.reason}`);
};
const secretWith = (key: string, value: string): V1Secret => ({ data: { [key]: Buffer.from(value).toString('base64') } });
const KEY = 'vkp-0123456789abcd'; // 18 bytes: too long for simple, fine for SHA1

describe('BGPPeer.spec.bfdAuth parsing', () => {
  it('parses type, keyId and secretRef; key defaults to "password"; keyId defaults to 1 (as standalone)', () => {
    const p = requireValid('BGPPeer', parseBgpPeer(peerObj(auth({}))));
    assert.deepEqual(p.spec.bfdAuth, { type: 'meticulous-keyed-sha1', keyId: 7, secretRef: { name: 'tor-bfd', key: 'password' } });
    const q = requireValid('BGPPeer', parseBgpPeer(peerObj({ bfdAuth: { type: 'simple', secretRef: { name: 's', key: 'bfd.key' } } })));
    assert.deepEqual(q.spec.bfdAuth, { type: 'simple', keyId: 1, secretRef: { name: 's', key: 'bfd.key' } });
    assert.equal(requireValid('BGPPeer', parseBgpPeer(peerObj({}))).spec.bfdAuth, undefined);
  });

  it('keyId 0 and 255 are valid; -1, 256 and 1.5 are not', () => {
    for (const keyId of [0, 255]) assert.equal(requireValid('BGPPeer', parseBgpPeer(peerObj(auth({ keyId })))).spec.bfdAuth?.keyId, keyId);
    for (const keyId of [-1, 256, 1.5, '1']) assert.deepEqual(reasons(peerObj(auth({ keyId }))), ['spec.bfdAuth.keyId InvalidField']);
  });

  it('rejects an unknown type, a missing type, a missing secretRef or name, unknown fields', () => {
    assert.deepEqual(reasons(peerObj(auth({ type: 'keyed-md5' }))), ['spec.bfdAuth.type InvalidField']);
    assert.deepEqual(reasons(peerObj({ bfdAuth: { secretRef: { name: 's' } } })), ['spec.bfdAuth.type MissingField']);
    assert.deepEqual(reasons(peerObj({ bfdAuth: { type: 'simple' } })), ['spec.bfdAuth.secretRef MissingField']);
    assert.deepEqual(reasons(peerObj(auth({ secretRef: { key: 'k' } }))), ['spec.bfdAuth.secretRef.name MissingField']);
    assert.deepEqual(reasons(peerObj(auth({ secretRef: { name: 'Not_A_Name' } }))), ['spec.bfdAuth.secretRef.name InvalidName']);
    assert.deepEqual(reasons(peerObj(auth({ password: 'inline' }))), ['spec.bfdAuth.password InvalidField']);
    assert.deepEqual(reasons(peerObj({ bfdAuth: 'simple' })), ['spec.bfdAuth InvalidField']);
  });

  it('bfdAuth without bfdProfile is invalid (BFD is not implied), with a MissingField reason', () => {
    const raw = peerObj(auth({}));
    delete (raw.spec as Record<string, unknown>)['bfdProfile'];
    assert.deepEqual(reasons(raw), ['spec.bfdAuth MissingField']);
  });
});

describe('BFD authentication key resolution (daemon/config-state.ts)', () => {
  const parsed = (a: Record<string, unknown>): BgpPeer => requireValid('BGPPeer', parseBgpPeer(peerObj(auth(a))));

  it('missing Secret, missing or empty key: not started, with the reason', () => {
    const p = parsed({});
    assert.equal(resolveBfdAuth(p, () => undefined, 'vipd').reason, 'SecretNotFound');
    assert.equal(resolveBfdAuth(p, () => ({ data: {} }), 'vipd').reason, 'SecretKeyNotFound');
    assert.equal(resolveBfdAuth(p, () => secretWith('other', KEY), 'vipd').reason, 'SecretKeyNotFound');
    assert.equal(resolveBfdAuth(p, () => secretWith('password', ''), 'vipd').reason, 'SecretKeyNotFound');
    assert.equal(resolveBfdAuth(p, () => secretWith('password', '\n'), 'vipd').reason, 'SecretKeyNotFound', 'a lone newline is no key');
    for (const r of [resolveBfdAuth(p, () => undefined, 'vipd'), resolveBfdAuth(p, () => ({ data: {} }), 'vipd')]) assert.equal(r.ok, false);
  });

  it('key length as RFC 5880 §4.2 / §4.4: simple 1..16 bytes, SHA1 1..20 bytes (UTF-8 bytes, one trailing newline dropped)', () => {
    const simple = parsed({ type: 'simple' });
    assert.equal(resolveBfdAuth(simple, () => secretWith('password', 'x'.repeat(16)), 'vipd').ok, true);
    assert.equal(resolveBfdAuth(simple, () => secretWith('password', `${'x'.repeat(16)}\n`), 'vipd').ok, true, 'kubectl --from-file newline');
    assert.equal(resolveBfdAuth(simple, () => secretWith('password', 'x'.repeat(17)), 'vipd').reason, 'InvalidKeyLength');
    assert.equal(resolveBfdAuth(simple, () => secretWith('password', 'é'.repeat(9)), 'vipd').reason, 'InvalidKeyLength', '18 bytes');
    for (const type of ['keyed-sha1', 'meticulous-keyed-sha1']) {
      const p = parsed({ type });
      assert.equal(resolveBfdAuth(p, () => secretWith('password', 'x'.repeat(20)), 'vipd').ok, true);
      assert.equal(resolveBfdAuth(p, () => secretWith('password', 'x'.repeat(21)), 'vipd').reason, 'InvalidKeyLength');
    }
    const ok = resolveBfdAuth(parsed({}), () => ({ stringData: { password: KEY } }), 'vipd');
    assert.equal(ok.reason, 'Resolved');
    assert.deepEqual([ok.auth?.type, ok.auth?.keyId, ok.auth?.key.bytes().toString()], ['meticulous-keyed-sha1', 7, KEY]);
  });

  it('the key never appears in problems, conditions, JSON or inspect', () => {
    const ok = resolveBfdAuth(parsed({}), () => secretWith('password', KEY), 'vipd');
    const bad = resolveBfdAuth(parsed({ type: 'simple' }), () => secretWith('password', KEY), 'vipd');
    for (const text of [JSON.stringify(ok), inspect(ok, { depth: 5 }), JSON.stringify(bad), inspect(bad, { depth: 5 })]) {
      assert.ok(!text.includes(KEY), text);
      assert.ok(!text.includes(Buffer.from(KEY).toString('base64')), text);
    }
    const cs = new ConfigState();
    const raw = { bgppeers: [peerObj(auth({ type: 'simple' })) as KubernetesObject], bgpadvertisements: [], ipaddresspools: [], vipdsettings: [] };
    const s = cs.compute(raw, () => secretWith('password', KEY), 'vipd');
    assert.ok(!JSON.stringify(s.verdicts).includes(KEY));
  });

  it('ConfigState: BfdAuthSecretResolved condition False with the reason (the object stays Accepted), True once resolved', () => {
    const cs = new ConfigState();
    const raw = { bgppeers: [peerObj(auth({})) as KubernetesObject], bgpadvertisements: [], ipaddresspools: [], vipdsettings: [] };
    const missing = cs.compute(raw, () => undefined, 'vipd');
    const v = missing.verdicts[0]!;
    assert.equal(v.accepted, true);
    const c = v.conditions.find((x) => x.type === BFD_AUTH_CONDITION_TYPE);
    assert.deepEqual([c?.status, c?.reason, c?.observedGeneration], ['False', 'SecretNotFound', 2]);
    assert.equal(missing.bfdAuth.get('tor')?.ok, false);
    const found = cs.compute(raw, () => secretWith('password', KEY), 'vipd');
    assert.deepEqual(found.verdicts[0]!.conditions.map((x) => [x.type, x.status]), [['Accepted', 'True'], [BFD_AUTH_CONDITION_TYPE, 'True']]);
    const none = cs.compute({ ...raw, bgppeers: [peerObj({}) as KubernetesObject] }, () => undefined, 'vipd');
    assert.deepEqual(none.verdicts[0]!.conditions.map((x) => x.type), ['Accepted'], 'no condition without bfdAuth');
  });

  it('session fingerprint: a key change (or type / key ID change) restarts the session, the same key does not', () => {
    const p = parsed({});
    const fp = (key: string, pp: BgpPeer = p) => {
      const a = resolveBfdAuth(pp, () => secretWith('password', key), 'vipd').auth!;
      return sessionFingerprint(pp, '10.0.0.1', undefined, { ...DEFAULT_BFD_PROFILE, profile: 'default', multihop: false, auth: a });
    };
    assert.equal(fp(KEY), fp(KEY));
    assert.notEqual(fp(KEY), fp(`${KEY}x`));
    assert.notEqual(fp(KEY), fp(KEY, parsed({ keyId: 8 })));
    assert.notEqual(fp(KEY), fp(KEY, parsed({ type: 'keyed-sha1' })));
    assert.notEqual(fp(KEY), sessionFingerprint(p, '10.0.0.1', undefined, { ...DEFAULT_BFD_PROFILE, profile: 'default', multihop: false }));
    assert.ok(!fp(KEY).includes(KEY));
  });
});
