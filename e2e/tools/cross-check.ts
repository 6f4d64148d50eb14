// RFC 7606 cross-check against real routers: ExaBGP sends UPDATEs carrying one malformed (or unusual)
// raw attribute each to FRR and to BIRD; we record what each router did — treat-as-withdraw, update
// applied (attribute discarded or kept), update ignored, or session reset — from its own view, its log
// and the capture, with the exact bytes that went on the wire. Output:
// packages/bgp/test/fixtures/cross-check/<case>.json. Run as root: node e2e/tools/cross-check.ts
import { mkdirSync, writeFileSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Topology } from '../support/netns.ts';
import { Capture } from '../support/capture.ts';
import { waitFor, sleep } from '../support/exec.ts';
import { BirdRouter } from '../support/routers/bird.ts';
import { FrrRouter } from '../support/routers/frr.ts';
import { ExabgpRouter, routeText } from '../support/routers/exabgp.ts';
import { CROSS_CASES, EXA_AS } from './cross-check-cases.ts';
import type { CrossCase } from './cross-check-cases.ts';
import type { RouteView } from '../support/routers/types.ts';

const REPO = resolve(import.meta.dirname, '../..');
const outArg = process.argv.indexOf('--out');
const OUT = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(REPO, 'packages/bgp/test/fixtures/cross-check');
const onlyArg = process.argv.indexOf('--only');
const ONLY = onlyArg > 0 ? process.argv[onlyArg + 1] : undefined;

type Outcome = 'session-reset' | 'treat-as-withdraw' | 'update-applied' | 'update-ignored' | 'not-sent';

/** Whether an UPDATE (whole message, hex) carries exactly this attribute (flags compared without ext-len). */
export function carriesAttribute(updateHex: string, a: { code: number; flags: number; hex: string }): boolean {
  const b = Buffer.from(updateHex, 'hex');
  const wlen = b.readUInt16BE(19);
  const alen = b.readUInt16BE(21 + wlen);
  let o = 23 + wlen;
  const end = o + alen;
  while (o + 3 <= end) {
    const flags = b[o];
    const code = b[o + 1];
    const ext = (flags & 0x10) !== 0;
    const len = ext ? b.readUInt16BE(o + 2) : b[o + 2];
    const v = b.subarray(o + (ext ? 4 : 3), o + (ext ? 4 : 3) + len);
    if (code === a.code && (flags & ~0x10) === (a.flags & ~0x10) && v.toString('hex') === a.hex) return true;
    o += (ext ? 4 : 3) + len;
  }
  return false;
}

interface Target {
  readonly name: 'frr' | 'bird';
  readonly router: FrrRouter | BirdRouter;
  readonly peer: string; // the router's address (ExaBGP's neighbor)
  readonly exaAddr: string;
  readonly cap: Capture;
  readonly logFile: string;
}

function logSize(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}

function logSince(f: string, offset: number): string[] {
  const size = logSize(f);
  if (size <= offset) return [];
  const fd = openSync(f, 'r');
  const buf = Buffer.alloc(size - offset);
  readSync(fd, buf, 0, buf.length, offset);
  closeSync(fd);
  return buf
    .toString('utf8')
    .split('\n')
    .filter((l) => /attr|withdraw|malform|error|notif|discard|invalid|origin|path|communit|aggreg|flag|length|unknown|originator|local.?pref|next.?hop/i.test(l))
    .filter((l) => !/keepalive|KEEPALIVE/.test(l))
    .slice(0, 12)
    .map((l) => l.slice(0, 300));
}

function exaDowns(exa: ExabgpRouter, peer: string): number {
  return exa.messages().filter((m) => m.type === 'state' && m.neighbor?.state === 'down' && m.neighbor.address?.peer === peer).length;
}

function nlriHex(prefix: string): string {
  const [a] = prefix.split('/');
  return '20' + a.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join('');
}

async function rawView(t: Target, prefix: string): Promise<unknown> {
  if (t.router instanceof FrrRouter) return t.router.vtyshJson(`show bgp ipv4 unicast ${prefix} json`).catch(() => null);
  return (await t.router.birdc(['show', 'route', 'all', 'for', prefix]).catch(() => '')).split('\n').filter(Boolean);
}

async function classify(t: Target, exa: ExabgpRouter, prefix: string, downsBefore: number): Promise<{ outcome: Outcome; route?: RouteView }> {
  const deadline = Date.now() + 5000;
  for (let i = 0; i < 100 && Date.now() < deadline; i++) {
    const peers = await t.router.peers().catch(() => []);
    const up = peers.some((p) => p.state === 'Established');
    if (exaDowns(exa, t.peer) > downsBefore || !up) return { outcome: 'session-reset' };
    const r = (await t.router.routes('ipv4').catch(() => [])).find((x) => x.prefix === prefix);
    if (!r) return { outcome: 'treat-as-withdraw' };
    if (r.med === 2 || r.communities.includes(`${EXA_AS}:2`)) return { outcome: 'update-applied', route: r };
    await sleep(100);
  }
  const r = (await t.router.routes('ipv4')).find((x) => x.prefix === prefix);
  return { outcome: 'update-ignored', route: r };
}

