/**
 * Connection bookkeeping for the HTTPS server (docs/deployment.md, "Connections before identity").
 * Connections still in the TLS handshake and authenticated connections have separate caps, so sockets
 * that never present a certificate cannot take the places of real clients, and idle connections held
 * by any certificate holder cannot lock others out.
 *
 * - Pending: from accept until the handshake completes, at most `maxPendingHandshakes`; when a new
 *   connection arrives and the cap is full, the oldest pending one is dropped. (The deadline for the
 *   handshake is Node's `handshakeTimeout`, set in server.ts; its expiry is reported here.)
 * - Authenticated: at most `maxConnections`. A connection is idle while no request is in flight on it,
 *   and is closed after `keepAliveTimeoutMs` idle, also when it never sent a request (Node's keep-alive
 *   timer starts only after a response). When the cap is full and a handshake completes, the connection
 *   idle the longest is closed to make room; if none is idle, the new connection is closed.
 *
 * There is deliberately no cap per source address: behind a load balancer every connection comes from
 * the same few addresses (docs/deployment.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type https from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';

export type DropReason = 'handshake_timeout' | 'pending_evicted' | 'idle_evicted' | 'refused_full';

export interface ConnectionDrop {
  readonly reason: DropReason;
  /** Remote address of the peer. */
  readonly peer: string | undefined;
  /** Milliseconds since accept (before identity) or since the handshake completed (after it). */
  readonly ageMs: number;
}

export interface GuardLimits {
  readonly maxPendingHandshakes: number;
  readonly maxConnections: number;
  readonly keepAliveTimeoutMs: number;
}

/**
 * The error a pending socket is destroyed with. Node passes it on as a `tlsClientError`, where
 * claims() recognises it: a dropped connection is not a refused certificate.
 */
class ConnectionDropped extends Error {}

interface Pending {
  readonly socket: Socket;
  readonly peer: string | undefined;
  readonly since: number;
}

interface Authenticated {
  readonly socket: TLSSocket;
  readonly since: number;
  inFlight: number;
  idleTimer: NodeJS.Timeout | undefined;
}

/** The TCP connection's addresses: the same on the raw socket at accept and on its TLS socket later. */
function connectionKey(s: Socket): string | undefined {
  return s.remoteAddress === undefined ? undefined : `${s.localAddress}|${s.localPort}|${s.remoteAddress}|${s.remotePort}`;
}

export class ConnectionGuard {
  /** In accept order: the first is the oldest. */
  private readonly pending = new Map<string, Pending>();
  private readonly authenticated = new Map<TLSSocket, Authenticated>();
  /** Authenticated connections with no request in flight, in the order they became idle: the first has idled longest. */
  private readonly idle = new Set<Authenticated>();
  private closing = false;
  private unnamed = 0;

  constructor(
    server: https.Server,
    private readonly limits: GuardLimits,
    private readonly onDrop: (drop: ConnectionDrop) => void,
  ) {
    server.on('connection', (socket: Socket) => this.accepted(socket));
    server.on('secureConnection', (socket: TLSSocket) => this.secured(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.requestStarted(req, res));
  }

  /**
   * True when a `tlsClientError` is the guard's business (a drop of its own, or the handshake deadline,
   * which it reports), so the caller does not report it as a refused certificate.
   */
  claims(err: NodeJS.ErrnoException, socket: TLSSocket): boolean {
    if (err instanceof ConnectionDropped) return true;
    if (err.code !== 'ERR_TLS_HANDSHAKE_TIMEOUT') return false;
    const key = connectionKey(socket);
    const entry = key === undefined ? undefined : this.pending.get(key);
    this.onDrop({ reason: 'handshake_timeout', peer: socket.remoteAddress, ageMs: entry ? performance.now() - entry.since : 0 });
    return true;
  }

  /**
   * For a graceful shutdown: closes every connection still in the handshake and every idle
   * authenticated one now, and each busy one as soon as its last response is done.
   */
  shutdown(): void {
    this.closing = true;
    for (const p of this.pending.values()) p.socket.destroy(new ConnectionDropped('shutdown'));
    this.pending.clear();
    for (const c of [...this.idle]) c.socket.destroy();
  }

  private accepted(socket: Socket): void {
    const now = performance.now();
    for (const [key, oldest] of this.pending) {
      if (this.pending.size < this.limits.maxPendingHandshakes) break;
      this.pending.delete(key);
      oldest.socket.destroy(new ConnectionDropped('pending_evicted'));
      this.onDrop({ reason: 'pending_evicted', peer: oldest.peer, ageMs: now - oldest.since });
    }
    // a peer gone before we could ask for its address still takes a place until it closes
    const key = connectionKey(socket) ?? `unnamed ${++this.unnamed}`;
    const entry: Pending = { socket, peer: socket.remoteAddress, since: now };
    this.pending.set(key, entry);
    socket.once('close', () => {
      if (this.pending.get(key) === entry) this.pending.delete(key);
    });
  }

  private secured(socket: TLSSocket): void {
    const key = connectionKey(socket);
    if (key !== undefined) this.pending.delete(key);
    const now = performance.now();
    if (this.authenticated.size >= this.limits.maxConnections) {
      const victim = this.idle.values().next().value as Authenticated | undefined;
      if (!victim) {
        this.onDrop({ reason: 'refused_full', peer: socket.remoteAddress, ageMs: 0 });
        socket.destroy();
        return;
      }
      this.forget(victim);
      this.onDrop({ reason: 'idle_evicted', peer: victim.socket.remoteAddress, ageMs: now - victim.since });
      victim.socket.destroy();
    }
    const c: Authenticated = { socket, since: now, inFlight: 0, idleTimer: undefined };
    this.authenticated.set(socket, c);
    socket.once('close', () => this.forget(c));
    this.becameIdle(c);
  }

  /**
   * Counts a request in flight on its connection until its response closes. Called for every 'request'
   * event; a request with `Expect: 100-continue` comes as 'checkContinue' instead, whose listener
   * (server.ts) must call this too, or its busy connection would look idle.
   */
  requestStarted(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket as TLSSocket;
    const c = this.authenticated.get(socket);
    if (!c) return;
    c.inFlight++;
    this.idle.delete(c);
    clearTimeout(c.idleTimer);
    res.once('close', () => {
      if (--c.inFlight === 0 && this.authenticated.has(socket)) this.becameIdle(c);
    });
  }

  private becameIdle(c: Authenticated): void {
    if (this.closing) {
      c.socket.destroy();
      return;
    }
    this.idle.add(c);
    clearTimeout(c.idleTimer);
    c.idleTimer = setTimeout(() => this.idle.has(c) && c.socket.destroy(), this.limits.keepAliveTimeoutMs).unref();
  }

  private forget(c: Authenticated): void {
    clearTimeout(c.idleTimer);
    this.idle.delete(c);
    this.authenticated.delete(c.socket);
  }
}
