// Passive side (RFC 4271 §8.2.1.1 "listen"): one TCP listener (default port 179, configurable for
// tests) that hands each accepted connection to the Session configured for the remote address. A
// connection from an address with no configured peer is refused with NOTIFICATION Cease / Connection
// Rejected (6/5, RFC 4486 §4) and closed. Collisions are resolved by the Session (fsm/collision.ts).

import net from 'node:net';
import { noopLogger, type Logger } from './observe.ts';
import { rejectConnection } from './reject-connection.ts';
import { normalizeAddress, type Session } from './session.ts';

export interface ListenerOptions {
  readonly host?: string;
  /** Default 179. */
  readonly port?: number;
  readonly logger?: Logger;
  /** Hook for options Node cannot set (TCP_MD5SIG keys on the listening socket): issue 8's addon. */
  readonly configureServer?: (server: net.Server) => void;
}

export class ListenerError extends Error {
  readonly code: 'ERR_BGP_LISTENER';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenerError';
    this.code = 'ERR_BGP_LISTENER';
  }
}

export class Listener {
  private readonly server: net.Server;
  private readonly sessions = new Map<string, Session>();
  private readonly opts: ListenerOptions;
  private readonly log: Logger;
  /** Connections refused because no peer is configured for their address. */
  rejectedCount = 0;

  constructor(opts: ListenerOptions = {}) {
    this.opts = opts;
    this.log = (opts.logger ?? noopLogger).child({ component: 'listener' });
    this.server = net.createServer({ noDelay: true }, (socket) => this.onConnection(socket));
    this.server.on('error', (err) => this.log.error({ err }, 'listener error'));
  }

  addSession(session: Session): void {
    this.sessions.set(session.peerAddress, session);
  }

  removeSession(session: Session): void {
    if (this.sessions.get(session.peerAddress) === session) this.sessions.delete(session.peerAddress);
  }

  listen(): Promise<void> {
    this.opts.configureServer?.(this.server);
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(new ListenerError(`cannot listen on ${this.opts.host ?? '*'}:${this.opts.port ?? 179}`, { cause: err }));
      this.server.once('error', onError);
      this.server.listen({ host: this.opts.host, port: this.opts.port ?? 179 }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  address(): net.AddressInfo | undefined {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a : undefined;
  }

  /**
   * Stops accepting. Connections already handed to sessions are theirs and close with them (Node's
   * close callback would wait for them, so this does not).
   */
  close(): Promise<void> {
    if (this.server.listening) this.server.close();
    return Promise.resolve();
  }

  private onConnection(socket: net.Socket): void {
    const remote = normalizeAddress(socket.remoteAddress);
    const session = this.sessions.get(remote);
    if (session === undefined) {
      this.rejectedCount++;
      this.log.info({ remote }, 'connection from an unconfigured address: Cease 6/5');
      rejectConnection(socket);
      return;
    }
    session.acceptIncoming(socket);
  }
}
