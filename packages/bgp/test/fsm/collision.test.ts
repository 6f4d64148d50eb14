// RFC 4271 §6.8 collision resolution with the RFC 6286 §2.3 tie rule, both ways round.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCollision } from '../../src/fsm/collision.ts';

test('higher BGP identifier keeps the connection it initiated', () => {
  // Ours lower → close ours, keep the peer's (incoming).
  assert.equal(resolveCollision('10.0.0.1', 65000, '10.0.0.2', 65001), 'incoming');
  // Ours higher → keep ours (outgoing).
  assert.equal(resolveCollision('10.0.0.2', 65000, '10.0.0.1', 65001), 'outgoing');
});

test('identifiers compare as unsigned 32-bit integers, not strings', () => {
  assert.equal(resolveCollision('9.0.0.0', 1, '10.0.0.0', 2), 'incoming');
  assert.equal(resolveCollision('200.0.0.1', 1, '100.0.0.1', 2), 'outgoing');
  assert.equal(resolveCollision('128.0.0.0', 1, '127.255.255.255', 2), 'outgoing', 'high bit set is larger');
});

test('equal identifiers (RFC 6286 §2.3): the speaker with the larger AS keeps its connection', () => {
  assert.equal(resolveCollision('10.0.0.1', 65010, '10.0.0.1', 65001), 'outgoing');
  assert.equal(resolveCollision('10.0.0.1', 65001, '10.0.0.1', 65010), 'incoming');
  assert.equal(resolveCollision('10.0.0.1', 4200000000, '10.0.0.1', 65001), 'outgoing', '4-byte AS compares by value');
});

test('both speakers agree on the same surviving TCP connection', () => {
  const cases: [string, number, string, number][] = [
    ['10.0.0.1', 65000, '10.0.0.2', 65001],
    ['10.0.0.9', 65000, '10.0.0.2', 65001],
    ['10.0.0.1', 65000, '10.0.0.1', 65001],
  ];
  for (const [idA, asA, idB, asB] of cases) {
    const a = resolveCollision(idA, asA, idB, asB);
    const b = resolveCollision(idB, asB, idA, asA);
    // A keeps "outgoing" (the A→B connection) iff B keeps "incoming" (the same A→B connection).
    assert.equal(a === 'outgoing', b === 'incoming');
  }
});
