// Wire-level checks of the test API server that client-node hides: the watch line format, list items
// without kind/apiVersion for built-ins, the /watch/ path prefix and watch=1, 504 for a too-new
// resourceVersion, selector parse errors; the patch algorithms against the RFC 6902 / RFC 7386
// examples and strategic-merge directives; and the standalone process (main.ts) with its kubeconfig.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import type { Json } from './support/apiserver/patch.ts';
import { jsonPatch, mergePatch, strategicMerge } from './support/apiserver/patch.ts';
import { TestApiServer } from './support/apiserver/test-api-server.ts';

const PORT = 18404;
const STANDALONE_PORT = 18403;
const NODE = process.execPath;

describe('test API server: wire format over plain HTTP', () => {
  const server = new TestApiServer({ port: PORT, tls: false, tooLargeWaitMs: 200 });
  const auth = { authorization: `Bearer ${server.token}` };
  const get = (path: string): Promise<Response> => fetch(`${server.url}${path}`, { headers: auth });

  before(async () => {
    await server.start();
    server.create('v1', 'services', { metadata: { name: 's1', labels: { app: 'a' } }, spec: { ports: [{ port: 80 }] } }, 'default');
  });
  after(() => server.stop());

  it('lists: kind ServiceList, ListMeta.resourceVersion, items without kind/apiVersion (custom resources keep them)', async () => {
    const l = await (await get('/api/v1/namespaces/default/services')).json() as { kind: string; metadata: { resourceVersion: string }; items: Array<Record<string, unknown>> };
    assert.equal(l.kind, 'ServiceList');
    assert.equal(l.metadata.resourceVersion, String(server.store.currentRv()));
    assert.equal(l.items[0].kind, undefined);
    server.create('vipd.io/v1alpha1', 'ipaddresspools', { metadata: { name: 'p' }, spec: { addresses: ['192.0.2.0/28'] } });
    const c = await (await get('/apis/vipd.io/v1alpha1/ipaddresspools')).json() as { items: Array<Record<string, unknown>> };
    assert.equal(c.items[0].kind, 'IPAddressPool');
    assert.equal(c.items[0].apiVersion, 'vipd.io/v1alpha1');
  });

  it('watch lines are {"type","object"} JSON with kind/apiVersion, via ?watch=1 and the /watch/ prefix alike', async () => {
    for (const path of ['/api/v1/namespaces/default/services?watch=1', '/api/v1/watch/namespaces/default/services?timeoutSeconds=5']) {
      const first = await new Promise<string>((resolve, reject) => {
        const req = httpGet(`${server.url}${path}`, { headers: auth }, (res) => {
          assert.equal(res.statusCode, 200);
          res.on('error', () => {}); // "aborted" once we destroy the request below
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString('utf8');
            const nl = buf.indexOf('\n');
            if (nl >= 0) {
              req.destroy();
              resolve(buf.slice(0, nl));
            }
          });
        });
        req.on('error', (err) => { if (!req.destroyed) reject(err); });
      });
      const ev = JSON.parse(first) as { type: string; object: { kind: string; apiVersion: string; metadata: { name: string } } };
      assert.equal(ev.type, 'ADDED');
      assert.equal(ev.object.kind, 'Service');
      assert.equal(ev.object.apiVersion, 'v1');
      assert.equal(ev.object.metadata.name, 's1');
    }
  });

  it('errors are metav1.Status: 504 for a too-new resourceVersion, 400 for a bad selector, 404 for an unknown resource', async () => {
    const tooNew = await get(`/api/v1/namespaces/default/services?resourceVersion=${server.store.currentRv() + 100}`);
    assert.equal(tooNew.status, 504);
    const s = await tooNew.json() as { kind: string; status: string; reason: string; code: number };
    assert.deepEqual([s.kind, s.status, s.reason, s.code], ['Status', 'Failure', 'Timeout', 504]);
    const bad = await get('/api/v1/services?labelSelector=a%20in%20(');
    assert.equal(bad.status, 400);
    assert.equal((await bad.json() as { reason: string }).reason, 'BadRequest');
    const unknown = await get('/api/v1/namespaces/default/configmaps');
    assert.equal(unknown.status, 404);
    const health = await fetch(`${server.url}/readyz`);
    assert.equal(await health.text(), 'ok');
  });
});

