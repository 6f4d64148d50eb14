// K8sDaemon on loopback (ports 19401–19405), issue 8 in Kubernetes mode:
// - BFD: a BGPPeer with spec.bfdProfile runs a BFD session (RFC 5880/5881) through the shared
//   BfdCoupling against a second BfdService playing the router; the router's BFD going AdminDown makes
//   vipd close the BGP session with Cease 6/10 (RFC 9384), which comes back once BFD is Up again.
//   The BFD state is in the daemon's status and reaches the metrics observer.
// - TCP-MD5 (RFC 2385) on the listener: a passive BGPPeer with a password Secret is reached by a vipd
//   Session that signs with the key; unsigned and wrongly signed connections never come up.
// - The connect-timeout diagnosis (standalone/connect-diagnosis.ts): an active BGPPeer whose router
//   holds a different key is reported as `md5-key-mismatch-likely` and counted as an MD5 timeout.
// Needs the native addon (packages/bgp/native/build.sh); skipped without it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Session } from '@vipd/bgp/session.ts';
import { noopLogger } from '@vipd/bgp/observe.ts';
import { BfdService } from '@vipd/bgp/bfd/service.ts';
import { Md5Secret, createSecureSocket } from '@vipd/bgp/net/peer-security.ts';
import net from 'node:net';
import { ListenSocket, sockoptAvailable } from '@vipd/bgp/net/sockopt.ts';
import { TestApiServer } from '../../../../e2e/support/apiserver/test-api-server.ts';
import { kubeConfigFor, waitFor } from '../../../../e2e/support/apiserver/client-helpers.ts';
import { K8sDaemon } from '../../src/daemon/k8s-daemon.ts';

const ROUTER = '127.0.0.2';
const NODE_ADDR = '127.0.0.3';
const PASSIVE_ROUTER = '127.0.0.4';
const LISTEN_PORT = 19402;
const BFD_DAEMON = 19403;
const BFD_ROUTER = 19404;
const MISMATCH = { address: '127.0.0.5', port: 19405 };
const V = 'vipd.io/v1alpha1';
const KEY = 'vkp-md5-secret';
const skip = sockoptAvailable() ? false : 'native addon not built';

const api = new TestApiServer({ port: 19401 });
// The router connects to the daemon's listener (the BGPPeer is passive), so it also shows that peers
// without a password still come up on the SecureListener.
const router = new Session({
  peerAddress: NODE_ADDR,
  peerPort: LISTEN_PORT,
  localAddress: ROUTER,
  fsm: { localAs: 65000, localBgpId: '10.255.0.1', peerAs: 65101, holdTimeSec: 9, connectRetrySec: 1, families: [{ afi: 1, safi: 1 }] },
});
const routerDowns: { code: number | undefined; subcode: number | undefined }[] = [];
router.on('down', (d) => routerDowns.push({ code: d.notification?.code, subcode: d.notification?.subcode }));
const routerBfd = skip === false ? new BfdService() : undefined;
const bfdStates: string[] = [];
const sessions: Session[] = [];
const connectEvents: string[] = [];
// A "router" whose listening socket holds a different key for us: the kernel drops our SYNs silently.
const mismatchServer = net.createServer((s) => s.destroy());
let mismatchAccepted = 0;
mismatchServer.on('connection', () => mismatchAccepted++);
let daemon: K8sDaemon | undefined;

before(async () => {
  if (skip !== false) return;
  await api.start();
  api.create('v1', 'nodes', {
    metadata: { name: 'n1' },
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
  });
  api.create('v1', 'namespaces', { metadata: { name: 'vipd-system' } });
  api.create('v1', 'secrets', { metadata: { name: 'tor-md5', namespace: 'vipd-system' }, data: { password: Buffer.from(KEY).toString('base64') } }, 'vipd-system');
  api.create(V, 'bgppeers', { metadata: { name: 'tor' }, spec: {
    address: ROUTER, asn: 65000, localAsn: 65101, sourceAddress: NODE_ADDR, holdTimeSec: 9, passive: true,
    families: ['ipv4-unicast'], bfdProfile: 'fast',
  } });
  api.create(V, 'bgppeers', { metadata: { name: 'passive-tor' }, spec: {
    address: PASSIVE_ROUTER, asn: 65000, localAsn: 65101, holdTimeSec: 9, families: ['ipv4-unicast'], passive: true,
    passwordSecretRef: { name: 'tor-md5' },
  } });
  api.create(V, 'bgppeers', { metadata: { name: 'mismatch' }, spec: {
    address: MISMATCH.address, port: MISMATCH.port, asn: 65000, localAsn: 65101, sourceAddress: NODE_ADDR, holdTimeSec: 9, connectRetrySec: 1,
    families: ['ipv4-unicast'], passwordSecretRef: { name: 'tor-md5' },
  } });
  const ls = new ListenSocket(MISMATCH.address, MISMATCH.port);
  ls.setPeerKey(NODE_ADDR, Buffer.from('the-routers-key'));
  await ls.listen(mismatchServer);
  api.create(V, 'vipdsettings', { metadata: { name: 'default' }, spec: { drainPeriodSec: 0 } });
  // The router's end of BFD: same timers, the daemon's ports swapped.
  routerBfd!.addPeer({
    id: 'node', peerAddress: NODE_ADDR, localAddress: ROUTER, multihop: false,
    timers: { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 }, listenPort: BFD_ROUTER, peerPort: BFD_DAEMON,
  });
  daemon = new K8sDaemon({
    kc: kubeConfigFor(api), nodeName: 'n1', namespace: 'vipd-system', log: noopLogger,
    listen: { host: NODE_ADDR, port: LISTEN_PORT },
    bfdProfiles: { fast: { minTxMs: 100, minRxMs: 100, multiplier: 3 } },
    bfdPorts: { listen: BFD_DAEMON, peer: BFD_ROUTER },
    bfdObserver: { bfdState: (_p, s) => bfdStates.push(s), bfdTransition: () => {} },
    connectObserver: { connectTimeout: (p, md5) => connectEvents.push(`timeout ${p} ${md5}`), diagnosis: (p, d) => connectEvents.push(`diagnosis ${p} ${d}`) },
  });
  await daemon.start();
  router.start();
});

