// PUT /api/v1/health-checks/:name/maintenance (server.ts): served only when the daemon passes the
// switch; validates the body; 404 for an unknown check; names with '/' (a VIP prefix) work encoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { buildServer } from '../src/server.ts';
import { fakeReadiness, fakeStatus } from './support/fake-status.ts';

test('maintenance switch: absent unless enabled; body checked; unknown check 404; encoded names', async () => {
  const off = buildServer({ registry: new Registry(), status: fakeStatus(), readiness: fakeReadiness() });
  const r0 = await off.inject({ method: 'PUT', url: '/api/v1/health-checks/web/maintenance', payload: { enabled: true } });
  assert.equal(r0.statusCode, 404);
  const calls: Array<[string, boolean]> = [];
  const app = buildServer({
    registry: new Registry(),
    status: fakeStatus(),
    readiness: fakeReadiness(),
    healthMaintenance: (name, on) => {
      calls.push([name, on]);
      return name !== 'missing';
    },
  });
  const bad = await app.inject({ method: 'PUT', url: '/api/v1/health-checks/web/maintenance', payload: { enabled: 'yes' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.code, 'bad-request');
  const missing = await app.inject({ method: 'PUT', url: '/api/v1/health-checks/missing/maintenance', payload: { enabled: true } });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.code, 'not-found');
  const ok = await app.inject({ method: 'PUT', url: `/api/v1/health-checks/${encodeURIComponent('192.0.2.1/32')}/maintenance`, payload: { enabled: true } });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().maintenance, true);
  assert.deepEqual(calls.slice(-1), [['192.0.2.1/32', true]]);
  await app.close();
  await off.close();
});
