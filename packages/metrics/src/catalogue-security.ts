// Session security and failure detection metrics (issue 8): BFD session state and transitions per peer
// (RFC 5880 §4.1 state codes), connect timeouts (with / without TCP-MD5 configured) and the
// "TCP-MD5 key mismatch likely" diagnosis, and the health of the BFD process (restarts, watchdog trips) — MD5 failures are silent, so these are the only signal.
// Label values come from closed sets: `to` is a BFD state name, `auth` is "md5" / "none".

import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from './factories.ts';

export const BFD_STATE_CODES = { AdminDown: 0, Down: 1, Init: 2, Up: 3 } as const;
export type BfdStateLabel = keyof typeof BFD_STATE_CODES;

export interface SecurityMetrics {
  readonly bfdSessionState: Gauge<'peer'>;
  readonly bfdSessionUp: Gauge<'peer'>;
  readonly bfdTransitions: Counter<'peer' | 'to'>;
  readonly bfdProcessRestarts: Counter<never>;
  readonly bfdWatchdogTrips: Counter<never>;
  readonly connectTimeouts: Counter<'peer' | 'auth'>;
  readonly md5MismatchSuspected: Gauge<'peer'>;
}

export function createSecurityMetrics(r: Registry): SecurityMetrics {
  return {
    bfdSessionState: gauge(r, 'vipd_bfd_session_state', 'BFD session state per peer (RFC 5880 codes: 0 AdminDown, 1 Down, 2 Init, 3 Up).', ['peer']),
    bfdSessionUp: gauge(r, 'vipd_bfd_session_up', '1 when the BFD session with the peer is Up.', ['peer']),
    bfdTransitions: counter(r, 'vipd_bfd_transitions_total', 'BFD state changes per peer by new state; a Down after Up closed the BGP session (Cease 6/10).', ['peer', 'to']),
    bfdProcessRestarts: counter(r, 'vipd_bfd_process_restarts_total', 'Times the BFD process died and was started again (its sessions were reported Down meanwhile).', []),
    bfdWatchdogTrips: counter(r, 'vipd_bfd_watchdog_trips_total', 'Times the BFD process stopped transmitting because the daemon did not answer within the watchdog time.', []),
    connectTimeouts: counter(r, 'vipd_bgp_connect_timeouts_total', 'Outgoing TCP connects that got no answer within the connect-retry time; auth="md5" when TCP-MD5 is configured for the peer, else "none".', ['peer', 'auth']),
    md5MismatchSuspected: gauge(r, 'vipd_bgp_md5_mismatch_suspected', '1 while connects to a peer with TCP-MD5 time out and no session came up since: a likely key mismatch.', ['peer']),
  };
}

/** The SecurityObserver the standalone session layer reports to (plain strings in, closed label sets out). */
export function createSecurityRecorder(m: SecurityMetrics): {
  connectTimeout(peer: string, md5: boolean): void;
  diagnosis(peer: string, d: string | null): void;
  bfdState(peer: string, state: string): void;
  bfdTransition(peer: string, to: string): void;
  bfdProcessRestart(): void;
  bfdWatchdogTrip(): void;
} {
  const isState = (s: string): s is BfdStateLabel => Object.hasOwn(BFD_STATE_CODES, s);
  return {
    connectTimeout: (peer, md5) => m.connectTimeouts.inc({ peer, auth: md5 ? 'md5' : 'none' }),
    diagnosis: (peer, d) => m.md5MismatchSuspected.set({ peer }, d === 'md5-key-mismatch-likely' ? 1 : 0),
    bfdState: (peer, state) => {
      if (!isState(state)) return;
      m.bfdSessionState.set({ peer }, BFD_STATE_CODES[state]);
      m.bfdSessionUp.set({ peer }, state === 'Up' ? 1 : 0);
    },
    bfdTransition: (peer, to) => {
      if (isState(to)) m.bfdTransitions.inc({ peer, to });
    },
    bfdProcessRestart: () => m.bfdProcessRestarts.inc(),
    bfdWatchdogTrip: () => m.bfdWatchdogTrips.inc(),
  };
}
