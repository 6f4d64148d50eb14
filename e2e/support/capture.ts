// Lab harness: tcpdump inside a namespace writing a pcap, and BGP messages pulled out of it (pcap.ts).
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology, LabProcess } from './netns.ts';
import { waitFor, LabError } from './exec.ts';
import { extractBgpFlows } from './pcap.ts';
import type { BgpFlow, BgpWireMessage } from './pcap.ts';

export interface CaptureOptions {
  /** pcap path (default <topology dir>/<ns>-<ifname>-<n>.pcap). */
  readonly file?: string;
  /** tcpdump filter (default 'tcp port 179'). */
  readonly filter?: string;
  /** TCP port the BGP flows use (default 179). */
  readonly port?: number;
}

let captureCount = 0;

/** A running tcpdump. `stop()` then `flows()` / `messages()`. */
export class Capture {
  readonly file: string;
  readonly ns: string;
  readonly ifname: string;
  private readonly proc: LabProcess;
  private readonly port: number;

  private constructor(file: string, ns: string, ifname: string, proc: LabProcess, port: number) {
    this.file = file;
    this.ns = ns;
    this.ifname = ifname;
    this.proc = proc;
    this.port = port;
  }

  /** Starts tcpdump on ns/ifname and resolves once it is listening. */
  static async start(topo: Topology, ns: string, ifname: string, opts: CaptureOptions = {}): Promise<Capture> {
    const file = opts.file ?? join(topo.dir, `${ns}-${ifname}-${++captureCount}.pcap`);
    const filter = opts.filter ?? `tcp port ${opts.port ?? 179}`;
    // -U: write each packet at once; -s 0: whole packets; -Z root: the pcap lives in a root-owned dir
    const proc = topo.spawnIn(ns, ['tcpdump', '-i', ifname, '-n', '-U', '-s', '0', '-Z', 'root', '--immediate-mode', '-w', file, filter], {
      logFile: `${file}.log`,
    });
    await waitFor(
      () => {
        if (!proc.isRunning()) throw new LabError('LAB_SPAWN_FAILED', `tcpdump exited: ${proc.readLog()}`);
        return /listening on/.test(proc.readLog());
      },
      { timeoutMs: 10_000, intervalMs: 20, what: 'tcpdump listening' },
    );
    return new Capture(file, ns, ifname, proc, opts.port ?? 179);
  }

  /** Stops tcpdump (SIGTERM flushes) and waits for it to exit. */
  async stop(): Promise<void> {
    await this.proc.stop(3000);
  }

  /** The pcap bytes written so far (whole records only are used by the parser). */
  bytes(): Buffer {
    return existsSync(this.file) ? readFileSync(this.file) : Buffer.alloc(0);
  }

  /** BGP flows (one per TCP direction and connection) in the capture so far. */
  flows(): BgpFlow[] {
    const b = this.bytes();
    return b.length < 24 ? [] : extractBgpFlows(b, this.port);
  }

  /** All BGP messages sent from `src` (address), in order; all directions when src is omitted. */
  messages(src?: string): BgpWireMessage[] {
    return this.flows()
      .filter((f) => !src || f.src === src)
      .flatMap((f) => f.messages)
      .sort((a, b) => a.tsUs - b.tsUs);
  }
}
