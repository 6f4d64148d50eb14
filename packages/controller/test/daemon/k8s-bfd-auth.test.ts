// K8sDaemon on loopback (API server 19461, BFD ports 19463/19464): BGPPeer.spec.bfdAuth, RFC 5880 §6.7
// authentication of the peer's BFD session with the key from a Secret, against a second BfdService
// playing the router (meticulous keyed SHA1, key ID 3):
// - matching key → BFD Up on both ends; a peer whose Secret holds another key → never Up on either end;
// - a missing Secret → the peer is not started (Idle with lastError, BfdAuthSecretResolved=False with a
//   Warning Event); creating the Secret starts it. A key too long for its type → not started either;
// - rotating the Secret restarts the peer's session (a new feed): BFD is down until the router has the
//   new key, then Up again;
// - no key (nor its base64) in the daemon's logs, its session status, the BGPPeer status, the
//   BGPSessionState or the Events.
// Needs the native addon (packages/bgp/native/build.sh); skipped without it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Logger } from '@vipd/bgp/observe.ts';
import { BfdService } from '@vipd/bgp/bfd/service.ts';
import { sockoptAvailable } from '@vipd/bgp/net/sockopt.ts';
import { TestApiServer } from '../../../../e2e/support/apiserver/test-api-server.ts';
import { resourceId } from '../../../../e2e/support/apiserver/resources.ts';
import { kubeConfigFor, waitFor } from '../../../../e2e/support/apiserver/client-helpers.ts';
import { K8sDaemon } from '../../src/daemon/k8s-daemon.ts';

const NODE_ADDR = '127.0.0.8';
const ROUTER = '127.0.0.6';
const WRONG_ROUTER = '127.0.0.7';
const BFD_DAEMON = 19463;
const BFD_ROUTER = 19464;
const V = 'vipd.io/v1alpha1';
const NS = 'vipd-system';
const KEY = 'vkp-bfd-key-0001'; // 16 bytes
const KEY2 = 'vkp-bfd-key-0002';
const OTHER = 'vkp-not-the-key!';
const LONG = 'vkp-bfd-key-0001-long'; // 21 bytes: too long for SHA1 (RFC 5880 §4.4)
const skip = sockoptAvailable() ? false : 'native addon not built';

const api = new TestApiServer({ port: 19461 });
const routerBfd = skip === false ? new BfdService() : undefined;
const logs: string[] = [];
let daemon: K8sDaemon | undefined;

function capture(bindings: Record<string, unknown>): Logger {
  const rec = (level: string) => (obj: object, msg?: string) => {
    logs.push(`${level} ${JSON.stringify({ ...bindings, ...obj })} ${msg ?? ''}`);
  };
  return { trace: rec('trace'), debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: (b) => capture({ ...bindings, ...b }) };
}

const secret = (name: string, value: string) => ({ metadata: { name, namespace: NS }, data: { password: Buffer.from(value).toString('base64') } });
const peer = (name: string, address: string, bfdAuth: Record<string, unknown>) => ({
  metadata: { name },
  spec: { address, asn: 65000, localAsn: 65101, sourceAddress: NODE_ADDR, passive: true, holdTimeSec: 9, families: ['ipv4-unicast'], bfdProfile: 'fast', bfdAuth },
});
const sha1 = (secretName: string) => ({ type: 'meticulous-keyed-sha1', keyId: 3, secretRef: { name: secretName } });
const routerPeer = (id: string, local: string, key: string) => routerBfd!.addPeer({
  id, peerAddress: NODE_ADDR, localAddress: local, multihop: false,
  timers: { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 },
  auth: { type: 'meticulous-keyed-sha1', keyId: 3, key: Buffer.from(key) },
  listenPort: BFD_ROUTER, peerPort: BFD_DAEMON,
});

before(async () => {
  if (skip !== false) return;
  await api.start();
  api.create('v1', 'nodes', {
    metadata: { name: 'n1' },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
  });
  api.create('v1', 'namespaces', { metadata: { name: NS } });
  api.create('v1', 'secrets', secret('tor-bfd', KEY), NS);
  api.create('v1', 'secrets', secret('tor-bfd-other', OTHER), NS);
  api.create('v1', 'secrets', secret('tor-bfd-long', LONG), NS);
  api.create(V, 'bgppeers', peer('tor', ROUTER, sha1('tor-bfd')));
  api.create(V, 'bgppeers', peer('tor-wrong', WRONG_ROUTER, sha1('tor-bfd-other')));
  api.create(V, 'bgppeers', peer('tor-nosecret', '127.0.0.9', sha1('tor-bfd-later')));
  api.create(V, 'bgppeers', peer('tor-long', '127.0.0.10', sha1('tor-bfd-long')));
  api.create(V, 'vipdsettings', { metadata: { name: 'default' }, spec: { drainPeriodSec: 0 } });
  routerPeer('good', ROUTER, KEY);
  routerPeer('wrong', WRONG_ROUTER, KEY);
  daemon = new K8sDaemon({
    kc: kubeConfigFor(api), nodeName: 'n1', namespace: NS, log: capture({}),
    bfdProfiles: { fast: { minTxMs: 100, minRxMs: 100, multiplier: 3 } },
    bfdPorts: { listen: BFD_DAEMON, peer: BFD_ROUTER },
  });
  await daemon.start();
});

after(async () => {
  if (skip !== false) return;
  await daemon?.shutdown('test over');
  await routerBfd?.close();
  await api.stop();
  api.dispose();
});

