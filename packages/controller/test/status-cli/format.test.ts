// Table and duration formatting of the status commands.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerView, StatusResponse } from '@vipd/metrics';
import { formatDuration, printable, renderPeerDetail, renderPeers, renderStatus, renderTable } from '../../src/status-cli/format.ts';
import { INFO, PEERS } from '../../../metrics/test/support/fake-status.ts';
import { parseCommonArgs, StatusClientError, DEFAULT_STATUS_URL } from '../../src/status-cli/client.ts';

test('durations use the two most significant units', () => {
  const table: [number | null, string][] = [
    [0, '0s'],
    [42, '42s'],
    [192, '3m12s'],
    [3723, '1h02m'],
    [90_061, '1d01h01m'],
    [null, '-'],
    [-1, '-'],
    [Number.NaN, '-'],
  ];
  for (const [sec, want] of table) assert.equal(formatDuration(sec), want, String(sec));
});

test('tables align columns and never pad the last one', () => {
  const t = renderTable(['A', 'Bee', 'C'], [['long-value', 'x', 'last'], ['s', 'yyyy', '']]);
  assert.deepEqual(t.split('\n'), ['A           Bee   C', 'long-value  x     last', 's           yyyy']);
});

test('control characters are removed', () => {
  assert.equal(printable('a\u001b[2Jb\u0007\r\nc\u009b'), 'a [2Jb c ');
});

test('common options: defaults, env, validation', () => {
  const d = parseCommonArgs([], {});
  assert.equal(d.client.url, DEFAULT_STATUS_URL);
  assert.equal(d.client.timeoutMs, 5000);
  assert.equal(d.isJson, false);
  assert.equal(parseCommonArgs([], { VIPD_URL: 'https://10.0.0.1:7472' }).client.url, 'https://10.0.0.1:7472');
  assert.equal(parseCommonArgs(['--url', 'http://a:1', '--json', '--timeout', '0.5'], {}).client.timeoutMs, 500);
  for (const bad of [['--timeout', 'x'], ['--url', 'nope'], ['--url', 'file:///etc/passwd'], ['--what']]) {
    assert.throws(() => parseCommonArgs(bad, {}), (e: unknown) => e instanceof StatusClientError && e.code === 'usage', bad.join(' '));
  }
});

test('next hops: no column without them (standalone mode); a problem line per family without one', () => {
  const views: PeerView[] = PEERS.map((p) => ({ ...p, stateForSec: 42, uptimeSec: null }));
  const standalone = renderPeers(views);
  assert.doesNotMatch(standalone, /Next hops|withheld/);
  assert.equal(standalone.split('\n').length, 3);
  const withProblem: PeerView = { ...views[0]!, nextHops: [
    { family: 'ipv4-unicast', address: '192.0.2.11', source: 'session', problem: null, withheld: 0 },
    { family: 'ipv6-unicast', address: null, source: null, problem: 'why\u001b[2J', withheld: 1 },
  ] };
  const k8s = renderPeers([withProblem, views[1]!]).split('\n');
  assert.match(k8s[0]!, /\sNext hops\s/);
  assert.match(k8s[1]!, /\sipv4 192\.0\.2\.11 \(session\), ipv6 WITHHELD \(1 VIP\)\s/);
  assert.match(k8s[2]!, /\s+-\s+received /, 'a peer without next hops shows "-"');
  assert.deepEqual(k8s.slice(3), ['No next hop:', ' 192.0.2.1 ipv6-unicast: 1 VIP withheld: why [2J']);
  const none: PeerView = { ...withProblem, nextHops: [{ family: 'ipv6-unicast', address: null, source: null, problem: 'why', withheld: 0 }] };
  assert.match(renderPeers([none]), /\sipv6 none\s/);
  assert.match(renderPeerDetail(none), /^ ipv6-unicast\s+none\s+-\s+0\n ipv6-unicast: 0 VIPs withheld: why$/m);
  assert.doesNotMatch(renderPeerDetail(views[0]!), /Next hops/);
});

test('status: the BFD process line (scheduling, watchdog, restarts), absent without BFD', () => {
  const base: StatusResponse = {
    info: { ...INFO, bfd: null }, ready: true, uptimeSec: 60, peers: { total: 0, established: 0 }, routes: { total: 0, pending: 0 },
    decisions: {}, healthChecks: { total: 0, up: 0, down: 0 }, generatedAtMs: 0,
  };
  assert.doesNotMatch(renderStatus(base, []), /BFD/);
  const rr = renderStatus({ ...base, info: { ...INFO, bfd: { pid: 4242, scheduling: 'rr', restarts: 0, watchdogMs: 10_000 } } }, []);
  assert.match(rr, /^BFD: process 4242, real-time \(SCHED_RR\), watchdog 10 s, 0 restarts$/m);
  const weak = renderStatus({ ...base, info: { ...INFO, bfd: { pid: null, scheduling: 'none', restarts: 1, watchdogMs: 0 } } }, []);
  assert.match(weak, /^BFD: process restarting, no watchdog, 1 restart$/m);
  const normal = renderStatus({ ...base, info: { ...INFO, bfd: { pid: 7, scheduling: 'none', restarts: 2, watchdogMs: 10_000 } } }, []);
  assert.match(normal, /NORMAL priority/);
});
