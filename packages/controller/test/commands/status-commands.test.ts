// `vipd status|peers|routes` end to end: the real `vipd` binary in a child process queries a real
// fastify status server on loopback (port 18202) backed by the fake StatusProvider of the metrics tests,
// its peers given Kubernetes-mode next hops (one family withheld) here.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry, buildServer, createCatalogue, type PeerNextHopStatus } from '@vipd/metrics';
import { NOW_MS, PEERS, fakeReadiness, fakeStatus } from '../../../metrics/test/support/fake-status.ts';

const PORT = 18202;
const DEAD_PORT = 18203;
const TLS_PORT = 18204;
const URL_ = `http://127.0.0.1:${PORT}`;
const VIPD = fileURLToPath(new URL('../../bin/vipd.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function vipd(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [VIPD, ...args], { timeout: 20_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Per fake peer: the IPv4 session's own family and the Node's IPv6; the IPv6 session lacks IPv4. */
const NEXT_HOPS: readonly (readonly PeerNextHopStatus[])[] = [
  [
    { family: 'ipv4-unicast', address: '192.0.2.11', source: 'session', problem: null, withheld: 0 },
    { family: 'ipv6-unicast', address: '2001:db8::11', source: 'node', problem: null, withheld: 0 },
  ],
  [
    { family: 'ipv4-unicast', address: null, source: null, problem: 'no IPv4 next hop over this IPv6 session: Node worker-1 has no usable IPv4 address', withheld: 2 },
    { family: 'ipv6-unicast', address: null, source: 'session', problem: null, withheld: 0 },
  ],
];

let app: ReturnType<typeof buildServer>;
const status = fakeStatus();
let failRoutes = false;

before(async () => {
  const registry = new Registry();
  createCatalogue(registry);
  const peersWithEscape = PEERS.map((p, i) => (i === 1 ? { ...p, lastError: { ...p.lastError!, message: 'bye\u001b[31mred\u0007' } } : p));
  status.peersData = peersWithEscape.map((p, i) => ({ ...p, nextHops: NEXT_HOPS[i]! }));
  app = buildServer({
    registry,
    status: {
      ...status,
      routes: () => {
        if (failRoutes) throw new Error('down');
        return status.routes();
      },
    },
    readiness: fakeReadiness(),
    now: () => NOW_MS,
  });
  await app.listen({ host: '127.0.0.1', port: PORT });
});

after(async () => {
  await app?.close();
});

test('vipd peers prints one aligned row per peer, with next hops per family and why one is missing', async () => {
  const r = await vipd(['peers', '--url', URL_]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 5);
  assert.match(lines[0], /^Peer\s+AS\s+State\s+Up\/Down\s+Adv\s+Pend\s+Rcvd\s+Families\s+Next hops\s+Last error$/);
  assert.match(lines[1], /^192\.0\.2\.1\s+65000\s+Established\s+1d01h01m\s+3\s+1\s+3\s+ipv4,ipv6\s+ipv4 192\.0\.2\.11 \(session\), ipv6 2001:db8::11 \(node\)\s+-$/);
  assert.match(lines[2], /^2001:db8::1\s+65001\s+Active\s+42s\s+0\s+0\s+0\s+-\s+ipv4 WITHHELD \(2 VIPs\), ipv6 - \(session\)\s+received Cease \/ Administrative Shutdown \(6\/2\) "bye \[31mred"$/);
  assert.equal(lines[3], 'No next hop:');
  assert.equal(lines[4], ` 2001:db8::1 ipv4-unicast: 2 VIPs withheld: ${NEXT_HOPS[1]![0]!.problem}`);
  assert.equal(lines[0].indexOf('State'), lines[1].indexOf('Established'), 'columns align');
  assert.equal(lines[0].indexOf('Last error'), lines[2].indexOf('received'), 'columns align after the next hops');
  assert.doesNotMatch(r.stdout, /\u001b|\u0007/, 'control characters from the peer are stripped');
});

test('vipd peers --json prints the API response, next hops as the API has them', async () => {
  const r = await vipd(['peers', '--json', '--url', URL_]);
  assert.equal(r.code, 0, r.stderr);
  const api = (await app.inject({ url: '/api/v1/peers' })).json();
  assert.deepEqual(JSON.parse(r.stdout), api);
  assert.deepEqual(JSON.parse(r.stdout).peers.map((p: { nextHops: unknown }) => p.nextHops), NEXT_HOPS);
});

test('vipd peers ADDRESS prints the detail with next hops; an unknown address is a usage error', async () => {
  const [r, v6, missing] = await Promise.all([
    vipd(['peers', '192.0.2.1', '--url', URL_]),
    vipd(['peers', '2001:db8::1', '--url', URL_]),
    vipd(['peers', '192.0.2.99', '--url', URL_]),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^BGP neighbor:\s+192\.0\.2\.1 port 179 \(tor-a\)$/m);
  assert.match(r.stdout, /^Capabilities:\s+multiprotocol, route-refresh, 4-octet-as, graceful-restart$/m);
  assert.match(r.stdout, /^Hold time \/ keepalive:\s+90s \/ 30s$/m);
  assert.match(r.stdout, /^\s+ipv6-unicast\s+1\s+1\s+3$/m);
  assert.match(r.stdout, /^Next hops:\n\s+Family\s+Next hop\s+Source\s+Withheld\n\s+ipv4-unicast\s+192\.0\.2\.11\s+session\s+0\n\s+ipv6-unicast\s+2001:db8::11\s+node\s+0$/m);
  assert.doesNotMatch(r.stdout, /withheld:/, 'no problem line when every family has a next hop');
  assert.equal(v6.code, 0, v6.stderr);
  assert.match(v6.stdout, /^\s+ipv4-unicast\s+none\s+-\s+2$/m);
  assert.match(v6.stdout, /^\s+ipv6-unicast\s+-\s+session\s+0$/m);
  assert.ok(v6.stdout.trimEnd().endsWith(`\n ipv4-unicast: 2 VIPs withheld: ${NEXT_HOPS[1]![0]!.problem}`), v6.stdout);
  assert.equal(missing.code, 2);
});

test('vipd routes prints prefixes, peers, attributes and sources; --json too', async () => {
  const r = await vipd(['routes', '--url', URL_]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^Prefix\s+Next hop\s+Peers\s+AS path\s+MED\s+LocPref\s+Communities\s+Sources$/);
  assert.match(lines[2], /^198\.51\.100\.11\/32\s+192\.0\.2\.11\s+192\.0\.2\.1\s+64512\s+10\s+-\s+64512:100\s+default\/api,default\/api-udp$/);
  assert.match(lines[3], /^2001:db8:100::10\/128\s+2001:db8::11\s+192\.0\.2\.1 \(pending\)\s+64512\s+-\s+-\s+graceful-shutdown\s+default\/web$/);
  const j = await vipd(['routes', '--json', '--url', URL_]);
  assert.equal(JSON.parse(j.stdout).routes.length, 3);
});

test('vipd status prints the summary and the peers; VIPD_URL is honoured', async () => {
  const r = await vipd(['status'], { VIPD_URL: URL_ });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^vipd 0\.1\.0 \(abc1234\) on worker-1, kubernetes mode$/m);
  assert.match(r.stdout, /^Router ID 10\.0\.0\.11, local AS 64512, up 1h02m, ready$/m);
  assert.match(r.stdout, /^Peers: 1\/2 established$/m);
  assert.match(r.stdout, /^Routes: 3 \(1 pending\)$/m);
  assert.match(r.stdout, /^Decisions: announced 1, no-local-endpoints 1$/m);
  assert.match(r.stdout, /^192\.0\.2\.1\s+65000\s+Established/m);
  const j = await vipd(['status', '--json', '--url', URL_]);
  assert.equal(JSON.parse(j.stdout).peers.established, 1);
});

test('failures exit 1 with one line on stderr; bad usage exits 2', async () => {
  const dead = await vipd(['peers', '--url', `http://127.0.0.1:${DEAD_PORT}`, '--timeout', '2']);
  assert.equal(dead.code, 1);
  assert.equal(dead.stdout, '');
  assert.equal(dead.stderr.trimEnd().split('\n').length, 1);
  failRoutes = true;
  try {
    const err = await vipd(['routes', '--url', URL_]);
    assert.equal(err.code, 1);
    assert.match(err.stderr, /HTTP 500 \(status-unavailable\)/);
  } finally {
    failRoutes = false;
  }
  const usage = await Promise.all([
    vipd(['peers', '--bogus']),
    vipd(['peers', '--url', 'ftp://x']),
    vipd(['routes', '--timeout', '0']),
    vipd(['routes', 'extra', '--url', URL_]),
  ]);
  assert.deepEqual(usage.map((u) => u.code), [2, 2, 2, 2]);
  const help = await vipd(['status', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--url URL/);
});

test('https: --ca verifies the server, an unknown CA fails, --insecure skips the check', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmt-cli-tls-'));
  const certPath = join(dir, 'tls.crt');
  const keyPath = join(dir, 'tls.key');
  let tlsApp: ReturnType<typeof buildServer> | undefined;
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore', timeout: 10_000 });
    const registry = new Registry();
    createCatalogue(registry);
    tlsApp = buildServer({ registry, status: fakeStatus(), readiness: fakeReadiness(), now: () => NOW_MS, tls: { certPath, keyPath } });
    await tlsApp.listen({ host: '127.0.0.1', port: TLS_PORT });
    const url = `https://127.0.0.1:${TLS_PORT}`;
    const [ok, untrusted, insecure] = await Promise.all([
      vipd(['peers', '--url', url, '--ca', certPath]),
      vipd(['peers', '--url', url]),
      vipd(['routes', '--url', url, '--insecure']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^192\.0\.2\.1\s+65000\s+Established/m);
    assert.equal(untrusted.code, 1);
    assert.equal(insecure.code, 0, insecure.stderr);
  } finally {
    await tlsApp?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
