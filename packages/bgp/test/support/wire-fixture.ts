// Golden-vector helper (after mqtt-packet's testParseGenerate): one (model, commented hex) pair becomes
// three tests: decode(bytes) equals the model, encode(model) equals the bytes, decode(encode(model))
// equals the model. Hex is written field by field; `#` starts a comment that runs to the end of line.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Framer } from '../../src/wire/framer.ts';
import { BgpNotificationError } from '../../src/wire/errors.ts';
import type { BgpMessage } from '../../src/wire/types.ts';

/** Parses commented hex: `# comment` to end of line, whitespace, `:`, `|` and `0x` are ignored. */
export function hex(src: string): Uint8Array {
  const clean = src
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('')
    .replace(/0x/gi, '')
    .replace(/[\s:|]/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`bad hex fixture: ${clean}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export const MARKER = 'ffffffffffffffffffffffffffffffff';

export interface WireCase<M> {
  readonly name: string;
  /** Commented hex of one whole message (header included). */
  readonly hex: string;
  readonly message: M;
  /** Skip "encode(model) equals the bytes" when the bytes are valid but not our canonical encoding. */
  readonly decodeOnly?: boolean;
}

export interface WireCodec<M> {
  decode(bytes: Uint8Array): M;
  encode(message: M): Uint8Array;
}

/** Frames `bytes` (exactly one message expected) and returns it. */
export function frameOne(bytes: Uint8Array, extendedMessage = false) {
  const framer = new Framer({ extendedMessage });
  framer.push(bytes);
  const frames = framer.drain();
  assert.equal(frames.length, 1, 'exactly one message');
  assert.equal(framer.bufferedBytes, 0, 'nothing left over');
  return frames[0]!;
}

/** Registers decode / encode / round-trip tests for every case; returns the number of cases. */
export function defineWireCases<M = BgpMessage>(codec: WireCodec<M>, cases: readonly WireCase<M>[]): number {
  for (const c of cases) {
    const bytes = hex(c.hex);
    test(`${c.name}: decode`, () => {
      assert.deepStrictEqual(codec.decode(bytes), c.message);
    });
    if (c.decodeOnly !== true) {
      test(`${c.name}: encode`, () => {
        assert.equal(toHex(codec.encode(c.message)), toHex(bytes));
      });
    }
    test(`${c.name}: round-trip`, () => {
      assert.deepStrictEqual(codec.decode(codec.encode(c.message)), c.message);
    });
  }
  return cases.length;
}

export interface MalformedCase {
  readonly name: string;
  /** The RFC clause that decides the outcome. */
  readonly rfc: string;
  readonly hex: string;
  readonly code: number;
  readonly subcode: number;
  /** Expected NOTIFICATION data as hex ('' for none). */
  readonly data: string;
}

/** Runs `fn` and returns the BgpNotificationError it throws (fails when it throws anything else or nothing). */
export function expectNotification(fn: () => unknown): BgpNotificationError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof BgpNotificationError, `expected BgpNotificationError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_BGP_NOTIFICATION');
    return err;
  }
  assert.fail('expected a BgpNotificationError, nothing was thrown');
}

/** Asserts code, subcode and data of a NOTIFICATION error. */
export function assertNotification(err: BgpNotificationError, c: Pick<MalformedCase, 'code' | 'subcode' | 'data'>): void {
  assert.deepStrictEqual(
    { code: err.notifCode, subcode: err.notifSubcode, data: toHex(err.data) },
    { code: c.code, subcode: c.subcode, data: c.data },
  );
}
