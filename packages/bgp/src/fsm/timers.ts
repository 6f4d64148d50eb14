// Timer values for the FSM (RFC 4271 §10): connect-retry with exponential backoff and the §10 jitter
// (×0.75–1.0), and the idle-hold damping of RFC 4271 §8.1.1 (DampPeerOscillations). The random source
// is a PRNG whose state lives in the FSM state, so `step` stays pure and tests are deterministic.

import type { FsmConfig } from './types.ts';

/** One step of mulberry32: returns a value in [0, 1) and the next PRNG state (a u32). */
export function nextRandom(rng: number): { value: number; rng: number } {
  const next = (rng + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const value = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  return { value, rng: next };
}

/** RFC 4271 §10: "jitter ... multiplied by a random value uniformly distributed in 0.75 to 1.0". */
export function applyJitter(ms: number, random: number): number {
  return Math.round(ms * (0.75 + 0.25 * random));
}

/**
 * Connect-retry delay before attempt number `attempts` (0 = the first retry): the configured initial
 * time doubled per consecutive failed attempt, capped, with jitter.
 */
export function connectRetryDelayMs(attempts: number, cfg: FsmConfig, random: number): number {
  const sec = Math.min(cfg.connectRetryMaxSec, cfg.connectRetrySec * 2 ** Math.min(attempts, 30));
  return applyJitter(sec * 1000, random);
}

/** Why the session went down, for damping: configuration-class faults wait much longer. */
export type FailureClass = 'transient' | 'config';

/**
 * Idle-hold delay after the `failures`-th consecutive failure (1-based). Configuration faults
 * (Bad Peer AS, bad BGP ID, role mismatch, missing capability, max-prefix, the peer's admin shutdown)
 * start from `idleHoldConfigErrorSec`, so a misconfigured peer is never retried in a tight loop.
 */
export function idleHoldDelayMs(failures: number, kind: FailureClass, cfg: FsmConfig, random: number): number {
  const base = kind === 'config' ? cfg.idleHoldConfigErrorSec : cfg.idleHoldSec;
  const exp = Math.max(0, Math.min(failures - 1, 30));
  const sec = Math.min(cfg.idleHoldMaxSec, base * 2 ** exp);
  return applyJitter(sec * 1000, random);
}

/** RFC 4271 §8: the "large value" for the hold timer while waiting for the peer's OPEN (4 minutes). */
export const OPEN_WAIT_HOLD_MS = 240_000;

/**
 * RFC 9687 §4: the send hold time should be the larger of 8 minutes and twice the negotiated hold
 * time unless configured.
 */
export function sendHoldMs(cfg: FsmConfig, negotiatedHoldSec: number): number {
  if (cfg.sendHoldSec !== undefined) return cfg.sendHoldSec * 1000;
  return Math.max(480, 2 * negotiatedHoldSec) * 1000;
}
