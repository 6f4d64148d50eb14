// `bindToLoopback`: adds VIPs to the `lo` interface as /32 or /128 (`ip addr add`, needs CAP_NET_ADMIN)
// so this host accepts traffic the routers send it for them, and removes exactly the addresses it added
// when they are no longer wanted (reload, or a route withdrawn with `bindToLoopback: announced`) and on
// exit. An address that was already on `lo` is left alone (not ours to remove).

import { execFile } from 'node:child_process';
import type { Logger } from '@vipd/bgp/observe.ts';

export class LoopbackError extends Error {
  readonly code = 'ERR_LOOPBACK' as const;
  constructor(message: string) {
    super(message);
    this.name = 'LoopbackError';
  }
}

type IpRunner = (args: readonly string[]) => Promise<{ ok: boolean; stderr: string }>;

const realIp: IpRunner = (args) =>
  new Promise((resolve) => {
    execFile('ip', [...args], { timeout: 5000 }, (err, _stdout, stderr) => resolve({ ok: err === null, stderr: String(stderr) }));
  });

export class LoopbackBinder {
  private readonly log: Logger;
  private readonly ip: IpRunner;
  private readonly device: string;
  /** Prefixes this process added (and so removes). */
  private readonly added = new Set<string>();
  /** Wanted prefixes that were already on the device (left alone, not retried). */
  private readonly foreign = new Set<string>();

  constructor(log: Logger, opts: { ip?: IpRunner; device?: string } = {}) {
    this.log = log;
    this.ip = opts.ip ?? realIp;
    this.device = opts.device ?? 'lo';
  }

  bound(): readonly string[] {
    return [...this.added];
  }

  /** Makes `lo` hold exactly `prefixes` among the addresses this process manages. */
  async sync(prefixes: readonly string[]): Promise<void> {
    const want = new Set(prefixes);
    for (const p of [...this.added]) if (!want.has(p)) await this.remove(p);
    for (const p of [...this.foreign]) if (!want.has(p)) this.foreign.delete(p);
    for (const p of want) {
      if (this.added.has(p) || this.foreign.has(p)) continue;
      const r = await this.ip([familyFlag(p), 'addr', 'add', p, 'dev', this.device]);
      if (r.ok) {
        this.added.add(p);
        this.log.info({ prefix: p, device: this.device }, 'VIP bound to loopback');
      } else if (/exists/i.test(r.stderr)) {
        this.foreign.add(p);
        this.log.info({ prefix: p, device: this.device }, 'VIP already on loopback; leaving it as found');
      } else {
        throw new LoopbackError(`cannot add ${p} to ${this.device}: ${r.stderr.trim() || 'ip failed'} (needs CAP_NET_ADMIN)`);
      }
    }
  }

  /** Removes every address this process added (exit path; never throws). */
  async release(): Promise<void> {
    for (const p of [...this.added]) await this.remove(p);
  }

  private async remove(p: string): Promise<void> {
    const r = await this.ip([familyFlag(p), 'addr', 'del', p, 'dev', this.device]);
    this.added.delete(p);
    if (r.ok) this.log.info({ prefix: p, device: this.device }, 'VIP removed from loopback');
    else this.log.warn({ prefix: p, device: this.device, stderr: r.stderr.trim() }, 'could not remove VIP from loopback');
  }
}

function familyFlag(prefix: string): string {
  return prefix.includes(':') ? '-6' : '-4';
}