const status = (name: string) => daemon!.sessionStatus().find((s) => s.name === name);
const feed = (name: string) => daemon!.feedList().find((f) => f.name === name);
const conditions = (name: string) =>
  ((api.get(V, 'bgppeers', name) as { status?: { conditions?: { type: string; status: string; reason: string }[] } } | undefined)?.status?.conditions ?? []);
const bfdCondition = (name: string) => conditions(name).find((c) => c.type === 'BfdAuthSecretResolved');
const events = () => api.store.list(resourceId(api.resource('v1', 'events'))) as { reason?: string; type?: string; involvedObject?: { name?: string } }[];

test('matching key: BFD Up at both ends; another key: never Up at either end', { skip, timeout: 30_000 }, async () => {
  await waitFor('BFD Up on vipd (tor)', () => status('tor')?.bfd === 'Up', 10_000);
  await waitFor('BFD Up at the router (tor)', () => routerBfd!.state('good') === 'Up', 5_000);
  assert.equal(bfdCondition('tor')?.status, 'True');
  // Both sessions run at 100 ms: 1.5 s is 15 packets each way, all of them rejected by §6.7.4.
  const end = Date.now() + 1500;
  while (Date.now() < end) {
    assert.notEqual(status('tor-wrong')?.bfd, 'Up', 'vipd accepted packets signed with another key');
    assert.notEqual(routerBfd!.state('wrong'), 'Up', 'the router accepted packets signed with another key');
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(feed('tor-wrong') !== undefined, 'the wrong-key peer is started (the key is valid, just not the router\'s)');
  assert.equal(status('tor')?.bfd, 'Up', 'the good session stayed Up meanwhile');
});

test('missing Secret: not started with lastError, BfdAuthSecretResolved=False + Warning Event; creating the Secret starts it', { skip, timeout: 20_000 }, async () => {
  assert.equal(feed('tor-nosecret'), undefined);
  const s = status('tor-nosecret');
  assert.equal(s?.state, 'Idle');
  assert.ok(s?.lastError !== undefined && s.lastError.length > 0);
  assert.equal(s?.bfd, null);
  await waitFor('BfdAuthSecretResolved=False', () => bfdCondition('tor-nosecret')?.status === 'False', 5_000);
  assert.equal(bfdCondition('tor-nosecret')?.reason, 'SecretNotFound');
  assert.deepEqual(conditions('tor-nosecret').find((c) => c.type === 'Accepted')?.status, 'True', 'the object itself is valid');
  await waitFor('Warning Event', () => events().some((e) => e.type === 'Warning' && e.reason === 'SecretNotFound' && e.involvedObject?.name === 'tor-nosecret'), 5_000);

  assert.equal(feed('tor-long'), undefined, 'a 21-byte SHA1 key never starts a session');
  await waitFor('InvalidKeyLength', () => bfdCondition('tor-long')?.reason === 'InvalidKeyLength', 5_000);
  assert.equal(status('tor-long')?.state, 'Idle');

  api.create('v1', 'secrets', secret('tor-bfd-later', KEY), NS);
  await waitFor('peer started once the Secret exists', () => feed('tor-nosecret') !== undefined, 5_000);
  await waitFor('BfdAuthSecretResolved=True', () => bfdCondition('tor-nosecret')?.status === 'True', 5_000);
});

test('rotating the Secret restarts the session: BFD down until the router has the new key, then Up', { skip, timeout: 30_000 }, async () => {
  await waitFor('BFD Up (tor)', () => status('tor')?.bfd === 'Up', 10_000);
  const before = feed('tor')!;
  const cur = api.get('v1', 'secrets', 'tor-bfd', NS) as Record<string, unknown>;
  api.objects.update(api.resource('v1', 'secrets'), NS, 'tor-bfd', { ...cur, data: { password: Buffer.from(KEY2).toString('base64') } } as never, '');
  await waitFor('a new session for tor', () => feed('tor') !== undefined && feed('tor') !== before, 5_000);
  const restarted = feed('tor');
  await waitFor('router sees BFD leave Up', () => routerBfd!.state('good') !== 'Up', 5_000);
  const end = Date.now() + 1000;
  while (Date.now() < end) {
    assert.notEqual(status('tor')?.bfd, 'Up', 'Up with the router still holding the old key');
    await new Promise((r) => setTimeout(r, 50));
  }
  routerBfd!.removePeer('good');
  routerPeer('good', ROUTER, KEY2);
  await waitFor('BFD Up with the new key (vipd)', () => status('tor')?.bfd === 'Up', 10_000);
  await waitFor('BFD Up with the new key (router)', () => routerBfd!.state('good') === 'Up', 5_000);
  assert.equal(feed('tor'), restarted, 'restarted once (the router-side change is not a vipd configuration change)');
});

test('no key material in logs, session status, BGPPeer status, BGPSessionState or Events', { skip }, async () => {
  await daemon!.idle();
  const secrets = [KEY, KEY2, OTHER, LONG].flatMap((k) => [k, Buffer.from(k).toString('base64')]);
  const texts = {
    logs: logs.join('\n'),
    sessionStatus: JSON.stringify(daemon!.sessionStatus()),
    bgppeers: JSON.stringify(['tor', 'tor-wrong', 'tor-nosecret', 'tor-long'].map((n) => api.get(V, 'bgppeers', n))),
    sessionState: JSON.stringify(api.get(V, 'bgpsessionstates', 'n1') ?? null),
    events: JSON.stringify(events()),
  };
  assert.ok(texts.logs.includes('meticulous-keyed-sha1'), 'the auth type is logged');
  for (const [where, text] of Object.entries(texts)) for (const s of secrets) assert.ok(!text.includes(s), `key material in ${where}`);
});
