// A tiny program that runs vipd BGP Sessions (packages/bgp/src/session.ts) inside a network namespace
// for e2e/session-bird.test.ts: active sessions plus a Listener for the router's own connections (so
// real collisions happen), JSON lines on stdout for every state change, and on SIGTERM an admin
// shutdown with an RFC 9003 message before exiting. Usage: node session-probe.ts '<json spec>'.

import { Listener } from '../../packages/bgp/src/listener.ts';
import { Session } from '../../packages/bgp/src/session.ts';

interface ProbeSpec {
  readonly localAs: number;
  readonly routerId: string;
  readonly listenPort: number;
  readonly shutdownMessage: string;
  readonly peers: readonly {
    readonly address: string;
    readonly localAddress: string;
    readonly peerAs: number;
    readonly families: readonly { afi: number; safi: number }[];
    readonly passive?: boolean;
  }[];
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ProbeSpec;
const out = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ t: Date.now(), ...o })}\n`);

const listener = new Listener({ host: '::', port: spec.listenPort });
const sessions = spec.peers.map((p) => {
  const s = new Session({
    peerAddress: p.address,
    localAddress: p.localAddress,
    fsm: { localAs: spec.localAs, localBgpId: spec.routerId, peerAs: p.peerAs, holdTimeSec: 9, families: p.families, connectRetrySec: 1, passive: p.passive === true },
  });
  s.on('stateChange', (from, to) => out({ peer: s.peerAddress, event: 'state', from, to }));
  s.on('established', (i) =>
    out({
      peer: s.peerAddress, event: 'established', families: i.negotiated.families, fourOctetAs: i.negotiated.fourOctetAs,
      holdTimeSec: i.negotiated.holdTimeSec, localPort: i.localPort, remotePort: i.remotePort,
    }),
  );
  s.on('down', (d) => out({ peer: s.peerAddress, event: 'down', kind: d.kind, code: d.notification?.code, subcode: d.notification?.subcode }));
  listener.addSession(s);
  return s;
});

await listener.listen();
out({ event: 'listening' });
for (const s of sessions) s.start();
const keepAlive = setInterval(() => {}, 1000);

process.on('SIGTERM', () => {
  void Promise.all(sessions.map((s) => s.stop({ message: spec.shutdownMessage }))).then(async () => {
    out({ event: 'stopped' });
    clearInterval(keepAlive);
    await listener.close();
    process.exit(0);
  });
});
