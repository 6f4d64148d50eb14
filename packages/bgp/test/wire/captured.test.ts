// Real routers' OPEN, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH messages (captured by the lab from
// BIRD 2, FRR 8, GoBGP 3 and ExaBGP 4 sessions; see test/fixtures/captured/README.md): each must frame,
// decode, and re-encode to exactly the captured bytes. OPENs are re-encoded with the capability layout
// the sender used (BIRD: all in one parameter; FRR, GoBGP, ExaBGP: one per parameter), the only
// freedom RFC 5492 leaves that the model does not record.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Framer } from '../../src/wire/framer.ts';
import { decodeMessage, encodeMessage } from '../../src/wire/message.ts';
import { encodeOpen } from '../../src/wire/open.ts';
import type { BgpMessage } from '../../src/wire/types.ts';
import { hex, toHex } from '../support/wire-fixture.ts';

const dir = fileURLToPath(new URL('../fixtures/captured/', import.meta.url));
const MINE = new Set(['OPEN', 'NOTIFICATION', 'KEEPALIVE', 'ROUTE-REFRESH']);

interface Captured {
  readonly file: string;
  readonly source: string;
  readonly type: string;
  readonly hex: string;
}

const captured: Captured[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...(JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as Omit<Captured, 'file'>) }))
  .filter((c) => MINE.has(c.type));

/** Number of capability optional parameters in an OPEN (classic format). */
function capabilityParams(bytes: Uint8Array): number {
  let n = 0;
  const end = bytes.length;
  let p = 29;
  if (bytes[28] === 255 && bytes[29] === 255) return -1;
  while (p + 2 <= end) {
    if (bytes[p] === 2) n++;
    p += 2 + bytes[p + 1]!;
  }
  return n;
}

describe('captured real-router messages', () => {
  test('there are captured OPEN, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH messages', () => {
    const kinds = new Set(captured.map((c) => c.type));
    for (const k of MINE) assert.ok(kinds.has(k), k);
    assert.ok(captured.length >= 20, `${captured.length} fixtures`);
  });

  for (const c of captured) {
    test(`${c.file} (${c.source})`, () => {
      const bytes = hex(c.hex);
      const framer = new Framer();
      framer.push(bytes);
      const frames = framer.drain();
      assert.equal(frames.length, 1);
      const msg: BgpMessage = decodeMessage(frames[0]!);
      assert.equal(msg.type, c.type.toLowerCase());
      let again: Uint8Array;
      if (msg.type === 'open') {
        const layout = capabilityParams(bytes) > 1 ? 'each' : 'one';
        again = encodeOpen(msg, { capabilityParams: layout });
      } else {
        again = encodeMessage(msg);
      }
      assert.equal(toHex(again), toHex(bytes));
    });
  }
});
