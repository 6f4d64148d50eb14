// Data-path traffic: a sequence-numbered UDP stream (client → VIP) and the echo server that runs on each
// lab node. Several flows (one socket, hence one source port, each) let a router's ECMP hash spread
// them; every echo carries the answering node's name, so the client sees loss, duplication, reordering,
// per-node delivery and flows answered by more than one node. Bounded in packets and time. Only ever
// aimed at addresses inside the lab's own namespaces (the caller passes the VIP it put there).
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

/** 'VDPU': marks our packets so a stray datagram is never counted. */
const MAGIC = 0x56445055;
/** magic u32 | flow u16 | seq u32 | sent-at f64 (epoch ms) */
const REQ_LEN = 18;
export const MAX_UDP_PACKETS = 2_000_000;

/** Epoch milliseconds with sub-ms precision, comparable across processes on this machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface UdpEchoServer {
  readonly received: () => number;
  close(): Promise<void>;
}

/** Echoes every stream packet back with `node` appended. */
export async function startUdpEcho(address: string, port: number, node: string): Promise<UdpEchoServer> {
  const family = address.includes(':') ? 'udp6' : 'udp4';
  const sock = createSocket({ type: family });
  const tag = Buffer.from(node.slice(0, 32), 'ascii');
  let count = 0;
  sock.on('message', (msg, rinfo) => {
    if (msg.length < REQ_LEN || msg.readUInt32BE(0) !== MAGIC) return;
    count++;
    const out = Buffer.allocUnsafe(REQ_LEN + 1 + tag.length);
    msg.copy(out, 0, 0, REQ_LEN);
    out[REQ_LEN] = tag.length;
    tag.copy(out, REQ_LEN + 1);
    sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, address, () => resolve());
  });
  return { received: () => count, close: () => new Promise((r) => sock.close(() => r())) };
}

export interface UdpStreamOptions {
  readonly target: string;
  readonly port: number;
  /** Source address to bind (the client's own). */
  readonly source?: string;
  /** Number of flows (sockets, distinct source ports). */
  readonly flows: number;
  /** Flow f binds source port basePort + f (repeatable ECMP hashing); default ephemeral ports. */
  readonly basePort?: number;
  /** Packets per second over all flows. */
  readonly ratePps: number;
  /** Hard cap on the stream's length. */
  readonly maxDurationMs: number;
  /** Wait this long after the last send for late echoes. */
  readonly drainMs?: number;
}

/** Raw record of one stream: enough to recompute every statistic (see analyze.ts). */
export interface UdpRecord {
  readonly flows: number;
  readonly ratePps: number;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  /** Node names; `node[i]` indexes into this (-1 = no answer). */
  readonly nodes: string[];
  /** Per packet i (global send order): flow, send time, first echo time (0 = none), answering node. */
  readonly flow: number[];
  readonly seq: number[];
  readonly sentAtMs: number[];
  readonly rttMs: number[];
  readonly node: number[];
  /** Echoes of a packet already answered. */
  readonly duplicates: number;
  /** Echoes arriving after a later-sent echo of the same flow. */
  readonly reordered: number;
  /** Echoes not matching any packet we sent (never expected). */
  readonly foreign: number;
}

export interface UdpStream {
  /** Resolves once one echo came back (the path works), or rejects after timeoutMs. */
  firstEcho(timeoutMs: number): Promise<void>;
  /** Stops sending, waits drainMs for late echoes, closes the sockets and returns the record. */
  stop(): Promise<UdpRecord>;
  /** Resolves when the stream ends on its own (maxDurationMs) or after stop(). */
  readonly done: Promise<UdpRecord>;
}

