// ATOMIC_AGGREGATE (type 6, well-known discretionary, no value): RFC 4271 §5.1.6. Errors:
// RFC 7606 §7.6 (length ≠ 0 → attribute discard).

import { discard } from './common.ts';
import type { AttrFault } from './common.ts';

export function decodeAtomicAggregate(_buf: Uint8Array, start: number, end: number): boolean | AttrFault {
  if (end !== start) return discard(`ATOMIC_AGGREGATE length ${end - start} != 0`);
  return true;
}

/** The attribute has no value; `false` is never encoded (the table skips it). */
export function encodeAtomicAggregate(): void {}
