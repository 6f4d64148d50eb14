// A raw BGP peer for RFC 7606 cross-checks (e2e/update-errors-bird.test.ts): runs inside a lab
// namespace, opens one session per entry of its JSON spec (argv[2]) to a real router, then sends the
// exact UPDATE bytes it is told to on stdin ({"id":0,"send":"<hex>"} per line), keeps the session up
// with KEEPALIVEs, and reports on stdout as JSON lines: established, notification (code/subcode),
// closed. Not protocol code under test: it uses the codec only to build OPEN/KEEPALIVE and to frame.

import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { Framer } from '../../packages/bgp/src/wire/framer.ts';
import { encodeKeepalive } from '../../packages/bgp/src/wire/keepalive.ts';
import { encodeOpen } from '../../packages/bgp/src/wire/open.ts';

interface PeerSpec {
  readonly id: number;
  readonly remote: string;
  readonly local: string;
  readonly asn: number;
  readonly routerId: string;
}

const peers = JSON.parse(process.argv[2] ?? '[]') as PeerSpec[];
const sockets = new Map<number, Socket>();
const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const fromHex = (h: string) => Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));

for (const p of peers) {
  const sock = connect({ host: p.remote, port: 179, localAddress: p.local });
  sockets.set(p.id, sock);
  const framer = new Framer();
  let keepalive: NodeJS.Timeout | undefined;
  sock.on('connect', () => {
    sock.write(
      encodeOpen({
        version: 4,
        myAs: p.asn,
        holdTimeSec: 90,
        bgpId: p.routerId,
        capabilities: [
          { kind: 'multiprotocol', afi: 1, safi: 1 },
          { kind: 'four-octet-as', asn: p.asn },
        ],
        otherParams: [],
      }),
    );
  });
  sock.on('data', (chunk: Buffer) => {
    framer.push(chunk);
    for (let f = framer.next(); f !== undefined; f = framer.next()) {
      if (f.type === 1) {
        sock.write(encodeKeepalive());
        keepalive = setInterval(() => sock.write(encodeKeepalive()), 10_000);
      } else if (f.type === 4) {
        say({ id: p.id, event: 'keepalive' });
      } else if (f.type === 3) {
        say({ id: p.id, event: 'notification', code: f.message[19], subcode: f.message[20] });
      }
    }
  });
  sock.on('error', (err) => say({ id: p.id, event: 'error', error: String(err) }));
  sock.on('close', () => {
    if (keepalive) clearInterval(keepalive);
    say({ id: p.id, event: 'closed' });
  });
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as { id: number; send?: string; end?: boolean };
  const sock = sockets.get(cmd.id);
  if (cmd.send !== undefined) sock?.write(fromHex(cmd.send));
  if (cmd.end === true) for (const s of sockets.values()) s.destroy();
});
process.stdin.on('end', () => {
  for (const s of sockets.values()) s.destroy();
  process.exit(0);
});
