// How a standalone peer's YAML settings become the session's FSM configuration: families (RFC 4760),
// passive mode, 4-octet AS (RFC 6793), extended next hop only with IPv4 (RFC 8950), graceful restart
// as the restarting speaker with the F and N bits (RFC 4724 / 8538).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/standalone/config.ts';
import { fsmConfigFor } from '../../src/standalone/real-session-layer.ts';

const cfg = validateConfig({
  localAsn: 4200000001,
  routerId: '10.0.0.2',
  peers: [
    { address: '10.0.0.1', asn: 65001 },
    { address: 'fd00::1', asn: 65001, families: ['ipv4-unicast'], mode: 'passive', extendedNextHop: true, gracefulRestart: { restartTimeSec: 45 } },
    { address: '10.0.1.1', asn: 23456, fourOctetAs: false, families: ['ipv6-unicast'], extendedNextHop: true, holdTimeSec: 9 },
  ],
});
const g = { localAsn: cfg.localAsn, routerId: cfg.routerId, restarting: true };

test('defaults: both families, active, 4-octet AS, refresh + enhanced refresh, no GR', () => {
  const f = fsmConfigFor(cfg.peers[0]!, { ...g, restarting: false });
  assert.deepEqual(f.families, [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }]);
  assert.equal(f.passive, false);
  assert.equal(f.fourOctetAs, true);
  assert.equal(f.routeRefresh, true);
  assert.equal(f.enhancedRouteRefresh, true);
  assert.equal(f.holdTimeSec, 90);
  assert.equal(f.peerAs, 65001);
  assert.equal(f.localAs, 4200000001);
  assert.deepEqual(f.extendedNextHop, []);
  assert.equal(f.gracefulRestart, undefined);
});

test('passive, RFC 8950 for IPv4 over IPv6, graceful restart with R, F and N bits', () => {
  const f = fsmConfigFor(cfg.peers[1]!, g);
  assert.equal(f.passive, true);
  assert.deepEqual(f.families, [{ afi: 1, safi: 1 }]);
  assert.deepEqual(f.extendedNextHop, [{ afi: 1, safi: 1, nextHopAfi: 2 }]);
  assert.deepEqual(f.gracefulRestart, { restartTimeSec: 45, notification: true, forwardingPreserved: true, restarting: true });
});

test('no 4-octet capability on request; extended next hop is not offered without IPv4', () => {
  const f = fsmConfigFor(cfg.peers[2]!, g);
  assert.equal(f.fourOctetAs, false);
  assert.equal(f.peerAs, 23456);
  assert.deepEqual(f.extendedNextHop, []);
  assert.equal(f.holdTimeSec, 9);
});
