// pino setup: JSON lines, component children, redaction at depth and in bindings, run-time level
// changes (control and SIGUSR2).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogging, installLogLevelSignal, REDACTED } from '../src/logging.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  return {
    lines,
    raw,
    destination: {
      write(s: string) {
        raw.push(s);
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  };
}

test('component loggers write JSON with component and bindings, message under msg', () => {
  const out = capture();
  const logging = createLogging({ destination: out.destination, base: { node: 'worker-1' } });
  const log = logging.component('session', { peer: '192.0.2.1' });
  log.info({ state: 'Established' }, 'session established');
  log.error({ err: new Error('boom') }, 'failed');
  assert.equal(out.lines.length, 2);
  const [a, b] = out.lines;
  assert.equal(a.component, 'session');
  assert.equal(a.peer, '192.0.2.1');
  assert.equal(a.node, 'worker-1');
  assert.equal(a.level, 'info');
  assert.equal(a.msg, 'session established');
  assert.equal(typeof a.time, 'string');
  assert.equal((b.err as { type: string }).type, 'Error');
});

test('secrets are redacted at any depth up to four levels and in child bindings', () => {
  const out = capture();
  const logging = createLogging({ destination: out.destination, level: 'trace' });
  const log = logging.component('controller', { password: 'binding-secret-1' });
  log.info(
    {
      password: 'top-secret-2',
      token: 'tok-3',
      peer: { address: '192.0.2.1', password: 'md5-secret-4', auth: { secret: 'deep-5', inner: { token: 'deeper-6' } } },
      headers: { authorization: 'Bearer abc-7', Authorization: 'Bearer abc-8' },
      tcpMd5Key: 'key-9',
    },
    'configured',
  );
  log.child({ sub: 1 }).warn({ req: { headers: { cookie: 'c-10' } } }, 'nested child');
  const all = out.raw.join('');
  for (const s of ['binding-secret-1', 'top-secret-2', 'tok-3', 'md5-secret-4', 'deep-5', 'deeper-6', 'abc-7', 'abc-8', 'key-9', 'c-10']) {
    assert.ok(!all.includes(s), `${s} must not be logged`);
  }
  const first = out.lines[0];
  assert.equal(first.password, REDACTED);
  assert.equal((first.peer as { address: string }).address, '192.0.2.1', 'non-secret fields survive');
});

test('the level changes at run time for components created before the change', () => {
  const out = capture();
  const logging = createLogging({ destination: out.destination, level: 'info' });
  const peerLog = logging.component('session').child({ peer: '192.0.2.1' });
  peerLog.debug({}, 'hidden');
  logging.control.set('debug');
  assert.equal(logging.control.get(), 'debug');
  peerLog.debug({}, 'shown');
  logging.control.set('warn');
  peerLog.info({}, 'hidden again');
  assert.deepEqual(out.lines.map((l) => l.msg), ['shown']);
});

test('SIGUSR2 toggles between the configured level and debug', async () => {
  const logging = createLogging({ destination: capture().destination, level: 'info' });
  const uninstall = installLogLevelSignal(logging.control);
  try {
    const waitFor = async (level: string): Promise<void> => {
      const deadline = Date.now() + 2000;
      while (logging.control.get() !== level && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      assert.equal(logging.control.get(), level);
    };
    process.kill(process.pid, 'SIGUSR2');
    await waitFor('debug');
    process.kill(process.pid, 'SIGUSR2');
    await waitFor('info');
  } finally {
    uninstall();
  }
});
