// A raw BGP peer for the OPEN / header error cross-check (e2e/open-errors-routers.test.ts). Runs inside
// a lab namespace; argv[2] is a JSON list of cases { id, local, remote, hex }, argv[3] how many run at once. For each case it connects
// from `local` to `remote`:179, writes the case's bytes as the first thing on the session, and reports
// on stdout one JSON line: the NOTIFICATION the router sent (code, subcode, data hex), or "keepalive"
// (the router accepted the OPEN), "closed" or "timeout". Not code under test: the codec only frames.

import { connect } from 'node:net';
import { Framer } from '../../packages/bgp/src/wire/framer.ts';
import { encodeKeepalive } from '../../packages/bgp/src/wire/keepalive.ts';

interface Case {
  readonly id: number;
  readonly local: string;
  readonly remote: string;
  readonly hex: string;
}

const cases = JSON.parse(process.argv[2] ?? '[]') as Case[];
const TIMEOUT_MS = 8000;
const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function runCase(c: Case): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const sock = connect({ host: c.remote, port: 179, localAddress: c.local });
    const framer = new Framer();
    let done = false;
    const finish = (o: Record<string, unknown>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ id: c.id, ...o });
    };
    const timer = setTimeout(() => finish({ result: 'timeout' }), TIMEOUT_MS);
    sock.on('connect', () => sock.write(fromHex(c.hex)));
    sock.on('data', (chunk: Buffer) => {
      framer.push(new Uint8Array(chunk));
      try {
        for (let f = framer.next(); f !== undefined; f = framer.next()) {
          if (f.type === 3) {
            finish({ result: 'notification', code: f.body[0], subcode: f.body[1], data: toHex(f.body.subarray(2)) });
          } else if (f.type === 1) {
            sock.write(encodeKeepalive());
          } else if (f.type === 4) {
            finish({ result: 'keepalive' });
          }
        }
      } catch (err) {
        finish({ result: 'unframeable', error: String(err) });
      }
    });
    sock.on('error', (err) => finish({ result: 'error', error: String(err) }));
    sock.on('close', () => finish({ result: 'closed' }));
  });
}

// A few sessions at a time: GoBGP resets connections that arrive in a burst of dozens.
const CONCURRENCY = Number(process.argv[3] ?? 4);
const queue = [...cases];
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      process.stdout.write(`${JSON.stringify(await runCase(c))}\n`);
    }
  }),
);
