// The BgpMetrics adapter: state codes (BGP4-MIB, never 0-based), counters, last-error replacement,
// closed label sets against hostile input, and forgetting a peer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { noopMetrics, type BgpMetrics } from '@vipd/bgp/observe.ts';
import { createBgpMetricsAdapter } from '../src/bgp-adapter.ts';
import { createCatalogue } from '../src/catalogue.ts';

function setup() {
  const registry = new Registry();
  const cat = createCatalogue(registry);
  const m = createBgpMetricsAdapter(cat.bgp, () => 1_800_000_000);
  return { registry, m };
}

function line(text: string, re: RegExp): string | undefined {
  return text.split('\n').find((l) => re.test(l));
}

test('the adapter implements every BgpMetrics method', () => {
  const { m } = setup();
  const asInterface: BgpMetrics = m;
  for (const key of Object.keys(noopMetrics)) {
    assert.equal(typeof (asInterface as unknown as Record<string, unknown>)[key], 'function', key);
  }
});

test('session state uses BGP4-MIB codes 1..6 and session_up follows Established', async () => {
  const { registry, m } = setup();
  const expected = { Idle: 1, Connect: 2, Active: 3, OpenSent: 4, OpenConfirm: 5, Established: 6 } as const;
  for (const [state, code] of Object.entries(expected)) {
    m.sessionState('192.0.2.1', state as keyof typeof expected);
    const text = await registry.metrics();
    assert.ok(text.includes(`vipd_bgp_session_state{peer="192.0.2.1"} ${code}\n`), state);
    assert.ok(text.includes(`vipd_bgp_session_up{peer="192.0.2.1"} ${state === 'Established' ? 1 : 0}\n`), state);
  }
});

test('flaps, messages and prefixes are counted per peer, type and family', async () => {
  const { registry, m } = setup();
  m.sessionEstablished('192.0.2.1');
  m.sessionEstablished('192.0.2.1');
  m.messageSent('192.0.2.1', 'update', 3);
  m.messageSent('192.0.2.1', 'update');
  m.messageReceived('192.0.2.1', 'keepalive');
  m.prefixesAdvertised('192.0.2.1', 'ipv4-unicast', 5);
  m.prefixesWithdrawn('192.0.2.1', 'ipv6-unicast', 2);
  m.prefixesPending('192.0.2.1', 'ipv4-unicast', 7);
  m.prefixesPending('192.0.2.1', 'ipv4-unicast', 1);
  m.prefixesReceived('2001:db8::1', 'ipv6-unicast', 4);
  m.updateQueueDepth('192.0.2.1', 9);
  m.keepaliveLateness('192.0.2.1', 0.003);
  m.eventToWire('192.0.2.1', 0.0007);
  const t = await registry.metrics();
  assert.match(t, /^vipd_bgp_session_established_transitions_total\{peer="192\.0\.2\.1"\} 2$/m);
  assert.match(t, /^vipd_bgp_messages_sent_total\{peer="192\.0\.2\.1",type="update"\} 4$/m);
  assert.match(t, /^vipd_bgp_messages_received_total\{peer="192\.0\.2\.1",type="keepalive"\} 1$/m);
  assert.match(t, /^vipd_bgp_prefixes_advertised_total\{peer="192\.0\.2\.1",family="ipv4-unicast"\} 5$/m);
  assert.match(t, /^vipd_bgp_prefixes_withdrawn_total\{peer="192\.0\.2\.1",family="ipv6-unicast"\} 2$/m);
  assert.match(t, /^vipd_bgp_prefixes_pending\{peer="192\.0\.2\.1",family="ipv4-unicast"\} 1$/m);
  assert.match(t, /^vipd_bgp_prefixes_received\{peer="2001:db8::1",family="ipv6-unicast"\} 4$/m);
  assert.match(t, /^vipd_bgp_update_queue_depth\{peer="192\.0\.2\.1"\} 9$/m);
  assert.match(t, /^vipd_bgp_keepalive_lateness_seconds_bucket\{le="0\.005",peer="192\.0\.2\.1"\} 1$/m);
  assert.match(t, /^vipd_bgp_keepalive_lateness_seconds_bucket\{le="0\.001",peer="192\.0\.2\.1"\} 0$/m);
  assert.match(t, /^vipd_event_to_wire_seconds_bucket\{le="0\.001",peer="192\.0\.2\.1"\} 1$/m);
});

