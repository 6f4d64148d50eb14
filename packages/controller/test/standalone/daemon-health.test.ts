// The daemon's health hook (DaemonOptions.gate + refreshRoutes) with a real HealthGate and exec probes,
// against a fake session layer, asserting on the UPDATE bytes the speaker writes: a gated VIP is not
// sent before `rise`, is announced after, re-sent with GRACEFUL_SHUTDOWN (65535:0, RFC 8326) during a
// maintenance drain, then withdrawn; `whenDown: announce` sends the worse MED while down; ungated VIPs
// are untouched throughout.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandaloneDaemon } from '../../src/standalone/daemon.ts';
import { validateConfig } from '../../src/standalone/config.ts';
import { HealthGate } from '../../src/standalone/health-gate.ts';
import type { SessionLayer, SessionPort } from '../../src/standalone/session-layer.ts';
import { noopLogger } from '@vipd/bgp/observe.ts';
import { Framer } from '@vipd/bgp/wire/framer.ts';
import { decodeMessage } from '@vipd/bgp/wire/message.ts';
import { formatPrefix } from '@vipd/bgp/wire/nlri.ts';
import type { UpdateMessage } from '@vipd/bgp/wire/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'vhc-daemon-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const GSHUT = 0xffff0000;

function oneSessionLayer(): SessionLayer & { wire: Uint8Array[]; up(): void } {
  let up: () => void = () => {};
  const wire: Uint8Array[] = [];
  return {
    wire,
    up: () => up(),
    createSession(peer, _globals, hooks) {
      const s: SessionPort = {
        peer: peer.address,
        start() {},
        async stop() {
          hooks.down();
        },
        async abort() {
          hooks.down();
        },
        state: () => 'Established',
      };
      up = () =>
        hooks.established(
          { families: new Set(peer.families), fourOctetAs: true, extendedMessage: false, routeRefresh: true, enhancedRouteRefresh: false, extendedNextHopIpv4: false, localAddress: '10.0.0.2' },
          { write: (m) => void wire.push(...m) },
        );
      return s;
    },
    async listen() {
      return { close: async () => {} };
    },
  };
}

function drainUpdates(wire: Uint8Array[]): UpdateMessage[] {
  const f = new Framer();
  for (const m of wire.splice(0)) f.push(m);
  return f
    .drain()
    .map((fr) => decodeMessage(fr, { fourOctetAs: true, extendedMessage: false, addPathReceive: new Set(), isIbgp: false }))
    .filter((m): m is UpdateMessage => m.type === 'update');
}

/** The routes as the peer would hold them after applying every UPDATE so far. */
function applyTo(rib: Map<string, UpdateMessage['attributes']>, us: UpdateMessage[]): void {
  for (const u of us) {
    for (const p of u.withdrawn) rib.delete(formatPrefix(p));
    for (const p of u.nlri) rib.set(formatPrefix(p), u.attributes);
  }
}

async function until(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('gated VIP: absent before rise, announced after, GSHUT during the drain, withdrawn after; others untouched', async () => {
  const flag = join(dir, 'ok');
  writeFileSync(flag, '');
  const cfg = validateConfig({
    localAsn: 65001, routerId: '10.0.0.2', listen: { enabled: false },
    peers: [{ address: '10.0.0.1', asn: 65000, families: ['ipv4-unicast'] }],
    vips: [
      '192.0.2.1/32',
      { prefix: '192.0.2.2/32', healthCheck: { name: 'web', kind: 'exec', command: 'sh', args: ['-c', `test -e ${flag}`], intervalMs: 100, fastIntervalMs: 50, rise: 3, fall: 2, holdDownSec: 0, drainSec: 1 } },
      { prefix: '192.0.2.3/32', med: 10, healthCheck: { name: 'soft', kind: 'exec', command: 'false', intervalMs: 100, whenDown: 'announce', downAttributes: { med: 500 } } },
    ],
  });
  const layer = oneSessionLayer();
  let daemon: StandaloneDaemon | undefined;
  const gate = new HealthGate({ log: noopLogger, onChange: () => daemon?.refreshRoutes() });
  daemon = new StandaloneDaemon(cfg, { layer, log: noopLogger, sleep: async () => {}, gate: (v) => gate.attributesFor(v) });
  gate.setConfig(cfg);
  const rib = new Map<string, UpdateMessage['attributes']>();
  try {
    await daemon.start();
    daemon.refreshRoutes();
    layer.up();
    await daemon.speaker.idle();
    applyTo(rib, drainUpdates(layer.wire));
    assert.deepEqual([...rib.keys()].sort(), ['192.0.2.1/32', '192.0.2.3/32'], 'web not announced before rise');
    assert.equal(rib.get('192.0.2.3/32')!.med, 500, 'whenDown announce: the worse MED');

    await until('web announced', () => {
      applyTo(rib, drainUpdates(layer.wire));
      return rib.has('192.0.2.2/32');
    });
    assert.equal(rib.get('192.0.2.2/32')!.communities, undefined);

    assert.equal(gate.setMaintenance('web', true), true);
    await until('GSHUT', () => {
      applyTo(rib, drainUpdates(layer.wire));
      return rib.get('192.0.2.2/32')?.communities?.includes(GSHUT) === true;
    });
    await until('withdrawn after the drain', () => {
      applyTo(rib, drainUpdates(layer.wire));
      return !rib.has('192.0.2.2/32');
    });
    assert.deepEqual([...rib.keys()].sort(), ['192.0.2.1/32', '192.0.2.3/32']);
    assert.equal(rib.get('192.0.2.1/32')!.communities, undefined, 'ungated VIP never got GSHUT');
  } finally {
    gate.stop();
    await daemon.shutdown();
  }
});
