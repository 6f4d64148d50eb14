// A scripted BGP peer for session tests: plain TCP plus hand-written message bytes. It frames what it
// receives (wire/framer.ts) so tests can wait for "the next NOTIFICATION" and check its bytes, and it can
// stop reading to make the session's socket back up (send-hold tests). Also a recording BgpMetrics.

import net from 'node:net';
import { Framer, type Frame } from '../../src/wire/framer.ts';
import type { BgpMetrics } from '../../src/observe.ts';

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A whole message: 16 × ff marker, 2-byte length, type, body. */
export function message(type: number, body: Uint8Array | string): Uint8Array {
  const b = typeof body === 'string' ? hex(body) : body;
  const out = new Uint8Array(19 + b.length);
  out.fill(0xff, 0, 16);
  out[16] = (out.length >>> 8) & 0xff;
  out[17] = out.length & 0xff;
  out[18] = type;
  out.set(b, 19);
  return out;
}

const h16 = (v: number) => v.toString(16).padStart(4, '0');
const ipHex = (ip: string) => ip.split('.').map((p) => Number(p).toString(16).padStart(2, '0')).join('');

/** OPEN body: version 4, My AS, hold time, BGP id, then one capabilities parameter holding `capsHex`. */
export function openMessage(o: { as: number; hold: number; id: string; capsHex?: string; version?: number }): Uint8Array {
  const caps = (o.capsHex ?? '').replace(/\s+/g, '');
  const params = caps.length === 0 ? '00' : `${(caps.length / 2 + 2).toString(16).padStart(2, '0')}02${(caps.length / 2).toString(16).padStart(2, '0')}${caps}`;
  return message(1, `${(o.version ?? 4).toString(16).padStart(2, '0')}${h16(o.as)}${h16(o.hold)}${ipHex(o.id)}${params}`);
}

export const KEEPALIVE = message(4, '');

export class RawConn {
  readonly socket: net.Socket;
  readonly frames: Frame[] = [];
  private readonly framer = new Framer({ extendedMessage: true });
  private consumed = 0;
  closed = false;
  bytesReceived = 0;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      this.framer.push(Uint8Array.from(chunk));
      for (let f = this.framer.next(); f !== undefined; f = this.framer.next()) this.frames.push(f);
    });
    socket.on('error', () => {});
    socket.on('close', () => { this.closed = true; });
  }

  send(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** The next not yet consumed frame (optionally skipping KEEPALIVEs), within `timeoutMs`. */
  async next(opts: { skipKeepalives?: boolean; timeoutMs?: number } = {}): Promise<Frame> {
    const deadline = Date.now() + (opts.timeoutMs ?? 3000);
    for (;;) {
      while (this.consumed < this.frames.length) {
        const f = this.frames[this.consumed++]!;
        if (opts.skipKeepalives === true && f.type === 4) continue;
        return f;
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async waitClosed(timeoutMs = 3000): Promise<void> {
    await waitFor(() => this.closed, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export async function waitFor(pred: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A TCP server that collects accepted connections as RawConns. */
export class RawServer {
  readonly conns: RawConn[] = [];
  private readonly server: net.Server;

  private constructor(server: net.Server) {
    this.server = server;
    server.on('connection', (s) => this.conns.push(new RawConn(s)));
  }

  static listen(host: string, port: number): Promise<RawServer> {
    const server = net.createServer();
    const rs = new RawServer(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => resolve(rs));
    });
  }

  async accept(index = 0, timeoutMs = 3000): Promise<RawConn> {
    await waitFor(() => this.conns.length > index, timeoutMs, 'a connection');
    return this.conns[index]!;
  }

  close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export function rawConnect(host: string, port: number, localAddress?: string): Promise<RawConn> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, ...(localAddress !== undefined ? { localAddress } : {}) });
    s.once('error', reject);
    s.once('connect', () => resolve(new RawConn(s)));
  });
}

export class RecordingMetrics implements BgpMetrics {
  readonly received: Record<string, number> = {};
  readonly sent: Record<string, number> = {};
  readonly notificationsSent: string[] = [];
  readonly notificationsReceived: string[] = [];
  readonly states: string[] = [];
  readonly lateness: number[] = [];
  readonly prefixes: Record<string, number> = {};
  sessionState(_p: string, s: string) { this.states.push(s); }
  sessionEstablished() {}
  messageSent(_p: string, t: string, n = 1) { this.sent[t] = (this.sent[t] ?? 0) + n; }
  messageReceived(_p: string, t: string) { this.received[t] = (this.received[t] ?? 0) + 1; }
  notificationSent(_p: string, c: number, s: number) { this.notificationsSent.push(`${c}/${s}`); }
  notificationReceived(_p: string, c: number, s: number) { this.notificationsReceived.push(`${c}/${s}`); }
  prefixesAdvertised() {}
  prefixesWithdrawn() {}
  prefixesPending() {}
  prefixesReceived(_p: string, f: string, n: number) { this.prefixes[f] = n; }
  updateQueueDepth() {}
  keepaliveLateness(_p: string, s: number) { this.lateness.push(s); }
}