test('NOTIFICATIONs are counted by code/subcode and the last error keeps one series per peer', async () => {
  const { registry, m } = setup();
  m.notificationReceived('192.0.2.1', 6, 2);
  m.notificationSent('192.0.2.1', 4, 0);
  const t = await registry.metrics();
  assert.match(t, /^vipd_bgp_notifications_received_total\{peer="192\.0\.2\.1",code="6",subcode="2"\} 1$/m);
  assert.match(t, /^vipd_bgp_notifications_sent_total\{peer="192\.0\.2\.1",code="4",subcode="0"\} 1$/m);
  const infos = t.split('\n').filter((l) => l.startsWith('vipd_bgp_session_last_error_info{'));
  assert.deepEqual(infos, ['vipd_bgp_session_last_error_info{peer="192.0.2.1",direction="sent",code="4",subcode="0"} 1']);
  assert.match(t, /^vipd_bgp_session_last_error_timestamp_seconds\{peer="192\.0\.2\.1"\} 1800000000$/m);
});

test('hostile or out-of-range values cannot create new label values or negative counts', async () => {
  const { registry, m } = setup();
  for (let code = 0; code < 256; code += 1) m.notificationReceived('192.0.2.1', code, 255 - code);
  m.messageSent('192.0.2.1', 'bogus' as never);
  m.prefixesAdvertised('192.0.2.1', 'l2vpn-evpn' as never, 1);
  m.prefixesAdvertised('192.0.2.1', 'ipv4-unicast', -5);
  m.updateQueueDepth('192.0.2.1', Number.NaN);
  m.sessionState('192.0.2.1', 'Bogus' as never);
  const t = await registry.metrics();
  const codes = new Set(
    t
      .split('\n')
      .filter((l) => l.startsWith('vipd_bgp_notifications_received_total{'))
      .map((l) => /code="([^"]+)"/.exec(l)?.[1]),
  );
  for (const c of codes) assert.ok(c === 'other' || (Number(c) >= 1 && Number(c) <= 8), `code ${c}`);
  assert.match(t, /type="other"/);
  assert.match(t, /family="other"/);
  assert.match(t, /^vipd_bgp_prefixes_advertised_total\{peer="192\.0\.2\.1",family="ipv4-unicast"\} 0$/m);
  assert.match(t, /^vipd_bgp_update_queue_depth\{peer="192\.0\.2\.1"\} 0$/m);
  assert.equal(line(t, /^vipd_bgp_session_state\{/), undefined);
});

test('forgetPeer removes every series of that peer and only that peer', async () => {
  const { registry, m } = setup();
  for (const peer of ['192.0.2.1', '192.0.2.2']) {
    m.sessionState(peer, 'Established');
    m.sessionEstablished(peer);
    m.messageSent(peer, 'open');
    m.messageReceived(peer, 'update');
    m.notificationSent(peer, 6, 3);
    m.notificationReceived(peer, 99, 9);
    m.prefixesAdvertised(peer, 'ipv6-unicast', 1);
    m.prefixesWithdrawn(peer, 'ipv4-unicast', 1);
    m.prefixesPending(peer, 'ipv4-unicast', 1);
    m.prefixesReceived(peer, 'ipv4-unicast', 1);
    m.updateQueueDepth(peer, 1);
    m.keepaliveLateness(peer, 0.1);
    m.eventToWire(peer, 0.1);
  }
  m.forgetPeer('192.0.2.1');
  const t = await registry.metrics();
  assert.doesNotMatch(t, /peer="192\.0\.2\.1"/);
  assert.match(t, /vipd_bgp_session_state\{peer="192\.0\.2\.2"\} 6/);
  assert.match(t, /vipd_bgp_notifications_received_total\{peer="192\.0\.2\.2",code="other",subcode="other"\} 1/);
});
