/**
 * Log lines for connections the guard drops. Under a flood of hostile sockets a line per drop would
 * itself be the load, so each reason is logged at most once per interval, carrying how many drops of
 * that reason went unlogged since its previous line. Every drop is counted in the metrics
 * (`rivta_connections_dropped_total`).
 */
import type { Logger } from 'pino';
import { performance } from 'node:perf_hooks';
import type { ConnectionDrop, DropReason } from './connection-guard.js';

export function createDropLog(logger: Logger, intervalMs = 60_000): (drop: ConnectionDrop) => void {
  const last = new Map<DropReason, { at: number; unlogged: number }>();
  return (drop) => {
    const now = performance.now();
    const previous = last.get(drop.reason);
    if (previous && now - previous.at < intervalMs) {
      previous.unlogged++;
      return;
    }
    logger.warn(
      { connectionDrop: drop.reason, remoteAddress: drop.peer, ageMs: Math.round(drop.ageMs), unloggedSinceLastLine: previous?.unlogged ?? 0 },
      'connection dropped',
    );
    last.set(drop.reason, { at: now, unlogged: 0 });
  };
}