export async function startUdpStream(o: UdpStreamOptions): Promise<UdpStream> {
  if (o.flows < 1 || o.flows > 256 || o.ratePps <= 0 || o.ratePps > 50_000) throw new RangeError('flows 1..256, rate 1..50000 pps');
  const cap = Math.min(MAX_UDP_PACKETS, Math.ceil((o.ratePps * o.maxDurationMs) / 1000) + o.flows);
  const family = o.target.includes(':') ? 'udp6' : 'udp4';
  const socks: Socket[] = [];
  const flow: number[] = [];
  const seq: number[] = [];
  const sentAtMs: number[] = [];
  const rttMs: number[] = [];
  const node: number[] = [];
  const nodes: string[] = [];
  const nodeIdx = new Map<string, number>();
  const flowSeqBase: number[][] = Array.from({ length: o.flows }, () => []);
  const lastEchoSeq = new Array<number>(o.flows).fill(-1);
  let duplicates = 0;
  let reordered = 0;
  let foreign = 0;
  let echoes = 0;
  let onEcho: (() => void) | undefined;
  for (let f = 0; f < o.flows; f++) {
    const s = createSocket({ type: family });
    s.on('message', (msg) => {
      const t = nowMs();
      if (msg.length < REQ_LEN + 1 || msg.readUInt32BE(0) !== MAGIC) return void foreign++;
      const fl = msg.readUInt16BE(4);
      const sq = msg.readUInt32BE(6);
      const i = flowSeqBase[fl]?.[sq];
      if (i === undefined) return void foreign++;
      if (rttMs[i]! > 0) return void duplicates++;
      const name = msg.toString('ascii', REQ_LEN + 1, REQ_LEN + 1 + msg[REQ_LEN]!);
      let n = nodeIdx.get(name);
      if (n === undefined) {
        n = nodes.length;
        nodes.push(name);
        nodeIdx.set(name, n);
      }
      rttMs[i] = Math.max(t - sentAtMs[i]!, 1e-3);
      node[i] = n;
      if (sq < lastEchoSeq[fl]!) reordered++;
      else lastEchoSeq[fl] = sq;
      echoes++;
      onEcho?.();
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ port: o.basePort === undefined ? 0 : o.basePort + f, ...(o.source === undefined ? {} : { address: o.source }) }, () => resolve());
    });
    socks.push(s);
  }
  const startedAtMs = nowMs();
  let sent = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let resolveDone!: (r: UdpRecord) => void;
  const done = new Promise<UdpRecord>((r) => (resolveDone = r));
  // Catch-up pacing: each tick sends what is due by now, so timer jitter changes batching, not rate.
  const tick = () => {
    const due = Math.min(cap, Math.floor(((nowMs() - startedAtMs) * o.ratePps) / 1000) + 1);
    for (; sent < due; sent++) {
      const f = sent % o.flows;
      const sq = flowSeqBase[f]!.length;
      flowSeqBase[f]!.push(sent);
      const t = nowMs();
      flow.push(f);
      seq.push(sq);
      sentAtMs.push(t);
      rttMs.push(0);
      node.push(-1);
      // A fresh buffer per packet: dgram sends asynchronously and reads the buffer later.
      const buf = Buffer.allocUnsafe(REQ_LEN);
      buf.writeUInt32BE(MAGIC, 0);
      buf.writeUInt16BE(f, 4);
      buf.writeUInt32BE(sq, 6);
      buf.writeDoubleBE(t, 10);
      socks[f]!.send(buf, o.port, o.target);
    }
    if (sent >= cap || nowMs() - startedAtMs >= o.maxDurationMs) void finish();
    else timer = setTimeout(tick, 1);
  };
  let finishing: Promise<UdpRecord> | undefined;
  const finish = (): Promise<UdpRecord> => {
    finishing ??= (async () => {
      stopped = true;
      clearTimeout(timer);
      const endedAtMs = nowMs();
      await new Promise((r) => setTimeout(r, o.drainMs ?? 500));
      await Promise.all(socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
      const rec: UdpRecord = { flows: o.flows, ratePps: o.ratePps, startedAtMs, endedAtMs, nodes, flow, seq, sentAtMs, rttMs, node, duplicates, reordered, foreign };
      resolveDone(rec);
      return rec;
    })();
    return finishing;
  };
  tick();
  return {
    done,
    stop: () => finish(),
    firstEcho: (timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        if (echoes > 0) return resolve();
        const t = setTimeout(() => reject(new Error(`no echo within ${timeoutMs} ms`)), timeoutMs);
        onEcho = () => {
          clearTimeout(t);
          onEcho = undefined;
          resolve();
        };
        if (stopped) reject(new Error('stream stopped'));
      }),
  };
}
