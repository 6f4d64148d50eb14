// Data-path traffic: the entry point run inside lab namespaces (`ip netns exec NS node cli.ts …`).
//   serve --address VIP --udp-port P --http-port Q --node NAME   UDP echo + HTTP server until SIGTERM
//   udp   --target VIP --port P --flows N --rate PPS --max-ms T --out FILE [--source A] [--drain-ms D] [--base-port B]
//   http  --target VIP --port Q --connections N --interval-ms I --timeout-ms T --max-ms T --max-requests N --out FILE
// Status lines are JSON on stdout ({"msg":"serving"}, {"msg":"first-echo"}, {"msg":"done"}); clients stop
// at SIGTERM or their bounds and write their raw record to --out.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startUdpEcho, startUdpStream } from './udp-stream.ts';
import { startHttpServer, startHttpLoad } from './http-load.ts';

const say = (msg: string, extra: Record<string, unknown> = {}) => process.stdout.write(JSON.stringify({ msg, ...extra }) + '\n');

function onTerm(fn: () => void): void {
  process.once('SIGTERM', fn);
  process.once('SIGINT', fn);
}

const [cmd, ...rest] = process.argv.slice(2);
const { values: v } = parseArgs({
  args: rest,
  options: {
    address: { type: 'string' }, node: { type: 'string' }, 'udp-port': { type: 'string' }, 'http-port': { type: 'string' },
    target: { type: 'string' }, port: { type: 'string' }, source: { type: 'string' }, flows: { type: 'string' },
    rate: { type: 'string' }, 'base-port': { type: 'string' }, 'max-ms': { type: 'string' }, 'drain-ms': { type: 'string' }, out: { type: 'string' },
    connections: { type: 'string' }, 'interval-ms': { type: 'string' }, 'timeout-ms': { type: 'string' }, 'max-requests': { type: 'string' },
  },
});
const num = (k: keyof typeof v, d?: number): number => {
  const s = v[k];
  if (s === undefined) {
    if (d === undefined) throw new Error(`--${k} is required`);
    return d;
  }
  const n = Number(s);
  if (!Number.isFinite(n)) throw new Error(`--${k}: not a number`);
  return n;
};
const str = (k: keyof typeof v): string => {
  const s = v[k];
  if (s === undefined) throw new Error(`--${k} is required`);
  return s;
};

if (cmd === 'serve') {
  const address = str('address');
  const node = str('node');
  const udp = await startUdpEcho(address, num('udp-port'), node);
  const http = await startHttpServer(address, num('http-port'), node);
  say('serving', { node, address });
  onTerm(() => void Promise.all([udp.close(), http.close()]).then(() => process.exit(0)));
} else if (cmd === 'udp') {
  const out = str('out');
  const s = await startUdpStream({
    target: str('target'), port: num('port'), flows: num('flows', 8), ratePps: num('rate', 1000),
    maxDurationMs: num('max-ms', 60_000), drainMs: num('drain-ms', 500), ...(v.source === undefined ? {} : { source: v.source }),
    ...(v['base-port'] === undefined ? {} : { basePort: num('base-port') }),
  });
  void s.firstEcho(60_000).then(() => say('first-echo'), () => undefined);
  onTerm(() => void s.stop());
  const rec = await s.done;
  writeFileSync(out, JSON.stringify(rec));
  say('done');
  process.exit(0);
} else if (cmd === 'http') {
  const out = str('out');
  const load = startHttpLoad({
    target: str('target'), port: num('port'), connections: num('connections', 4), intervalMs: num('interval-ms', 5),
    timeoutMs: num('timeout-ms', 1000), maxDurationMs: num('max-ms', 60_000), maxRequests: num('max-requests', 200_000),
    ...(v.source === undefined ? {} : { source: v.source }),
  });
  onTerm(() => void load.stop());
  const rec = await load.done;
  writeFileSync(out, JSON.stringify(rec));
  say('done');
  process.exit(0);
} else {
  process.stderr.write('usage: cli.ts serve|udp|http …\n');
  process.exit(2);
}
