// Speaker.updateDesired (the incremental path the Kubernetes daemon uses): only changed prefixes are
// diffed and sent; the result equals what a full setDesired of the same final set sends; changes
// made while a setDesired is being taken apply on top of it; a new session still gets the whole table.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Speaker, SpeakerError } from '../src/speaker.ts';
import type { PeerLinkInfo, RouteAttributes } from '../src/export-policy.ts';
import { fakeEncoder, RecordingSink, type FakeMessage } from './support/fake-encoder.ts';

const link: PeerLinkInfo = {
  families: new Set(['ipv4-unicast', 'ipv6-unicast']),
  fourOctetAs: true,
  extendedMessage: false,
  routeRefresh: true,
  enhancedRouteRefresh: false,
  extendedNextHopIpv4: false,
  localAddress: 'fd00::1',
};
const A: RouteAttributes = {};
const B: RouteAttributes = { communities: [65000 * 65536 + 7] };

/** Applies a message log to a RIB: prefix → community list text. */
function applyLog(rib: Map<string, string>, msgs: readonly FakeMessage[]): void {
  for (const m of msgs) {
    if (m.kind === 'withdraw') for (const p of m.prefixes) rib.delete(p);
    if (m.kind === 'announce') for (const p of m.prefixes) rib.set(p, JSON.stringify(m.attrs.communities ?? []));
  }
}

function setup(): { s: Speaker; sink: RecordingSink } {
  const s = new Speaker({ encoder: fakeEncoder });
  s.addPeer('p', { localAs: 65001, peerAs: 65002, nextHopIpv4: '10.0.0.1' });
  const sink = new RecordingSink();
  s.peerUp('p', link, sink);
  return { s, sink };
}

test('a change sends only that prefix, however large the table', async () => {
  const { s, sink } = setup();
  const table = new Map<string, RouteAttributes>();
  for (let i = 0; i < 5000; i++) table.set(`10.1.${i >> 8}.${i & 255}/32`, A);
  await s.setDesired(table);
  await s.idle();
  sink.take();
  s.updateDesired([['10.1.0.5/32', undefined]]);
  await s.idle();
  let msgs = sink.take();
  assert.deepEqual(msgs.flatMap((m) => (m.kind === 'withdraw' ? m.prefixes : [])), ['10.1.0.5/32']);
  assert.equal(msgs.filter((m) => m.kind === 'announce').length, 0);
  s.updateDesired([['10.1.0.5/32', B], ['10.1.0.6/32', B]]);
  await s.idle();
  msgs = sink.take();
  assert.deepEqual(msgs.flatMap((m) => (m.kind === 'announce' ? m.prefixes : [])).sort(), ['10.1.0.5/32', '10.1.0.6/32']);
  assert.equal(s.desiredCount, 5000);
  s.updateDesired([['10.1.0.7/32', A]]);
  await s.idle();
  assert.equal(sink.take().length, 0, 'unchanged prefix: nothing sent');
});

test('updates made while a setDesired is being taken apply on top of it', async () => {
  const { s, sink } = setup();
  const big = new Map<string, RouteAttributes>();
  for (let i = 0; i < 20000; i++) big.set(`10.2.${i >> 8}.${i & 255}/32`, A);
  const taking = s.setDesired(big);
  s.updateDesired([['10.2.0.1/32', undefined], ['192.0.2.1/32', B]]);
  await taking;
  await s.idle();
  const rib = new Map<string, string>();
  applyLog(rib, sink.take());
  assert.equal(rib.size, 20000);
  assert.equal(rib.has('10.2.0.1/32'), false);
  assert.ok(rib.has('192.0.2.1/32'));
});

test('bad prefixes throw a typed error and change nothing', () => {
  const { s } = setup();
  assert.throws(() => s.updateDesired([['192.0.2.1/32', A], ['nope', A]]), (e: unknown) => e instanceof SpeakerError && e.code === 'ERR_BAD_PREFIX');
  assert.equal(s.desiredCount, 0);
});

test('property: any sequence of incremental changes ends where a full setDesired of the final set ends', async () => {
  const prefix = fc.integer({ min: 0, max: 40 }).map((i) => (i % 2 === 0 ? `198.51.100.${i}/32` : `2001:db8::${i.toString(16)}/128`));
  const change = fc.tuple(prefix, fc.constantFrom<RouteAttributes | undefined>(A, B, undefined));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(change, { minLength: 1, maxLength: 5 }), { maxLength: 20 }), async (batches) => {
      const { s, sink } = setup();
      const want = new Map<string, RouteAttributes>();
      const rib = new Map<string, string>();
      for (const batch of batches) {
        s.updateDesired(batch);
        for (const [p, a] of batch) {
          if (a === undefined) want.delete(p);
          else want.set(p, a);
        }
        if (batch.length % 2 === 0) await s.idle();
      }
      await s.idle();
      applyLog(rib, sink.take());
      const ref = setup();
      await ref.s.setDesired(want);
      await ref.s.idle();
      const refRib = new Map<string, string>();
      applyLog(refRib, ref.sink.take());
      assert.deepEqual([...rib].sort(), [...refRib].sort());
    }),
    { numRuns: 60 },
  );
});
