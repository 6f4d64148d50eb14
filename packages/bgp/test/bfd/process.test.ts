// The BFD process's lifetime (loopback ports 18931–18940): it is a process of its own at real-time
// priority; if it dies, the service reports Down at once and starts it again with every session; if
// the daemon dies, it exits without AdminDown so the peer's detection timer fires (RFC 5882 §3.2: an
// AdminDown must not be taken as a failure); close() ends with AdminDown; a session removed and added
// again under the same id is not hit by the old one's last message; a daemon whose event loop is wedged
// past the watchdog stops being announced by BFD (its transmits stop) until it answers again.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BfdService, type BfdStateEvent } from '../../src/bfd/service.ts';

const T100 = { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 };
const services: BfdService[] = [];
after(async () => {
  await Promise.all(services.map((s) => s.close()));
});

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`${what}: not within ${ms} ms`);
}

/** Running (an exited process that its new parent, PID 1, has not reaped yet is a zombie: not alive). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function pair(pa: number, pb: number) {
  const a = new BfdService();
  const b = new BfdService();
  services.push(a, b);
  await Promise.all([a.ready, b.ready]);
  a.addPeer({ id: 'b', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: false, timers: T100, listenPort: pa, peerPort: pb });
  b.addPeer({ id: 'a', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: false, timers: T100, listenPort: pb, peerPort: pa });
  await until(() => a.state('b') === 'Up' && b.state('a') === 'Up', 5000, 'both Up');
  return { a, b };
}

test('BFD runs in a process of its own, at SCHED_RR when allowed', async () => {
  const a = new BfdService();
  services.push(a);
  await a.ready;
  assert.ok(a.pid !== undefined && a.pid !== process.pid && alive(a.pid));
  // /proc/<pid>/stat field 41 is the scheduling policy (2 = SCHED_RR); the comm field has no spaces here.
  const policy = Number(readFileSync(`/proc/${a.pid}/stat`, 'utf8').split(' ')[40]);
  if (a.priority === 'rr') assert.equal(policy, 2);
  else assert.equal(policy, 0);
  assert.equal(a.restarts, 0);
});

test('BFD process killed → Down reported at once, process restarted, session Up again', async () => {
  const { a, b } = await pair(18931, 18932);
  const downs: BfdStateEvent[] = [];
  a.on('down', (e) => downs.push(e));
  const oldPid = a.pid!;
  const t0 = Date.now();
  process.kill(oldPid, 'SIGKILL');
  await until(() => downs.length === 1, 1000, "'down' after the BFD process died");
  const reportedMs = Date.now() - t0;
  assert.equal(downs[0]!.id, 'b');
  assert.equal(a.state('b'), 'Down');
  // Restarted after 1 s with the session, which comes Up again against the untouched peer.
  await until(() => a.state('b') === 'Up' && b.state('a') === 'Up', 5000, 'Up again after the restart');
  assert.equal(a.restarts, 1);
  assert.ok(a.pid !== undefined && a.pid !== oldPid && alive(a.pid));
  assert.ok(reportedMs < 500, `down reported ${reportedMs} ms after the kill`);
});

test('daemon killed → its BFD process exits without AdminDown: the peer detects Down (diag 1)', async () => {
  const b = new BfdService();
  services.push(b);
  await b.ready;
  b.addPeer({ id: 'daemon', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: false, timers: T100, listenPort: 18934, peerPort: 18933 });
  const parent = spawn(process.execPath, [fileURLToPath(new URL('./fixtures/bfd-parent.ts', import.meta.url)), '18933', '18934'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: parent.stdout }).once('line', resolve);
      parent.once('exit', (code) => reject(new Error(`stand-in daemon exited (${code})`)));
    });
    const bfdPid = (JSON.parse(line) as { bfdPid: number }).bfdPid;
    assert.ok(alive(bfdPid));
    await until(() => b.state('daemon') === 'Up', 5000, 'peer Up');
    const downs: BfdStateEvent[] = [];
    b.on('down', (e) => downs.push(e));
    parent.kill('SIGKILL');
    await until(() => !alive(bfdPid), 1000, 'BFD process gone after its daemon');
    await until(() => downs.length === 1, 1000, 'peer Down');
    assert.equal(downs[0]!.diag, 1, 'Control Detection Time Expired, not Neighbor Signaled Session Down (3)');
  } finally {
    parent.kill('SIGKILL');
  }
});

test('close() → AdminDown to the peer (diag 3 there), and the process exits', async () => {
  const { a, b } = await pair(18935, 18936);
  const pid = a.pid!;
  const downs: BfdStateEvent[] = [];
  b.on('down', (e) => downs.push(e));
  await a.close();
  assert.ok(!alive(pid));
  await until(() => downs.length === 1, 1000, 'peer Down');
  assert.equal(downs[0]!.diag, 3);
});

test('remove and add again under the same id: the old session AdminDown is not reported as the new one going down', async () => {
  const { a, b } = await pair(18937, 18938);
  const events: BfdStateEvent[] = [];
  a.on('state', (e) => events.push(e));
  const spec = { id: 'b', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: false, timers: T100, listenPort: 18937, peerPort: 18938 };
  a.removePeer('b');
  a.addPeer(spec);
  await until(() => a.state('b') === 'Up' && b.state('a') === 'Up', 5000, 'Up again');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(events.filter((e) => e.from === 'Up' || e.to === 'AdminDown'), [], JSON.stringify(events));
  assert.equal(a.state('b'), 'Up');
});

test('daemon event loop wedged past the watchdog → transmits stop, the peer times out (diag 1); resumed after', async () => {
  const a = new BfdService({ watchdogMs: 600 });
  const b = new BfdService();
  services.push(a, b);
  await Promise.all([a.ready, b.ready]);
  a.addPeer({ id: 'b', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: false, timers: T100, listenPort: 18939, peerPort: 18940 });
  b.addPeer({ id: 'a', peerAddress: '127.0.0.1', localAddress: '127.0.0.1', multihop: false, timers: T100, listenPort: 18940, peerPort: 18939 });
  await until(() => a.state('b') === 'Up' && b.state('a') === 'Up', 5000, 'both Up');
  const peerDowns: BfdStateEvent[] = [];
  b.on('down', (e) => peerDowns.push(e));
  // Wedge this event loop for 1.5 s (bounded): no heartbeat reaches a's BFD process for > 600 ms.
  const t0 = performance.now();
  while (performance.now() - t0 < 1500) {
    // busy
  }
  await until(() => peerDowns.length === 1, 1000, 'peer Down');
  assert.equal(peerDowns[0]!.diag, 1, 'the peer timed out (Control Detection Time Expired)');
  const [sa] = await a.snapshot();
  assert.ok(sa!.suppressed > 0, `transmits suppressed: ${sa!.suppressed}`);
  // Heartbeats flow again: transmits resume and both sides come back Up.
  await until(() => a.state('b') === 'Up' && b.state('a') === 'Up', 5000, 'Up again');
});
