// The native socket-option addon against the real kernel on loopback: TCP-MD5 (RFC 2385) gates the
// handshake both ways, TTL is applied, and bad arguments are typed errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createPeerSocket, ListenSocket, sockoptAvailable, tcpAoAvailable } from '../../src/net/sockopt.ts';

const PORT_V4 = 18641;
const PORT_V6 = 18642;
const servers: net.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

function connect(peer: string, port: number, key: Buffer | undefined, timeoutMs: number, opts: { ttl?: number } = {}): Promise<'connected' | 'timeout'> {
  return new Promise((resolve, reject) => {
    const s = createPeerSocket(peer, { md5Key: key, ...opts });
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, timeoutMs);
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.connect({ host: peer, port }, () => {
      clearTimeout(timer);
      s.destroy();
      resolve('connected');
    });
  });
}

async function md5Listener(address: string, port: number, key: Buffer): Promise<{ accepted: () => number }> {
  const ls = new ListenSocket(address, port);
  ls.setPeerKey(address, key);
  let n = 0;
  const server = net.createServer((sock) => {
    n++;
    sock.destroy();
  });
  servers.push(server);
  await ls.listen(server);
  return { accepted: () => n };
}

test('the addon is built and loads', () => {
  assert.equal(sockoptAvailable(), true);
  assert.equal(typeof tcpAoAvailable(), 'boolean');
});

for (const [family, address, port] of [['IPv4', '127.0.0.1', PORT_V4], ['IPv6', '::1', PORT_V6]] as const) {
  test(`TCP-MD5 over ${family}: the right key connects, a wrong or missing key never does`, async () => {
    const key = Buffer.from('s3cret-key');
    const l = await md5Listener(address, port, key);
    assert.equal(await connect(address, port, key, 2000), 'connected');
    // The kernel drops unsigned or badly signed SYNs silently: no RST, just a connect timeout.
    assert.equal(await connect(address, port, Buffer.from('wrong-key'), 700), 'timeout');
    assert.equal(await connect(address, port, undefined, 700), 'timeout');
    assert.equal(await connect(address, port, key, 2000, { ttl: 255 }), 'connected');
    assert.equal(l.accepted(), 2);
  });
}

test('bad arguments are typed errors, not crashes', () => {
  assert.throws(() => createPeerSocket('not-an-ip', { md5Key: Buffer.from('x') }), (e: any) => e.code === 'ERR_INVALID_ARG');
  assert.throws(() => createPeerSocket('127.0.0.1', { md5Key: Buffer.alloc(81) }), (e: any) => e.code === 'ERR_INVALID_ARG');
  assert.throws(() => createPeerSocket('127.0.0.1', { ttl: 0 }), (e: any) => e.code === 'ERR_INVALID_ARG');
  // An address this host does not have: bind(2) fails locally with EADDRNOTAVAIL (nothing is sent).
  assert.throws(() => new ListenSocket('192.0.2.254', 18643), (e: any) => e.code === 'ERR_SOCKOPT' && typeof e.errno === 'number');
});
