// Peer transport security helpers: Md5Secret never prints its key; GTSM / multihop TTL options
// (RFC 5082 §3); and live TCP-MD5 rekeying on loopback (port 18971): a connection survives when both
// ends switch keys, segments sent in between are held back (dropped by the kernel, then retransmitted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { inspect } from 'node:util';
import { Md5Secret, PeerSecurityError, needsAddon, rekeySocket, tcpOptionsFor } from '../../src/net/peer-security.ts';
import { ListenSocket, createPeerSocket } from '../../src/net/sockopt.ts';

test('Md5Secret: bytes only through bytes(); JSON, String and inspect are redacted', () => {
  const s = Md5Secret.fromString('hunter2\n');
  assert.equal(s.bytes().toString(), 'hunter2');
  for (const printed of [JSON.stringify({ s }), String(s), inspect(s), inspect({ nested: { s } }, { depth: 5 }), `${s}`]) {
    assert.ok(!printed.includes('hunter2'), printed);
  }
  assert.ok(s.equals(Md5Secret.fromString('hunter2')));
  assert.ok(!s.equals(Md5Secret.fromString('hunter3')));
  assert.throws(() => Md5Secret.fromString(''), (e: unknown) => e instanceof PeerSecurityError && e.code === 'ERR_MD5_KEY');
  assert.throws(() => Md5Secret.fromBytes(new Uint8Array(81)), (e: unknown) => e instanceof PeerSecurityError && e.code === 'ERR_MD5_KEY');
});

test('RFC 5082: GTSM sends TTL 255 and accepts TTL ≥ 256 − hops; multihop sets the TTL; plain needs no addon', () => {
  assert.deepEqual(tcpOptionsFor({ ttlSecurityHops: 1 }), { ttl: 255, minTtl: 255 });
  assert.deepEqual(tcpOptionsFor({ ttlSecurityHops: 3 }), { ttl: 255, minTtl: 253 });
  assert.deepEqual(tcpOptionsFor({ multihopTtl: 4 }), { ttl: 4 });
  assert.deepEqual(tcpOptionsFor({ multihopTtl: 1 }), {});
  assert.equal(needsAddon({}), false);
  assert.equal(needsAddon({ multihopTtl: 1 }), false);
  assert.equal(needsAddon({ md5: Md5Secret.fromString('k') }), true);
  assert.equal(needsAddon({ ttlSecurityHops: 1 }), true);
});

test('live rekey: data sent while the keys differ is delivered once both ends switch', async () => {
  const ls = new ListenSocket('127.0.0.1', 18971);
  ls.setPeerKey('127.0.0.1', Buffer.from('key-A'));
  let accepted: net.Socket | undefined;
  const got: string[] = [];
  const server = net.createServer((s) => {
    accepted = s;
    s.on('data', (d) => got.push(d.toString()));
  });
  await ls.listen(server);
  const client = createPeerSocket('127.0.0.1', { md5Key: Buffer.from('key-A') });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('error', reject);
      client.connect({ host: '127.0.0.1', port: 18971 }, () => resolve());
    });
    const wait = async (cond: () => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    };
    client.write('a;');
    await wait(() => got.join('') === 'a;', 2000);
    assert.equal(got.join(''), 'a;');
    const B = Md5Secret.fromString('key-B');
    assert.equal(rekeySocket(client, '127.0.0.1', B), true);
    client.write('b;');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(got.join(''), 'a;', 'segments signed with key-B are dropped while the other end has key-A');
    assert.equal(rekeySocket(accepted!, '127.0.0.1', B), true);
    await wait(() => got.join('') === 'a;b;', 5000);
    assert.equal(got.join(''), 'a;b;', 'retransmitted and delivered after both switched');
    client.write('c;');
    await wait(() => got.join('') === 'a;b;c;', 2000);
    assert.equal(got.join(''), 'a;b;c;');
  } finally {
    client.destroy();
    accepted?.destroy();
    server.close();
  }
});

test('checkPeerSecurity probes the kernel: MD5 and GTSM options accepted here; reports TCP-AO as a boolean', async () => {
  const { checkPeerSecurity } = await import('../../src/net/peer-security.ts');
  const r = checkPeerSecurity([
    { address: '10.0.0.1', security: { md5: Md5Secret.fromString('k'), ttlSecurityHops: 1 } },
    { address: 'fd00::1', security: { md5: Md5Secret.fromString('k'), multihopTtl: 3 } },
    { address: '10.0.0.2', security: {} },
  ]);
  assert.equal(r.addon, true);
  assert.equal(typeof r.tcpAo, 'boolean');
});
