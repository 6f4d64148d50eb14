// The "ideal sender" of the speaker bench: a hand-driven BGP peer that pre-encodes every UPDATE
// (4096-byte packed /32s, RFC 4271 §4.3) before it connects, does OPEN / KEEPALIVE by hand and then
// writes the whole table in one socket write. Run inside the sender namespace:
//   node bench/support/ideal-sender.ts <peer> <localAs> <routerId> <count> <nextHop>
// Prints "sent <n> updates <bytes>" once the table was handed to the kernel; keeps the session alive
// with keepalives until killed.

import net from 'node:net';
import { encodeOpen } from '../../packages/bgp/src/wire/open.ts';
import { encodeKeepalive } from '../../packages/bgp/src/wire/keepalive.ts';
import { packUpdates } from '../../packages/bgp/src/wire/pack.ts';
import { encodeEndOfRib } from '../../packages/bgp/src/wire/update.ts';
import type { Prefix } from '../../packages/bgp/src/wire/types.ts';

const [peer, asText, routerId, countText, nextHop] = process.argv.slice(2);
const localAs = Number(asText);
const count = Number(countText);

export function benchPrefixes(n: number): Prefix[] {
  const out: Prefix[] = [];
  for (let i = 0; i < n; i++) out.push({ afi: 1, length: 32, addr: Uint8Array.of(100, 64 + ((i >> 16) & 63), (i >> 8) & 255, i & 255) });
  return out;
}

if (peer !== undefined) {
  const ctx = { fourOctetAs: true, extendedMessage: false, addPathSend: new Set<string>() };
  const updates = packUpdates(benchPrefixes(count), { origin: 0, asPath: [{ type: 2, asns: [localAs] }], nextHop }, ctx);
  const table = Buffer.concat([...updates, encodeEndOfRib(1, 1)]);
  const open = encodeOpen({
    version: 4,
    myAs: localAs > 0xffff ? 23456 : localAs,
    holdTimeSec: 90,
    bgpId: routerId!,
    capabilities: [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'four-octet-as', asn: localAs }],
    otherParams: [],
  });
  const ka = encodeKeepalive();
  const sock = net.connect({ host: peer, port: 179 }, () => sock.write(open));
  let buf = Buffer.alloc(0);
  let stage: 'open' | 'keepalive' | 'up' = 'open';
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 19) return;
      const len = buf.readUInt16BE(16);
      if (buf.length < len) return;
      const type = buf[18];
      buf = buf.subarray(len);
      if (type === 3) {
        process.stdout.write('notification received\n');
        process.exit(1);
      }
      if (stage === 'open' && type === 1) {
        stage = 'keepalive';
        sock.write(ka);
      } else if (stage === 'keepalive' && type === 4) {
        stage = 'up';
        sock.write(table, () => process.stdout.write(`sent ${updates.length} updates ${table.length}\n`));
        setInterval(() => sock.write(ka), 20_000);
      }
    }
  });
  sock.on('error', (err) => {
    process.stdout.write(`error ${err.message}\n`);
    process.exit(1);
  });
}
