// BFD authentication (RFC 5880 §6.7): simple password and (meticulous) keyed SHA1 sign / verify,
// the §6.7.4 sequence windows as a table, tampering and wrong keys rejected, and two authenticated
// state machines reaching Up while a wrong key keeps one Down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signBfdPacket, verifyBfdPacket, type BfdAuthConfig } from '../../src/bfd/auth.ts';
import { decodeBfdPacket, encodeBfdPacket, type BfdPacket } from '../../src/bfd/packet.ts';
import { initialBfdSession, stepBfd, type BfdSession } from '../../src/bfd/fsm.ts';

const p: BfdPacket = {
  diag: 0, state: 'Up', poll: false, final: false, cpiIndependent: false, demand: false, multipoint: false, detectMult: 3,
  myDiscriminator: 1, yourDiscriminator: 2, desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, requiredMinEchoRxUs: 0,
};
const key = (s: string) => Uint8Array.from(Buffer.from(s));
const SHA: BfdAuthConfig = { type: 'keyed-sha1', keyId: 7, key: key('sha-secret') };
const MET: BfdAuthConfig = { type: 'meticulous-keyed-sha1', keyId: 7, key: key('sha-secret') };
const SIMPLE: BfdAuthConfig = { type: 'simple', keyId: 2, key: key('pw') };

test('signed packets survive the wire and verify; the section has the §4.2 / §4.4 shape', () => {
  for (const a of [SHA, MET, SIMPLE]) {
    const wire = encodeBfdPacket(signBfdPacket(p, a, 1000));
    const back = decodeBfdPacket(wire);
    assert.equal(wire.length, a.type === 'simple' ? 24 + 3 + 2 : 24 + 28);
    assert.equal((wire[1]! & 0x04) !== 0, true, 'A bit');
    const v = verifyBfdPacket(back, a, { known: false, seq: 0 });
    assert.equal(v.ok, true, a.type);
  }
});

test('wrong key, wrong key id, wrong type, tampering and a missing section are rejected', () => {
  const signed = signBfdPacket(p, SHA, 5);
  const rows: [BfdPacket, BfdAuthConfig, string][] = [
    [signed, { ...SHA, key: key('other') }, 'digest'],
    [signed, { ...SHA, keyId: 8 }, 'key-id'],
    [signed, MET, 'type'],
    [{ ...signed, desiredMinTxUs: 1 }, SHA, 'digest'],
    [p, SHA, 'missing'],
    [signBfdPacket(p, SIMPLE, 0), { ...SIMPLE, key: key('px') }, 'password'],
  ];
  for (const [pkt, a, reason] of rows) {
    const v = verifyBfdPacket(pkt, a, { known: false, seq: 0 });
    assert.deepEqual(v, { ok: false, reason });
  }
});

test('§6.7.4 sequence windows: keyed [last, last + 3M], meticulous [last + 1, last + 3M], with wrap', () => {
  const rows: [BfdAuthConfig, number, number, boolean][] = [
    // config, last seen, received, accepted (detect mult 3 → window 9)
    [SHA, 100, 100, true], [SHA, 100, 109, true], [SHA, 100, 110, false], [SHA, 100, 99, false],
    [MET, 100, 100, false], [MET, 100, 101, true], [MET, 100, 109, true], [MET, 100, 110, false],
    [MET, 0xfffffffe, 3, true], [SHA, 0xfffffffe, 0xfffffffe, true], [MET, 5, 0xffffffff, false],
  ];
  for (const [a, last, seq, ok] of rows) {
    const v = verifyBfdPacket(signBfdPacket(p, a, seq), a, { known: true, seq: last });
    assert.equal(v.ok, ok, `${a.type} last ${last} seq ${seq}`);
    if (v.ok) assert.deepEqual(v.rx, { known: true, seq });
  }
});

function pair(ka: BfdAuthConfig, kb: BfdAuthConfig): { a: BfdSession; b: BfdSession } {
  const T = { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3 };
  let a = initialBfdSession(1, T, false, ka, 10);
  let b = initialBfdSession(2, T, false, kb, 0xfffffff0);
  const q: { to: 'a' | 'b'; pkt: BfdPacket }[] = [];
  const run = (who: 'a' | 'b', ev: Parameters<typeof stepBfd>[1]) => {
    const r = stepBfd(who === 'a' ? a : b, ev, 0.3);
    if (who === 'a') a = r.state; else b = r.state;
    for (const x of r.actions) if (x.type === 'send') q.push({ to: who === 'a' ? 'b' : 'a', pkt: decodeBfdPacket(encodeBfdPacket(x.packet)) });
  };
  run('a', { type: 'start' });
  run('b', { type: 'start' });
  for (let i = 0; i < 60; i++) {
    const m = q.shift();
    if (m === undefined) {
      run('a', { type: 'tx-timer' });
      run('b', { type: 'tx-timer' });
      continue;
    }
    run(m.to, { type: 'rx', packet: m.pkt });
  }
  return { a, b };
}

test('authenticated state machines reach Up (sequence wraps on one side); a wrong key never does', () => {
  const ok = pair(MET, MET);
  assert.equal(ok.a.state, 'Up');
  assert.equal(ok.b.state, 'Up');
  assert.ok(ok.b.xmitAuthSeq < 100, 'b wrapped past 2^32');
  const bad = pair(MET, { ...MET, key: key('not-it') });
  assert.notEqual(bad.a.state, 'Up');
  assert.notEqual(bad.b.state, 'Up');
  const mixed = pair(SHA, SHA);
  assert.equal(mixed.a.state, 'Up');
});
