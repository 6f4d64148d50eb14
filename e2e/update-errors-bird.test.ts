// RFC 7606 cross-check against a real BIRD 2 (namespaces vcu-*): a raw peer (support/raw-update-peer.ts)
// sends BIRD the very bytes of a sample of our malformed-UPDATE corpus, BIRD's own view (birdc: the
// route withdrawn, kept without the attribute, or the NOTIFICATION it sent) is compared with what our
// decodeUpdate says for the same bytes: treat-as-withdraw ↔ route gone and session up; attribute
// discard ↔ route kept without the attribute; session reset ↔ the same code/subcode.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BgpNotificationError } from '../packages/bgp/src/wire/errors.ts';
import type { UpdateMessage } from '../packages/bgp/src/wire/types.ts';
import { decodeUpdate } from '../packages/bgp/src/wire/update.ts';
import { updateHex } from '../packages/bgp/test/wire/fixtures/malformed-update.ts';
import { waitFor } from './support/exec.ts';
import { Topology, type Link } from './support/netns.ts';
import { BirdRouter } from './support/routers/bird.ts';

const PEER_AS = 65010;
const PROBE = fileURLToPath(new URL('./support/raw-update-peer.ts', import.meta.url));
const hex = (h: string) => h.replace(/#.*$/gm, '').replace(/[\s|]/g, '').toLowerCase();
const bytes = (h: string) => Uint8Array.from(hex(h).match(/../g)!.map((x) => parseInt(x, 16)));

let topo: Topology;
let bird: BirdRouter;
let links: Link[] = [];
let probe: ChildProcess | undefined;
const events: Record<string, unknown>[] = [];

function ours(h: string): UpdateMessage | BgpNotificationError {
  const b = bytes(h);
  try {
    return decodeUpdate(b, 19, b.length, { fourOctetAs: true, extendedMessage: false, addPathReceive: new Set(), isIbgp: false });
  } catch (err) {
    if (err instanceof BgpNotificationError) return err;
    throw err;
  }
}

function send(id: number, h: string): void {
  probe!.stdin!.write(`${JSON.stringify({ id, send: hex(h) })}\n`);
}

/** Attributes of a clean eBGP route from link `i`'s raw peer. */
const base = (i: number) => `40 01 01 00 | 40 02 06 02 01 0000fdf2 | 40 03 04 ${hex4(links[i]!.b.v4!)}`;
const hex4 = (ip: string) => ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join('');
const pfx = (n: number) => `10.99.${n}.1/32`;
const nlri = (n: number) => `20 0a63${n.toString(16).padStart(2, '0')}01`;

async function routeText(n: number): Promise<string> {
  return bird.birdc(['show', 'route', 'all', pfx(n)]);
}
/** BIRD's own table (birdc show route all table master4), BGP routes only. */
const hasRoute = async (n: number) => (await bird.routes('ipv4')).some((r) => r.prefix === pfx(n));

before(async () => {
  topo = await Topology.create('vcu-');
  try {
    const r = await topo.addNamespace('r');
    const h = await topo.addNamespace('h');
    for (let i = 0; i < 4; i++) links.push(await topo.addLink(r, h, { v4: `10.78.${i}.0/30` }));
    bird = new BirdRouter(topo, {
      ns: r,
      routerId: '10.78.0.1',
      localAs: 65001,
      neighbors: links.map((l, i) => ({ address: l.b.v4!, remoteAs: PEER_AS, families: ['ipv4' as const], passive: true, name: `raw${i}` })),
    });
    await bird.start();
    const spec = links.map((l, i) => ({ id: i, remote: l.a.v4!, local: l.b.v4!, asn: PEER_AS, routerId: `10.78.${i}.2` }));
    probe = spawn('ip', ['netns', 'exec', h, process.execPath, PROBE, JSON.stringify(spec)], { stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: probe.stdout! }).on('line', (l) => {
      if (l.startsWith('{')) events.push(JSON.parse(l) as Record<string, unknown>);
    });
    for (let i = 0; i < links.length; i++) {
      await waitFor(() => events.some((e) => e.id === i && e.event === 'keepalive'), { timeoutMs: 30_000, what: `session ${i} up` });
    }
  } catch (err) {
    probe?.kill();
    await topo.destroy();
    throw err;
  }
});

after(async () => {
  probe?.stdin?.end();
  probe?.kill();
  await topo?.destroy();
});

const POLL = { timeoutMs: 10_000, intervalMs: 100 };

describe('treat-as-withdraw: BIRD drops the route and keeps the session; we report treat-as-withdraw', () => {
  const cases: [string, number, (b: string) => string][] = [
    ['ORIGIN value 3 (RFC 7606 §7.1)', 1, (b) => b.replace('40 01 01 00', '40 01 01 03')],
    ['COMMUNITIES length 5 (§7.8)', 2, (b) => `${b} c0 08 05 fde8006400`],
    ['AS_PATH segment type 5 (§7.2)', 3, (b) => b.replace('40 02 06 02 01', '40 02 06 05 01')],
    ['MULTI_EXIT_DISC length 3 (§7.4)', 4, (b) => `${b} 80 04 03 000064`],
    ['unrecognized well-known attribute (field guide)', 5, (b) => `${b} 40 63 01 00`],
    ['COMMUNITIES flagged non-transitive (§3 (c))', 6, (b) => `${b} 80 08 04 fde80064`],
    ['attribute length overruns the block (§4)', 7, (b) => `${b} c0 08 08 fde80064`],
  ];
  for (const [name, n, mutate] of cases) {
    test(name, async () => {
      send(0, updateHex(base(0), nlri(n)));
      await waitFor(() => hasRoute(n), { ...POLL, what: `${pfx(n)} announced` });
      const bad = updateHex(mutate(base(0)), nlri(n));
      const u = ours(bad);
      assert.ok(!(u instanceof BgpNotificationError), 'not a reset for us either');
      assert.ok(u.outcomes.some((o) => o.action === 'treat-as-withdraw'), JSON.stringify(u.outcomes));
      send(0, bad);
      await waitFor(async () => !(await hasRoute(n)), { ...POLL, what: `${pfx(n)} withdrawn by BIRD` });
      assert.equal((await bird.peers()).find((p) => p.address === links[0]!.b.v4)?.state, 'Established');
    });
  }
});

describe('attribute discard: BIRD keeps the route without the attribute; we report attribute-discard only', () => {
  // [name, prefix no., malformed extra attributes, what BIRD must not show, what it must show,
  //  control: a well-formed version (prefix no. + 50) that BIRD does show, proving the check can fail]
  const cases: [string, number, string, RegExp, RegExp | undefined, string | undefined][] = [
    ['ATOMIC_AGGREGATE length 1 (§7.6)', 20, '40 06 01 00', /atomic_aggr/, undefined, '40 06 00'],
    ['AGGREGATOR length 7 (§7.7)', 21, 'c0 07 07 0000fde8 c00002', /aggregator/, undefined, 'c0 07 08 0000fde8 0a000001'],
    ['LOCAL_PREF from an external peer (§7.5)', 22, '40 05 04 0000022b', /local_pref/, /as_path: 65010/, undefined],
    ['duplicate COMMUNITIES, first kept (§3 (g))', 23, 'c0 08 04 fde80064 c0 08 04 fde800c8', /\(65000,200\)/, /\(65000,100\)/, 'c0 08 04 fde800c8'],
  ];
  for (const [name, n, extra, gone, kept, control] of cases) {
    test(name, async () => {
      const bad = updateHex(`${base(0)} ${extra}`, nlri(n));
      const u = ours(bad);
      assert.ok(!(u instanceof BgpNotificationError));
      assert.ok(u.outcomes.length > 0 && u.outcomes.every((o) => o.action === 'attribute-discard'), JSON.stringify(u.outcomes));
      send(0, bad);
      await waitFor(() => hasRoute(n), { ...POLL, what: `${pfx(n)} kept by BIRD` });
      const text = await routeText(n);
      assert.doesNotMatch(text, gone);
      if (kept) assert.match(text, kept);
      if (control !== undefined) {
        send(0, updateHex(`${base(0)} ${control}`, nlri(n + 50)));
        await waitFor(() => hasRoute(n + 50), { ...POLL, what: `${pfx(n + 50)} (control) announced` });
        assert.match(await routeText(n + 50), gone, 'control: the well-formed attribute is visible in BIRD');
      }
    });
  }
});

describe('session reset: BIRD sends the NOTIFICATION we would send', () => {
  const cases: [string, number, () => string][] = [
    ['treat-as-withdraw error with no reachable NLRI (RFC 7606 §5.2)', 1, () => updateHex(base(1).replace('40 01 01 00', '40 01 01 03'), '', nlri(30))],
    ['NLRI prefix length 33 (RFC 7606 §5.3)', 2, () => updateHex(base(2), '21 0a630001 00')],
    ['duplicate MP_UNREACH_NLRI (RFC 7606 §3 (g))', 3, () => updateHex('80 0f 03 000101 80 0f 03 000101', '')],
  ];
  for (const [name, id, build] of cases) {
    test(name, async () => {
      const bad = build();
      const err = ours(bad);
      assert.ok(err instanceof BgpNotificationError, 'we reset too');
      send(id, bad);
      const ev = await waitFor(() => events.find((e) => e.id === id && e.event === 'notification'), { ...POLL, what: 'NOTIFICATION from BIRD' });
      assert.deepStrictEqual({ code: ev.code, subcode: ev.subcode }, { code: err.notifCode, subcode: err.notifSubcode });
    });
  }
});
