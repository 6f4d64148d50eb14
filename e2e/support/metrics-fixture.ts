// A small Node process serving /metrics (and the status API) from the real metric catalogue with every
// metric given values, for Prometheus to scrape in e2e/prometheus.test.ts until the daemon exists.
// Peer 192.0.2.1 is Established and busy with BFD Up; peer 192.0.2.2 is down after a Cease, its BFD
// session went Down and its TCP-MD5 connects time out (key mismatch likely); the pool is 95 % used;
// one BGPPeer is invalid; the endpointslices watch is disconnected. Counters and histograms keep moving
// (every 200 ms) so rate() has data. Usage: node metrics-fixture.ts PORT. Prints "listening" when up;
// exits when stdin closes (the parent died) or after a bounded lifetime.

import { Registry, buildServer, createBgpMetricsAdapter, createCatalogue, createSecurityRecorder } from '@vipd/metrics';
import { fakeReadiness, fakeStatus } from '../../packages/metrics/test/support/fake-status.ts';

const MAX_LIFETIME_MS = 10 * 60_000;
const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write('usage: metrics-fixture.ts PORT\n');
  process.exit(2);
}

const UP = '192.0.2.1';
const DOWN = '192.0.2.2';
const registry = new Registry();
const catalogue = createCatalogue(registry, {
  build: { version: '0.0.0-e2e', revision: 'fixture' },
  sources: {
    announcedPrefixes: () => [
      { peer: UP, family: 'ipv4-unicast', count: 12 },
      { peer: UP, family: 'ipv6-unicast', count: 3 },
    ],
    ipamPools: () => [
      { pool: 'default', family: 'ipv4', size: 100, used: 95 },
      { pool: 'default', family: 'ipv6', size: 65536, used: 3 },
    ],
    decisionCounts: () => ({ announced: 12, 'no-local-endpoints': 2, 'node-draining': 0 }),
    configObjects: () => ({ BGPPeer: { accepted: 1, invalid: 1 }, BGPAdvertisement: { accepted: 2, invalid: 0 } }),
  },
});
const bgp = createBgpMetricsAdapter(catalogue.bgp);
const c = catalogue.control;
const sec = createSecurityRecorder(catalogue.security);

bgp.sessionState(UP, 'Established');
bgp.sessionEstablished(UP);
bgp.sessionState(DOWN, 'Active');
bgp.sessionEstablished(DOWN);
bgp.notificationReceived(DOWN, 6, 2);
bgp.notificationSent(UP, 6, 4);
bgp.messageSent(UP, 'open');
bgp.messageReceived(UP, 'open');
bgp.prefixesReceived(UP, 'ipv4-unicast', 0);
bgp.prefixesPending(UP, 'ipv4-unicast', 0);
bgp.prefixesPending(UP, 'ipv6-unicast', 1);
bgp.updateQueueDepth(UP, 0);
c.setWatchConnected('services', true);
c.setWatchConnected('endpointslices', false);
c.watchRestarted('endpointslices');
c.apiError('endpointslices', 'watch');
c.healthCheckTransition('apiserver', 'up');
sec.bfdTransition(UP, 'Init');
sec.bfdTransition(UP, 'Up');
sec.bfdState(UP, 'Up');
sec.bfdTransition(DOWN, 'Up');
sec.bfdTransition(DOWN, 'Down');
sec.bfdState(DOWN, 'Down');
sec.diagnosis(UP, null);
sec.connectTimeout(DOWN, true);
sec.diagnosis(DOWN, 'md5-key-mismatch-likely');

let tick = 0;
const ticker = setInterval(() => {
  tick += 1;
  bgp.messageSent(UP, 'keepalive');
  bgp.messageReceived(UP, 'keepalive');
  bgp.messageSent(UP, 'update', 2);
  bgp.prefixesAdvertised(UP, 'ipv4-unicast', 2);
  bgp.prefixesWithdrawn(UP, 'ipv6-unicast', 1);
  bgp.keepaliveLateness(UP, 0.002 + (tick % 5) * 0.001);
  bgp.eventToWire(UP, 0.0004 + (tick % 10) * 0.0003);
  c.observeReconcile(0.0008 + (tick % 4) * 0.0005, tick % 20 === 0);
  c.healthCheckResult('apiserver', 'apiserver', 'up', 0.003);
  if (tick % 10 === 0) bgp.sessionEstablished(DOWN);
  if (tick % 25 === 0) sec.connectTimeout(DOWN, true);
}, 200);

const app = buildServer({ registry, status: fakeStatus(), readiness: fakeReadiness() });
await app.listen({ host: '127.0.0.1', port });
process.stdout.write('listening\n');

const shutdown = (): void => {
  clearInterval(ticker);
  void app.close().finally(() => process.exit(0));
};
const lifetime = setTimeout(shutdown, MAX_LIFETIME_MS);
lifetime.unref();
process.on('SIGTERM', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('close', shutdown);
process.stdin.resume();
