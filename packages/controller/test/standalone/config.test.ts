// Standalone YAML config: the complete example loads; every kind of bad field is reported with its path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfigText, validateConfig, parseCommunity, parseExtendedCommunity } from '../../src/standalone/config.ts';

const example = readFileSync(new URL('../../../../examples/standalone.yaml', import.meta.url), 'utf8');

test('examples/standalone.yaml is valid and typed', () => {
  const c = parseConfigText(example);
  assert.equal(c.localAsn, 4200000001);
  assert.equal(c.peers.length, 2);
  assert.equal(c.peers[0]!.gracefulRestartTimeSec, 30);
  assert.equal(c.peers[0]!.nextHopIpv6, 'fd00:10::2');
  assert.equal(c.peers[1]!.mode, 'both');
  assert.equal(c.peers[1]!.extendedNextHop, true);
  assert.equal(c.vips.length, 5);
  assert.equal(c.vips[2]!.prefix, '198.51.100.12/32');
  assert.deepEqual(c.vips[1]!.attributes.communities, [65000 * 65536 + 100, 0xffffff01]);
  assert.equal(c.vips[2]!.attributes.origin, 2);
  assert.equal(c.drain.mode, 'graceful-shutdown');
});

function issuesOf(doc: unknown): Map<string, string> {
  try {
    validateConfig(doc);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, 'ERR_CONFIG');
    return new Map(e.issues.map((i) => [i.path, i.message]));
  }
  assert.fail('expected a ConfigError');
}

test('bad fields are reported by path, all at once', () => {
  const issues = issuesOf({
    localAsn: 0,
    routerId: '0.0.0.0',
    peers: [
      { address: '10.0.0.1', asn: 65001 },
      { address: '10.0.0.2', asn: 4294967296, holdTimeSec: 2, families: ['ipv4-unicast', 'l2vpn'], mode: 'sideways', bogus: 1 },
      { address: 'not-an-ip', asn: 1, sourceAddress: 'fd00::1' },
      { address: '10.0.0.1', asn: 2, gracefulRestart: { restartTimeSec: 5000 }, nextHop: { ipv6: '10.0.0.9' } },
    ],
    vips: ['192.0.2.1/24', { prefix: '2001:db8::1/128', communities: ['70000:1'], largeCommunities: ['1:2'], med: -1 }, '192.0.2.1'],
    drain: { mode: 'nope' },
    shutdownMessage: 'x'.repeat(256),
  });
  const expected = [
    'localAsn', 'routerId', 'peers[1].asn', 'peers[1].holdTimeSec', 'peers[1].families[1]', 'peers[1].mode', 'peers[1].bogus',
    'peers[2].address', 'peers[3].address', 'peers[3].gracefulRestart.restartTimeSec', 'peers[3].nextHop.ipv6',
    'vips[0].prefix', 'vips[1].communities[0]', 'vips[1].largeCommunities[0]', 'vips[1].med', 'drain.mode', 'shutdownMessage',
  ];
  for (const p of expected) assert.ok(issues.has(p), `expected an issue at ${p}; got ${[...issues.keys()].join(', ')}`);
  assert.ok(!issues.has('peers[0].asn'));
});

test('non-mapping documents and YAML syntax errors are ConfigErrors', () => {
  assert.ok(issuesOf('just a string').has('(root)'));
  assert.throws(() => parseConfigText('a: [1, 2'), (e: unknown) => e instanceof ConfigError && e.issues[0]!.path === '(yaml)');
});

test('community parsers', () => {
  assert.equal(parseCommunity('65535:0'), 0xffff0000);
  assert.equal(parseCommunity('graceful-shutdown'), 0xffff0000);
  assert.equal(parseCommunity('65536:0'), undefined);
  assert.deepEqual([...parseExtendedCommunity('rt:65000:7')!], [0, 2, 0xfd, 0xe8, 0, 0, 0, 7]);
});
