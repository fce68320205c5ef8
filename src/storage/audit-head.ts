/**
 * Publishing the audit chain's head outside the database (docs/audit.md, "Published heads").
 *
 * A keyed chain stops anyone without the key from rewriting, reordering or removing entries, but not from
 * cutting off the newest entries and setting the head row back. Copies of the head kept elsewhere reveal
 * that: `npm run audit:verify -- --heads <log>` checks every published head is still in the chain.
 *
 * Each process publishes what it sees in the database, whoever wrote it (pushes are chained on SQLite's
 * database thread, other instances write too): it polls the head row (one primary-key read per poll) and
 * publishes the entry at every multiple of `everyEntries`, and the head itself at start, at least every
 * `intervalMs`, and at close. The composition root decides where a publication goes (a log line and a
 * metric); storage only calls `publish`.
 */
import type { Logger } from 'pino';
import type { Database } from './database.js';
import { sqlFor } from './sql.js';

export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
  /** The audit key of the head entry; null while the head is an entry from before the upgrade (or seq 0). */
  readonly keyId: string | null;
}

export interface AuditHeadOptions {
  readonly publish: (head: AuditHead) => void;
  /** Publish the entry at every multiple of this seq (default 1,000). */
  readonly everyEntries?: number;
  /** Publish the head at least this often (default 60 s). */
  readonly intervalMs?: number;
  /** How often the head row is read (default 1 s). */
  readonly pollMs?: number;
}

/** Milestones published per poll at most; more means the poll fell far behind, and the newest matter most. */
const MAX_MILESTONES_PER_POLL = 100;

export class AuditHeadWatcher {
  private readonly every: number;
  private readonly intervalMs: number;
  private readonly timer: NodeJS.Timeout;
  private lastSeq = -1;
  private lastPublishedAt = 0;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly options: AuditHeadOptions,
    private readonly logger?: Logger,
  ) {
    this.every = options.everyEntries ?? 1000;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.timer = setInterval(() => void this.poll(), options.pollMs ?? 1000);
    this.timer.unref();
    void this.poll();
  }

  /** Publishes what is due now; resolves when done. Never rejects (a failed read is logged and retried at the next poll). */
  poll(force = false): Promise<void> {
    if (this.running) return this.running.then(() => (force ? this.poll(true) : undefined));
    this.running = this.check(force)
      .catch((err: unknown) => this.logger?.warn({ err }, 'audit: could not read the chain head to publish it'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops polling and publishes the head once more. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.poll(true);
  }

  private async check(force: boolean): Promise<void> {
    const rows: Array<{ seq: unknown; hash: string; key_id: string | null }> = await this.db.read((m) =>
      m.query('SELECT seq, hash, key_id FROM audit_chain_head WHERE id = 1'),
    );
    if (!rows[0]) return;
    const head: AuditHead = { seq: Number(rows[0].seq), hash: rows[0].hash, keyId: rows[0].key_id };
    if (this.lastSeq >= 0 && head.seq < this.lastSeq) {
      this.logger?.error({ seq: head.seq, previousSeq: this.lastSeq }, 'audit chain head moved backwards (entries removed?); run npm run audit:verify');
    }
    if (this.lastSeq >= 0 && head.seq > this.lastSeq) await this.publishMilestones(this.lastSeq, head.seq);
    const milestone = head.seq > 0 && head.seq % this.every === 0 && head.seq !== this.lastSeq;
    this.lastSeq = head.seq;
    if (force || milestone || Date.now() - this.lastPublishedAt >= this.intervalMs) {
      this.lastPublishedAt = Date.now();
      this.options.publish(head);
    }
  }

  /** The entries at multiples of `every` in (after, upTo), read back from the chain; the head itself is published by check(). */
  private async publishMilestones(after: number, upTo: number): Promise<void> {
    const seqs: number[] = [];
    for (let s = (Math.floor(after / this.every) + 1) * this.every; s < upTo; s += this.every) seqs.push(s);
    const wanted = seqs.slice(-MAX_MILESTONES_PER_POLL);
    if (wanted.length === 0) return;
    const sql = sqlFor(this.db.engine)(`SELECT seq, hash, key_id FROM audit_entry WHERE seq IN (${wanted.map(() => '?').join(', ')}) ORDER BY seq`);
    const rows: Array<{ seq: unknown; hash: string; key_id: string | null }> = await this.db.read((m) => m.query(sql, wanted));
    for (const r of rows) this.options.publish({ seq: Number(r.seq), hash: r.hash, keyId: r.key_id });
  }
}
