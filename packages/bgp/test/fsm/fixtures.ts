// Shared fixtures for the FSM tests: a configuration, a valid peer OPEN, one sample of every event,
// states in each of the six FSM states, and a compact rendering of action lists for table rows.

import { resolveFsmConfig, initialFsmState, type FsmAction, type FsmConfig, type FsmEvent, type FsmEventType, type FsmState } from '../../src/fsm/types.ts';
import { negotiate } from '../../src/fsm/negotiate.ts';
import type { OpenMessage } from '../../src/wire/types.ts';

export const cfg: FsmConfig = resolveFsmConfig({
  localAs: 65000,
  localBgpId: '10.0.0.1',
  peerAs: 65001,
  families: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }],
});

export function peerOpen(over: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: 'open',
    version: 4,
    myAs: 65001,
    holdTimeSec: 90,
    bgpId: '10.0.0.2',
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'route-refresh' },
      { kind: 'four-octet-as', asn: 65001 },
    ],
    otherParams: [],
    ...over,
  };
}

const E = new Uint8Array(0);
const n = (code: number, subcode: number) => ({ code, subcode, data: E });

/** One sample of every event; the Record type makes a missing event a compile error. */
export const sampleEvents: Readonly<Record<FsmEventType, FsmEvent>> = {
  ManualStart: { type: 'ManualStart' },
  AutomaticStart: { type: 'AutomaticStart' },
  ManualStart_with_PassiveTcpEstablishment: { type: 'ManualStart_with_PassiveTcpEstablishment' },
  AutomaticStart_with_PassiveTcpEstablishment: { type: 'AutomaticStart_with_PassiveTcpEstablishment' },
  ManualStop: { type: 'ManualStop' },
  AutomaticStop: { type: 'AutomaticStop', notification: n(6, 1) },
  ConnectRetryTimer_Expires: { type: 'ConnectRetryTimer_Expires' },
  HoldTimer_Expires: { type: 'HoldTimer_Expires' },
  KeepaliveTimer_Expires: { type: 'KeepaliveTimer_Expires' },
  IdleHoldTimer_Expires: { type: 'IdleHoldTimer_Expires' },
  SendHoldTimer_Expires: { type: 'SendHoldTimer_Expires' },
  StableTimer_Expires: { type: 'StableTimer_Expires' },
  Tcp_CR_Acked: { type: 'Tcp_CR_Acked' },
  TcpConnectionConfirmed: { type: 'TcpConnectionConfirmed' },
  TcpConnectionFails: { type: 'TcpConnectionFails' },
  BGPOpen: { type: 'BGPOpen', open: peerOpen() },
  BGPHeaderErr: { type: 'BGPHeaderErr', notification: n(1, 2) },
  BGPOpenMsgErr: { type: 'BGPOpenMsgErr', notification: n(2, 2) },
  OpenCollisionDump: { type: 'OpenCollisionDump' },
  NotifMsgVerErr: { type: 'NotifMsgVerErr', notification: n(2, 1) },
  NotifMsg: { type: 'NotifMsg', notification: n(6, 4) },
  KeepAliveMsg: { type: 'KeepAliveMsg' },
  UpdateMsg: { type: 'UpdateMsg' },
  UpdateMsgErr: { type: 'UpdateMsgErr', notification: n(3, 1) },
  RouteRefresh: { type: 'RouteRefresh' },
};

export const allEventTypes = Object.keys(sampleEvents) as FsmEventType[];

const negotiated = negotiate(cfg, peerOpen(), false);
const base = initialFsmState(42);

export const statesByName: Readonly<Record<FsmState['name'], FsmState>> = {
  Idle: base,
  Connect: { ...base, name: 'Connect' },
  Active: { ...base, name: 'Active' },
  OpenSent: { ...base, name: 'OpenSent' },
  OpenConfirm: { ...base, name: 'OpenConfirm', negotiated },
  Established: { ...base, name: 'Established', negotiated },
};

/** Compact action rendering for tables: "notify:4/0", "start:hold", "stop-all", "open", ... */
export function render(actions: readonly FsmAction[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case 'start-timer': return `start:${a.timer}`;
      case 'stop-timer': return `stop:${a.timer}`;
      case 'stop-all-timers': return 'stop-all';
      case 'send-open': return a.minimal ? 'open-minimal' : 'open';
      case 'send-keepalive': return 'keepalive';
      case 'send-notification': return `notify:${a.notification.code}/${a.notification.subcode}`;
      default: return a.type;
    }
  });
}