describe('patch algorithms', () => {
  it('JSON patch (RFC 6902 appendix A examples) and its failures', () => {
    assert.deepEqual(jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), { foo: 'bar', baz: 'qux' });
    assert.deepEqual(jsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), { foo: ['bar', 'qux', 'baz'] });
    assert.deepEqual(jsonPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: 'x' }]), { foo: ['bar', 'x'] });
    assert.deepEqual(jsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), { foo: 'bar' });
    assert.deepEqual(jsonPatch({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]), { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } });
    assert.deepEqual(jsonPatch({ 'a/b': 1, 'm~n': 2 }, [{ op: 'replace', path: '/a~1b', value: 3 }, { op: 'remove', path: '/m~0n' }]), { 'a/b': 3 });
    assert.throws(() => jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]), { code: 'Invalid' });
    assert.throws(() => jsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]), { code: 'Invalid' });
    assert.throws(() => jsonPatch({}, { op: 'add' } as Json), { code: 'BadRequest' });
  });

  it('merge patch (RFC 7386 appendix A examples)', () => {
    const cases: Array<[Json, Json, Json]> = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [['a', 'b'], ['c', 'd'], ['c', 'd']],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, want] of cases) assert.deepEqual(mergePatch(target, patch), want);
  });

  it('strategic merge: merge keys, $patch delete/replace, $deleteFromPrimitiveList, $setElementOrder ignored', () => {
    const live: Json = {
      metadata: { finalizers: ['a', 'b'] },
      status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Announced', status: 'True' }] },
      spec: { ports: [{ port: 80, name: 'http' }], selector: { app: 'x' } },
    };
    const out = strategicMerge(live, {
      metadata: { finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] },
      status: { conditions: [{ type: 'Ready', $patch: 'delete' }, { type: 'Announced', status: 'False' }], '$setElementOrder/conditions': [{ type: 'Announced' }] },
      spec: { selector: { $patch: 'replace', app: 'y' } },
    });
    assert.deepEqual(out, {
      metadata: { finalizers: ['b', 'c'] },
      status: { conditions: [{ type: 'Announced', status: 'False' }] },
      spec: { ports: [{ port: 80, name: 'http' }], selector: { app: 'y' } },
    });
  });
});

describe('standalone process (main.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vas-main-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('listens, writes a kubeconfig client-node can use, exposes write counts, restarts keeping its store, exits 0 on SIGTERM', async () => {
    const kubeconfig = join(dir, 'kubeconfig');
    const child = spawn(NODE, ['e2e/support/apiserver/main.ts', '--port', String(STANDALONE_PORT), '--kubeconfig', kubeconfig],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('standalone server did not start')), 10_000);
        createInterface({ input: child.stdout }).once('line', (l) => { clearTimeout(t); resolve(l); });
      });
      const info = JSON.parse(line) as { url: string; kubeconfig: string };
      assert.equal(info.url, `https://127.0.0.1:${STANDALONE_PORT}`);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(info.kubeconfig);
      const coord = kc.makeApiClient(k8s.CoordinationV1Api);
      await coord.createNamespacedLease({ namespace: 'kube-node-lease', body: { metadata: { name: 'n1' }, spec: { holderIdentity: 'n1' } } });
      const token = kc.getCurrentUser()?.token ?? '';
      const ca = Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64');
      const control = (method: string, path: string): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
        const req = httpsRequest(`${info.url}/_test/${path}`, { method, headers: { authorization: `Bearer ${token}` }, ca }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => { body += c.toString(); });
          res.on('end', () => resolve(JSON.parse(body) as Record<string, unknown>));
        });
        req.on('error', reject);
        req.end();
      });
      assert.deepEqual(await control('GET', 'writes'), { 'create leases': 1 });
      // Restart over the control API: the store survives, clients fail while it is down.
      await control('POST', 'restart?downMs=300');
      const down = await coord.listNamespacedLease({ namespace: 'kube-node-lease' }).then(() => 'up', () => 'down');
      assert.equal(down, 'down');
      let leases: k8s.V1LeaseList | undefined;
      for (let i = 0; i < 100 && leases === undefined; i++) {
        leases = await coord.listNamespacedLease({ namespace: 'kube-node-lease' }).catch(() => undefined);
        if (leases === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(leases?.items.map((l) => l.metadata?.name), ['n1']);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});
