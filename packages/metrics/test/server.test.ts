// The HTTP server through inject(): every route, readiness, errors with stable codes, no secrets in any
// response, the optional log-level route, listen-address parsing, and TLS on loopback.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createBgpMetricsAdapter } from '../src/bgp-adapter.ts';
import { createCatalogue } from '../src/catalogue.ts';
import { createLogging } from '../src/logging.ts';
import { ListenAddressError, buildServer, parseListenAddress } from '../src/server.ts';
import type { PeersResponse, StatusResponse } from '../src/status.ts';
import { NOW_MS, PEERS, fakeReadiness, fakeStatus } from './support/fake-status.ts';

const TLS_PORT = 18201;

function build(overrides: Partial<Parameters<typeof buildServer>[0]> = {}) {
  const registry = new Registry();
  const catalogue = createCatalogue(registry);
  const readiness = fakeReadiness();
  const app = buildServer({ registry, status: fakeStatus(), readiness, now: () => NOW_MS, ...overrides });
  return { app, registry, catalogue, readiness };
}

test('/metrics serves the catalogue as Prometheus text', async () => {
  const { app, catalogue } = build();
  createBgpMetricsAdapter(catalogue.bgp).sessionState('192.0.2.1', 'Established');
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  assert.match(res.body, /^vipd_bgp_session_state\{peer="192\.0\.2\.1"\} 6$/m);
  assert.match(res.body, /^# TYPE vipd_event_to_wire_seconds histogram$/m);
});

test('/healthz is 200; /readyz is 503 until config is loaded and the initial sync is done', async () => {
  const { app, readiness } = build();
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  readiness.configLoaded = false;
  readiness.initialSyncDone = false;
  let res = await app.inject({ url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { ready: false, configLoaded: false, initialSyncDone: false });
  readiness.configLoaded = true;
  assert.equal((await app.inject({ url: '/readyz' })).statusCode, 503);
  readiness.initialSyncDone = true;
  res = await app.inject({ url: '/readyz' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().ready, true);
});

test('GET /api/v1/peers adds state age and uptime', async () => {
  const { app } = build();
  const res = await app.inject({ url: '/api/v1/peers' });
  assert.equal(res.statusCode, 200);
  const body = res.json() as PeersResponse;
  assert.equal(body.peers.length, 2);
  const [up, down] = body.peers;
  assert.equal(up.address, '192.0.2.1');
  assert.equal(up.uptimeSec, 90_061);
  assert.deepEqual(up.capabilities, PEERS[0].capabilities);
  assert.deepEqual(up.prefixes, PEERS[0].prefixes);
  assert.equal(down.uptimeSec, null);
  assert.equal(down.stateForSec, 42);
  assert.equal(down.lastError?.code, 6);
});

test('GET /api/v1/status summarises the others', async () => {
  const { app } = build();
  const body = (await app.inject({ url: '/api/v1/status' })).json() as StatusResponse;
  assert.equal(body.info.node, 'worker-1');
  assert.equal(body.ready, true);
  assert.equal(body.uptimeSec, 3723);
  assert.deepEqual(body.peers, { total: 2, established: 1 });
  assert.deepEqual(body.routes, { total: 3, pending: 1 });
  assert.deepEqual(body.decisions, { announced: 1, 'no-local-endpoints': 1 });
  assert.deepEqual(body.healthChecks, { total: 1, up: 1, down: 0 });
});

test('routes, decisions and health checks are served', async () => {
  const { app } = build();
  const routes = (await app.inject({ url: '/api/v1/routes' })).json();
  assert.equal(routes.routes.length, 3);
  assert.equal(routes.routes[1].attributes.med, 10);
  const decisions = (await app.inject({ url: '/api/v1/decisions' })).json();
  assert.equal(decisions.decisions[1].reason, 'no-local-endpoints');
  const checks = (await app.inject({ url: '/api/v1/health-checks' })).json();
  assert.equal(checks.healthChecks[0].name, 'apiserver');
});

test('no secret reaches any response, even when a provider leaks one', async () => {
  const leaky = fakeStatus({
    peers: () => PEERS.map((p) => ({ ...p, password: 'md5-SECRET-1', auth: { tcpMd5Key: 'SECRET-2', token: 'SECRET-3' } })),
    healthChecks: () => [
      {
        name: 'web',
        kind: 'http',
        target: 'https://admin:SECRET-4@127.0.0.1:8443/healthz',
        vips: [],
        state: 'up',
        stateSinceMs: NOW_MS,
        consecutiveSuccesses: 1,
        consecutiveFailures: 0,
        transitions: 0,
        lastDurationMs: 1,
        lastDetail: 'GET http://u:SECRET-5@x/ 200',
        lastCheckedAtMs: NOW_MS,
        headers: { Authorization: 'Bearer SECRET-6' },
      } as never,
    ],
    info: () => ({ ...fakeStatus().info(), apiKey: 'SECRET-7' }) as never,
  });
  const { app } = build({ status: leaky });
  for (const url of ['/api/v1/status', '/api/v1/peers', '/api/v1/routes', '/api/v1/decisions', '/api/v1/health-checks', '/metrics', '/readyz', '/healthz']) {
    const res = await app.inject({ url });
    assert.ok(res.statusCode < 300, url);
    assert.doesNotMatch(res.body, /SECRET/, url);
  }
  const checks = (await app.inject({ url: '/api/v1/health-checks' })).json();
  assert.equal(checks.healthChecks[0].target, 'https://127.0.0.1:8443/healthz');
});

test('a failing provider gives 500 with a stable code and no detail; unknown paths 404', async () => {
  const { app } = build({
    status: fakeStatus({
      routes: () => {
        throw new Error('speaker exploded with token=SECRET-8');
      },
    }),
  });
  const res = await app.inject({ url: '/api/v1/routes' });
  assert.equal(res.statusCode, 500);
  assert.deepEqual(res.json(), { error: { code: 'status-unavailable' } });
  const missing = await app.inject({ url: '/api/v1/nope' });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { error: { code: 'not-found' } });
});

test('/api/v1/log-level exists only when enabled, and validates the level', async () => {
  assert.equal((await build().app.inject({ method: 'PUT', url: '/api/v1/log-level', payload: { level: 'debug' } })).statusCode, 404);
  const logging = createLogging({ destination: { write() {} }, level: 'info' });
  const { app } = build({ logLevel: logging.control, logger: logging.component('server') });
  const ok = await app.inject({ method: 'PUT', url: '/api/v1/log-level', payload: { level: 'debug' } });
  assert.equal(ok.statusCode, 200);
  assert.equal(logging.control.get(), 'debug');
  assert.equal((await app.inject({ url: '/api/v1/log-level' })).json().level, 'debug');
  const bad = await app.inject({ method: 'PUT', url: '/api/v1/log-level', payload: { level: 'loud' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'bad-request');
  assert.equal(logging.control.get(), 'debug');
});

test('listen addresses parse; bad ones throw a typed error', () => {
  assert.deepEqual(parseListenAddress('127.0.0.1:18200'), { host: '127.0.0.1', port: 18200 });
  assert.deepEqual(parseListenAddress('[::1]:9100'), { host: '::1', port: 9100 });
  assert.deepEqual(parseListenAddress(':9100'), { host: '0.0.0.0', port: 9100 });
  assert.deepEqual(parseListenAddress('10.0.0.1'), { host: '10.0.0.1', port: 7472 });
  for (const bad of ['1.2.3.4:99999', '::1:80', '[::1', 'a:b:c', '1.2.3.4:x']) {
    assert.throws(() => parseListenAddress(bad), (e: unknown) => e instanceof ListenAddressError && e.code === 'invalid-listen-address', bad);
  }
});

const tlsDir = mkdtempSync(join(tmpdir(), 'vmt-tls-'));
after(() => rmSync(tlsDir, { recursive: true, force: true }));

test('TLS: serves HTTPS on loopback with the given certificate', async () => {
  const certPath = join(tlsDir, 'tls.crt');
  const keyPath = join(tlsDir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore', timeout: 10_000 });
  const { app } = build({ tls: { certPath, keyPath } });
  await app.listen({ host: '127.0.0.1', port: TLS_PORT });
  try {
    const { readFileSync } = await import('node:fs');
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: TLS_PORT, path: '/healthz', ca: readFileSync(certPath), timeout: 5000 }, (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString()));
        res.on('end', () => resolve(data));
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end();
    });
    assert.equal(body, 'ok\n');
  } finally {
    await app.close();
  }
});