async function runCase(c: CrossCase, i: number, exa: ExabgpRouter, targets: Target[]): Promise<Record<string, unknown>> {
  const prefix = `198.18.${i + 1}.1/32`;
  for (const t of targets) await exa.announce({ prefix, communities: [`${EXA_AS}:1`] }, t.peer);
  await Promise.all(targets.map((t) => t.router.waitForPrefix(prefix, true, 15_000)));
  const before = targets.map((t) => ({ downs: exaDowns(exa, t.peer), log: logSize(t.logFile) }));
  const malformed = { prefix, communities: [`${EXA_AS}:2`], med: 2, raw: [c.attribute] };
  const nlri = nlriHex(prefix);
  const updatesTo = (t: Target) =>
    t.cap.messages(t.exaAddr).filter((m) => m.type === 2 && m.bytes.toString('hex').endsWith(nlri) && m.bytes.readUInt16BE(19) === 0);
  const sentTo = new Map<string, string | undefined>();
  for (const t of targets) await exa.announce(malformed, t.peer);
  for (const t of targets) {
    // ExaBGP occasionally drops an API command while another session flaps: send it once more
    let sent: string | undefined;
    for (let attempt = 0; attempt < 2 && !sent; attempt++) {
      if (attempt > 0) await exa.announce(malformed, t.peer);
      sent = await waitFor(() => (updatesTo(t).length >= 2 ? updatesTo(t).pop()!.bytes.toString('hex') : undefined), {
        timeoutMs: 4000,
        what: `malformed UPDATE to ${t.name} in the capture`,
      }).catch(() => undefined);
    }
    sentTo.set(t.name, sent);
  }
  const results: Record<string, unknown> = {};
  for (const [k, t] of targets.entries()) {
    const { outcome, route } = await classify(t, exa, prefix, before[k].downs);
    await sleep(300); // let the router finish logging
    const sent = sentTo.get(t.name);
    const notif = t.cap.messages(t.peer).filter((m) => m.type === 3).pop();
    // ExaBGP replaces some raw attributes with its own (NEXT_HOP) or strips them (LOCAL_PREF to eBGP)
    const wasSent = sent !== undefined && carriesAttribute(sent, c.attribute);
    results[t.name] = {
      outcome: wasSent ? outcome : 'not-sent',
      sentHex: sent,
      notificationSentByRouter: outcome === 'session-reset' && notif ? { code: notif.bytes[19], subcode: notif.bytes[20], hex: notif.bytes.toString('hex') } : undefined,
      routeAfter: route,
      routerView: outcome === 'session-reset' ? undefined : await rawView(t, prefix),
      log: logSince(t.logFile, before[k].log),
    };
  }
  for (const t of targets) await exa.withdraw(prefix, t.peer);
  for (const t of targets) {
    await t.router.waitEstablished(undefined, 30_000);
    await t.router.waitForPrefix(prefix, false, 15_000);
  }
  return results;
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const topo = await Topology.create('vl-xc-');
  try {
    const nx = await topo.addNamespace('exa');
    const nf = await topo.addNamespace('frr');
    const nb = await topo.addNamespace('bird');
    const l1 = await topo.addLink(nx, nf, { v4: '10.101.1.0/30' });
    const l2 = await topo.addLink(nx, nb, { v4: '10.101.2.0/30' });
    const cap1 = await Capture.start(topo, nx, l1.a.ifname);
    const cap2 = await Capture.start(topo, nx, l2.a.ifname);
    const exa = new ExabgpRouter(topo, {
      ns: nx, routerId: '192.0.2.100', localAs: EXA_AS,
      neighbors: [
        { address: l1.b.v4!, localAddress: l1.a.v4!, remoteAs: 65101, passive: true },
        { address: l2.b.v4!, localAddress: l2.a.v4!, remoteAs: 65102, passive: true },
      ],
    });
    const frr = new FrrRouter(topo, { ns: nf, routerId: '192.0.2.101', localAs: 65101, neighbors: [{ address: l1.a.v4!, remoteAs: EXA_AS }] });
    const bird = new BirdRouter(topo, { ns: nb, routerId: '192.0.2.102', localAs: 65102, neighbors: [{ address: l2.a.v4!, remoteAs: EXA_AS }] });
    await Promise.all([exa.start(), frr.start(), bird.start()]);
    await Promise.all([frr.waitEstablished(), bird.waitEstablished()]);
    const versions = { exabgp: await exa.version(), frr: await frr.version(), bird: await bird.version() };
    const targets: Target[] = [
      { name: 'frr', router: frr, peer: l1.b.v4!, exaAddr: l1.a.v4!, cap: cap1, logFile: join(frr.dir, 'bgpd.log') },
      { name: 'bird', router: bird, peer: l2.b.v4!, exaAddr: l2.a.v4!, cap: cap2, logFile: join(bird.dir, 'bird.log') },
    ];
    for (const [i, c] of CROSS_CASES.entries()) {
      if (ONLY && c.name !== ONLY) continue;
      const results = await runCase(c, i, exa, targets);
      const doc = {
        case: c.name,
        attribute: { code: c.attribute.code, flags: c.attribute.flags, hex: c.attribute.hex },
        rfc7606: c.rfc7606,
        clause: c.clause,
        exabgpRoute: routeText({ prefix: `198.18.${i + 1}.1/32`, communities: [`${EXA_AS}:2`], med: 2, raw: [c.attribute] }),
        session: `eBGP IPv4, ExaBGP AS ${EXA_AS} → FRR AS 65101 / BIRD AS 65102, 4-octet AS negotiated`,
        versions,
        method:
          'baseline UPDATE (community 65100:1) accepted first; then the same prefix re-announced with community 65100:2, MED 2 and the raw attribute; outcome read from the router’s own view within 5 s',
        routers: results,
      };
      writeFileSync(join(OUT, `${c.name}.json`), JSON.stringify(doc, null, 2) + '\n');
      const summary = Object.entries(results).map(([k, v]) => `${k}=${(v as { outcome: string }).outcome}`).join(' ');
      console.log(`${c.name}: expected ${c.rfc7606}; ${summary}`);
    }
  } finally {
    await topo.destroy();
  }
}

await main();
