// The small interfaces through which the BGP engine logs and counts. The engine never imports pino or
// prom-client: the daemon passes adapters (packages/metrics) in; tests pass the no-op or recording ones.

/** A pino-compatible subset: data object first, message second; errors under `err`. */
export interface Logger {
  trace(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export type PeerStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';
export type MessageTypeName = 'open' | 'update' | 'notification' | 'keepalive' | 'route-refresh';
export type FamilyName = 'ipv4-unicast' | 'ipv6-unicast';

/**
 * What the engine reports. Every method is cheap and synchronous; `peer` is the peer's IP address.
 * Implementations must not throw.
 */
export interface BgpMetrics {
  sessionState(peer: string, state: PeerStateName): void;
  sessionEstablished(peer: string): void;
  messageSent(peer: string, type: MessageTypeName, count?: number): void;
  messageReceived(peer: string, type: MessageTypeName): void;
  notificationSent(peer: string, code: number, subcode: number): void;
  notificationReceived(peer: string, code: number, subcode: number): void;
  prefixesAdvertised(peer: string, family: FamilyName, count: number): void;
  prefixesWithdrawn(peer: string, family: FamilyName, count: number): void;
  /** Point-in-time: prefixes desired but not yet written to this peer. */
  prefixesPending(peer: string, family: FamilyName, count: number): void;
  prefixesReceived(peer: string, family: FamilyName, count: number): void;
  updateQueueDepth(peer: string, depth: number): void;
  /** How late a keepalive was sent against its schedule, in seconds. */
  keepaliveLateness(peer: string, seconds: number): void;
}

export const noopLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return noopLogger;
  },
};

export const noopMetrics: BgpMetrics = {
  sessionState() {},
  sessionEstablished() {},
  messageSent() {},
  messageReceived() {},
  notificationSent() {},
  notificationReceived() {},
  prefixesAdvertised() {},
  prefixesWithdrawn() {},
  prefixesPending() {},
  prefixesReceived() {},
  updateQueueDepth() {},
  keepaliveLateness() {},
};
