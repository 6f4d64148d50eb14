// Issue 8 in the standalone daemon: the password / passwordFile / ttlSecurityHops / bfd config fields
// and BFD profiles; keys never printed (JSON, inspect, logs through a recording logger); a loopback MD5
// key mismatch (ports 18961–18962) diagnosed as such from connect timeouts; and `vipd run` refusing
// to start an MD5 peer when the native addon is switched off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { ConfigError, validateConfig } from '../../src/standalone/config.ts';
import { realSessionLayer, type PeerDiagnosis } from '../../src/standalone/real-session-layer.ts';
import { ListenSocket } from '@vipd/bgp/net/sockopt.ts';
import type { Logger } from '@vipd/bgp/observe.ts';

const base = { localAsn: 65000, routerId: '10.0.0.1' };
const issuePaths = (doc: unknown): string[] => {
  try {
    validateConfig(doc);
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.issues.map((i) => i.path);
  }
};

test('config: password, passwordFile, ttlSecurityHops, bfd profiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-sec-'));
  try {
    const file = join(dir, 'pw');
    writeFileSync(file, 'from-a-file\n');
    const cfg = validateConfig({
      ...base,
      bfdProfiles: { fast: { minTxMs: 100, minRxMs: 100, multiplier: 3 } },
      peers: [
        { address: '10.0.0.2', asn: 65001, password: 'inline-secret', ttlSecurityHops: 1, bfd: true },
        { address: '10.0.0.3', asn: 65001, passwordFile: file, bfd: { profile: 'fast' } },
        { address: '10.0.0.4', asn: 65001, multihopTtl: 3, bfd: { profile: 'fast', multiplier: 5 } },
      ],
    });
    const [a, b, c] = cfg.peers;
    assert.equal(a!.ttlSecurityHops, 1);
    assert.deepEqual(a!.bfd, { minTxMs: 300, minRxMs: 300, multiplier: 3, profile: 'default', multihop: false });
    assert.deepEqual(b!.bfd, { minTxMs: 100, minRxMs: 100, multiplier: 3, profile: 'fast', multihop: false });
    assert.deepEqual(c!.bfd, { minTxMs: 100, minRxMs: 100, multiplier: 5, profile: 'inline', multihop: true });
    assert.equal(a!.md5!.bytes().toString(), 'inline-secret');
    assert.equal(b!.md5!.bytes().toString(), 'from-a-file', 'one trailing newline is not part of the key');
    // Never printed: JSON (config --check, status), util.inspect (console / pino's fallbacks).
    const printed = JSON.stringify(cfg) + inspect(cfg, { depth: 10 });
    assert.ok(!printed.includes('inline-secret') && !printed.includes('from-a-file'));
    // Same key → same fingerprint (reload sees no change); different key → different.
    assert.equal(JSON.stringify(validateConfig({ ...base, peers: [{ address: '10.0.0.2', asn: 1, password: 'inline-secret' }] }).peers[0]!.md5), JSON.stringify(a!.md5));
    assert.notEqual(JSON.stringify(validateConfig({ ...base, peers: [{ address: '10.0.0.2', asn: 1, password: 'other' }] }).peers[0]!.md5), JSON.stringify(a!.md5));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: bad security fields are reported with their paths', () => {
  const rows: [Record<string, unknown>, string][] = [
    [{ password: 'a', passwordFile: '/x' }, 'peers[0].password'],
    [{ password: 'x'.repeat(81) }, 'peers[0].password'],
    [{ passwordFile: '/nonexistent/vipd-pw' }, 'peers[0].passwordFile'],
    [{ ttlSecurityHops: 0 }, 'peers[0].ttlSecurityHops'],
    [{ ttlSecurityHops: 1, multihopTtl: 2 }, 'peers[0].ttlSecurityHops'],
    [{ bfd: { profile: 'nope' } }, 'peers[0].bfd.profile'],
    [{ bfd: { minTxMs: 1 } }, 'peers[0].bfd.minTxMs'],
    [{ bfd: { multiplier: 0 } }, 'peers[0].bfd.multiplier'],
  ];
  for (const [extra, path] of rows) {
    assert.ok(issuePaths({ ...base, peers: [{ address: '10.0.0.2', asn: 65001, ...extra }] }).includes(path), `${JSON.stringify(extra)} → ${path}`);
  }
  assert.ok(issuePaths({ ...base, bfdProfiles: { x: { minRxMs: 5 } } }).includes('bfdProfiles.x.minRxMs'));
});

function recordingLogger(records: Record<string, unknown>[], bindings: Record<string, unknown> = {}): Logger {
  const rec = (level: string) => (obj: object, msg?: string) => void records.push({ level, ...bindings, ...obj, msg });
  return { trace: rec('trace'), debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: (b) => recordingLogger(records, { ...bindings, ...b }) };
}

