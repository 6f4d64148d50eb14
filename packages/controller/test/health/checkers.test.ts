import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { describeCheck, runCheck } from '../../src/health/checkers.ts';

const PORT = 18651;
const CLOSED_PORT = 18652;
let server: http.Server;
let mode: 'ok' | 'fail' | 'slow' = 'ok';

before(async () => {
  server = http.createServer((_req, res) => {
    if (mode === 'slow') return; // never answers
    res.writeHead(mode === 'ok' ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(mode === 'ok' ? 'ok: livez' : 'not ready');
  });
  await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', r));
});
after(() => server.close());

test('http: status range, body match, timeout, refused', async () => {
  mode = 'ok';
  assert.equal((await runCheck({ kind: 'http', url: `http://127.0.0.1:${PORT}/livez` }, 1000)).ok, true);
  assert.equal((await runCheck({ kind: 'http', url: `http://127.0.0.1:${PORT}/`, bodyContains: 'livez' }, 1000)).ok, true);
  const mismatch = await runCheck({ kind: 'http', url: `http://127.0.0.1:${PORT}/`, bodyContains: 'nope' }, 1000);
  assert.deepEqual([mismatch.ok, mismatch.detail], [false, 'body mismatch']);
  mode = 'fail';
  const r503 = await runCheck({ kind: 'http', url: `http://127.0.0.1:${PORT}/` }, 1000);
  assert.deepEqual([r503.ok, r503.detail], [false, 'status 503']);
  assert.equal((await runCheck({ kind: 'http', url: `http://127.0.0.1:${PORT}/`, expectStatus: [500, 599] }, 1000)).ok, true);
  mode = 'slow';
  const slow = await runCheck({ kind: 'http', url: `http://127.0.0.1:${PORT}/` }, 150);
  assert.deepEqual([slow.ok, slow.detail], [false, 'timeout']);
  assert.ok(slow.durationMs < 1000);
  const refused = await runCheck({ kind: 'http', url: `http://127.0.0.1:${CLOSED_PORT}/` }, 500);
  assert.deepEqual([refused.ok, refused.detail], [false, 'ECONNREFUSED']);
  mode = 'ok';
});

test('tcp: connect and refused', async () => {
  assert.equal((await runCheck({ kind: 'tcp', host: '127.0.0.1', port: PORT }, 500)).ok, true);
  const r = await runCheck({ kind: 'tcp', host: '::1', port: CLOSED_PORT }, 500);
  assert.equal(r.ok, false);
});

test('exec: exit code, expected code, timeout kills the process group, missing command', async () => {
  assert.equal((await runCheck({ kind: 'exec', command: 'true' }, 1000)).ok, true);
  const f = await runCheck({ kind: 'exec', command: 'false' }, 1000);
  assert.deepEqual([f.ok, f.detail], [false, 'exit 1']);
  assert.equal((await runCheck({ kind: 'exec', command: 'sh', args: ['-c', 'exit 3'], expectExitCode: 3 }, 1000)).ok, true);
  const t0 = Date.now();
  const slow = await runCheck({ kind: 'exec', command: 'sh', args: ['-c', 'sleep 5; true'] }, 150);
  assert.deepEqual([slow.ok, slow.detail], [false, 'timeout']);
  assert.ok(Date.now() - t0 < 2000);
  const missing = await runCheck({ kind: 'exec', command: '/nonexistent/check' }, 500);
  assert.deepEqual([missing.ok, missing.detail], [false, 'ENOENT']);
});

test('descriptions never carry credentials', () => {
  assert.equal(describeCheck({ kind: 'http', url: 'https://user:s3cret@10.0.0.1:6443/livez' }), 'GET https://10.0.0.1:6443/livez');
  assert.equal(describeCheck({ kind: 'tcp', host: '::1', port: 80 }), 'tcp [::1]:80');
});

test('a socket that accepts and stays silent still counts as a tcp pass (connect is the check)', async () => {
  const s = net.createServer(() => {});
  await new Promise<void>((r) => s.listen(18653, '127.0.0.1', r));
  assert.equal((await runCheck({ kind: 'tcp', host: '127.0.0.1', port: 18653 }, 500)).ok, true);
  s.close();
});