after(async () => {
  if (skip !== false) return;
  for (const s of sessions) await s.stop();
  await daemon?.shutdown('test over');
  await router.stop();
  await routerBfd?.close();
  mismatchServer.close();
  await new Promise((r) => setTimeout(r, 1500));
  await api.stop();
  api.dispose();
});

const status = (name: string) => daemon!.sessionStatus().find((s) => s.name === name);

test('bfdProfile: BFD Up with the session; BFD Down closes it with Cease 6/10, then it comes back', { skip, timeout: 30_000 }, async () => {
  await waitFor('BGP Established', () => router.state === 'Established', 10_000);
  await waitFor('BFD Up on vipd', () => status('tor')?.bfd === 'Up', 10_000);
  // The router's BFD runs in another process: its Up is reported independently of vipd's.
  await waitFor('BFD Up on the router', () => routerBfd!.state('node') === 'Up', 2_000);
  const proc = daemon!.bfdProcess();
  assert.ok(proc !== null && proc.pid !== null && proc.pid !== process.pid && proc.pid !== routerBfd!.pid, 'the daemon runs its own BFD process');
  assert.equal(proc.restarts, 0);
  assert.ok(bfdStates.includes('Up'), 'metrics observer saw Up');
  const before = routerDowns.length;
  routerBfd!.setAdminDown('node', true);
  await waitFor('router received a NOTIFICATION', () => routerDowns.length > before, 5_000);
  assert.deepEqual(routerDowns[before], { code: 6, subcode: 10 });
  assert.notEqual(status('tor')?.bfd, 'Up');
  routerBfd!.setAdminDown('node', false);
  await waitFor('BFD Up again', () => status('tor')?.bfd === 'Up', 10_000);
  await waitFor('BGP Established again', () => router.state === 'Established' && status('tor')?.state === 'Established', 15_000);
  assert.equal(status('tor')?.details?.establishedTransitions, 2);
});

function client(key: string | undefined): Session {
  const s = new Session({
    peerAddress: NODE_ADDR,
    peerPort: LISTEN_PORT,
    fsm: { localAs: 65000, localBgpId: '10.255.0.4', peerAs: 65101, holdTimeSec: 9, families: [{ afi: 1, safi: 1 }], connectRetrySec: 1 },
    createSocket: () => createSecureSocket(NODE_ADDR, key === undefined ? {} : { md5: Md5Secret.fromString(key) }, PASSIVE_ROUTER),
  });
  sessions.push(s);
  return s;
}

test('passive peer with a password: the signed connection comes up, unsigned / wrong key never do', { skip, timeout: 30_000 }, async () => {
  await waitFor('passive feed started', () => status('passive-tor')?.state !== undefined && daemon!.feedList().some((f) => f.name === 'passive-tor'), 5_000);
  for (const key of [undefined, 'wrong-key']) {
    const s = client(key);
    s.start();
    const end = Date.now() + 2000;
    while (Date.now() < end) {
      assert.notEqual(s.state, 'Established', `connection with key ${key === undefined ? 'none' : 'wrong'} came up`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.notEqual(status('passive-tor')?.state, 'Established');
    await s.stop();
  }
  const good = client(KEY);
  good.start();
  await waitFor('signed session Established', () => good.state === 'Established' && status('passive-tor')?.state === 'Established', 10_000);
  assert.ok((status('passive-tor')?.details?.messagesReceived ?? 0) >= 2);
});

test('active peer whose router holds another key: diagnosed md5-key-mismatch-likely', { skip, timeout: 20_000 }, async () => {
  await waitFor('diagnosis', () => status('mismatch')?.diagnosis === 'md5-key-mismatch-likely', 12_000);
  assert.equal(mismatchAccepted, 0, 'the kernel never let the connection through');
  assert.ok(connectEvents.includes(`timeout ${MISMATCH.address} true`), connectEvents.join(','));
  assert.ok(connectEvents.includes(`diagnosis ${MISMATCH.address} md5-key-mismatch-likely`), connectEvents.join(','));
  assert.notEqual(status('mismatch')?.state, 'Established');
});