test('loopback MD5 key mismatch: connect timeouts diagnosed as a likely key mismatch; the key is never logged', async () => {
  // The "router": a listener holding a different key for us, so the kernel drops our SYNs silently.
  const ls = new ListenSocket('127.0.0.1', 18961);
  ls.setPeerKey('127.0.0.1', Buffer.from('the-routers-key'));
  const server = net.createServer((s) => s.destroy());
  await ls.listen(server);
  const records: Record<string, unknown>[] = [];
  const events: string[] = [];
  const layer = realSessionLayer(recordingLogger(records), undefined, {
    observer: {
      connectTimeout: (peer, md5) => events.push(`timeout ${peer} ${md5}`),
      diagnosis: (peer, d: PeerDiagnosis) => events.push(`diagnosis ${peer} ${d}`),
      bfdState() {},
      bfdTransition() {},
    },
  });
  const cfg = validateConfig({ ...base, listen: { enabled: false }, peers: [{ address: '127.0.0.1', port: 18961, asn: 65001, password: 'our-wrong-key' }] });
  let accepted = 0;
  server.on('connection', () => accepted++);
  const port = layer.createSession(cfg.peers[0]!, { localAsn: 65000, routerId: '10.0.0.1', restarting: false }, { established() {}, down() {}, routeRefresh() {} });
  try {
    port.start();
    const deadline = Date.now() + 8000;
    while (port.diagnosis?.() !== 'md5-key-mismatch-likely' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(port.diagnosis?.(), 'md5-key-mismatch-likely');
    assert.equal(accepted, 0, 'the kernel never let the connection through');
    assert.ok(events.includes('timeout 127.0.0.1 true'));
    assert.ok(events.includes('diagnosis 127.0.0.1 md5-key-mismatch-likely'));
    assert.ok(records.some((r) => r.level === 'warn' && r.diagnosis === 'md5-key-mismatch-likely' && r.peer === '127.0.0.1'));
    const all = JSON.stringify(records);
    assert.ok(!all.includes('our-wrong-key'), 'key in a log record');
  } finally {
    await port.stop(2);
    await layer.close?.();
    server.close();
  }
});

test('vipd run refuses to start an MD5 peer without the native addon (exit 3, ERR_PEER_SECURITY_UNAVAILABLE)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-sec-'));
  try {
    const file = join(dir, 'vipd.yaml');
    writeFileSync(file, JSON.stringify({ ...base, listen: { enabled: false }, peers: [{ address: '127.0.0.1', port: 18962, asn: 65001, password: 'must-not-run-without' }] }));
    const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
    const child = spawn(process.execPath, [cli, 'run', '--config', file], { env: { ...process.env, VIPD_NATIVE_ADDON: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => { child.kill('SIGKILL'); resolve(null); }, 15_000);
      child.on('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    assert.equal(code, 3, out);
    assert.ok(out.includes('ERR_PEER_SECURITY_UNAVAILABLE'), out);
    assert.ok(!out.includes('must-not-run-without'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('daemon reload: a key → key change rekeys the live session; adding / removing MD5 restarts the peer', async () => {
  const { StandaloneDaemon } = await import('../../src/standalone/daemon.ts');
  const calls: string[] = [];
  const layer = {
    createSession(peer: { address: string }) {
      calls.push(`create ${peer.address}`);
      return {
        peer: peer.address,
        start: () => void calls.push(`start ${peer.address}`),
        stop: async () => void calls.push(`stop ${peer.address}`),
        abort: async () => {},
        state: () => 'Established',
        rekey: () => (calls.push(`rekey ${peer.address}`), true),
      };
    },
    listen: async () => ({ close: async () => {} }),
  };
  const cfg = (pw: Record<string, unknown>) => validateConfig({ ...base, listen: { enabled: false }, peers: [{ address: '10.0.0.2', asn: 65001, ...pw }] });
  const d = new StandaloneDaemon(cfg({ password: 'one' }), { layer, log: recordingLogger([]) });
  await d.start();
  calls.length = 0;
  const r1 = await d.reload(cfg({ password: 'two' }));
  assert.deepEqual(r1.peersUpdated, ['10.0.0.2']);
  assert.deepEqual(r1.peersRestarted, []);
  assert.deepEqual(calls, ['rekey 10.0.0.2']);
  calls.length = 0;
  const r2 = await d.reload(cfg({}));
  assert.deepEqual(r2.peersRestarted, ['10.0.0.2']);
  assert.ok(calls.includes('stop 10.0.0.2') && calls.includes('create 10.0.0.2'));
  const r3 = await d.reload(cfg({}));
  assert.deepEqual([r3.peersUpdated, r3.peersRestarted], [[], []], 'same (absent) key: nothing to do');
  await d.shutdown();
});
