// A speaker encoder for tests that encodes logical messages as JSON bytes, so tests can assert on
// what the speaker decided (prefixes, attributes, markers) independently of the wire codec.

import type { UpdateEncoder } from '../../src/speaker-encoder.ts';
import type { PathAttributes, Prefix } from '../../src/wire/types.ts';
import { formatIp } from '../../src/ip.ts';

export type FakeMessage =
  | { kind: 'announce'; family: string; mp: boolean; nextHop: string; prefixes: string[]; attrs: PathAttributes; fourOctetAs: boolean }
  | { kind: 'withdraw'; family: string; prefixes: string[] }
  | { kind: 'eor'; family: string }
  | { kind: 'refresh'; family: string; subtype: number };

const te = new TextEncoder();
const td = new TextDecoder();
// Only the address bytes of the family count (the speaker reuses 16-byte buffers for IPv4 too).
const pfx = (p: Prefix) => `${formatIp(p.afi === 1 ? p.addr.subarray(0, 4) : p.addr.subarray(0, 16))}/${p.length}`;

export const fakeEncoder: UpdateEncoder = {
  announce(prefixes, group, ctx) {
    const m: FakeMessage = {
      kind: 'announce',
      family: group.family,
      mp: group.mp,
      nextHop: formatIp(group.nextHop),
      prefixes: prefixes.map(pfx),
      attrs: group.attrs,
      fourOctetAs: ctx.fourOctetAs,
    };
    return [te.encode(JSON.stringify(m))];
  },
  withdraw(prefixes, family) {
    return [te.encode(JSON.stringify({ kind: 'withdraw', family, prefixes: prefixes.map(pfx) }))];
  },
  endOfRib(family) {
    return te.encode(JSON.stringify({ kind: 'eor', family }));
  },
  routeRefresh(family, subtype) {
    return te.encode(JSON.stringify({ kind: 'refresh', family, subtype }));
  },
};

export function decodeFake(b: Uint8Array): FakeMessage {
  return JSON.parse(td.decode(b)) as FakeMessage;
}

/** A sink that records decoded messages; `gate` (when set) holds each write until released. */
export class RecordingSink {
  readonly messages: FakeMessage[] = [];
  writes = 0;
  gate: Promise<void> | undefined;
  write(msgs: readonly Uint8Array[]): Promise<void> | void {
    this.writes++;
    for (const m of msgs) this.messages.push(decodeFake(m));
    return this.gate;
  }
  take(): FakeMessage[] {
    return this.messages.splice(0);
  }
}
