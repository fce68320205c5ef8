/**
 * Verifying the audit chain (docs/audit.md): every link with the audit keys from the keys file, the
 * keyed rule (unkeyed entries only before the upgrade's anchor), the head row, and, when given, the heads
 * published outside the database, which also reveal a cut-off tail the database alone cannot show.
 * Paged, so a chain of any length verifies in bounded memory (the published heads are held in memory).
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type { Database } from './database.js';
import { sqlFor } from './sql.js';
import { guard } from './errors.js';
import { ENTRY_COLUMNS, GENESIS_HASH, walkChain, type AuditBreakReason, type RawAuditRow } from './audit-chain.js';
import { AuditKeyRing } from './audit-keys.js';

export type AuditVerifyResult =
  | { readonly ok: true; readonly entries: number; readonly headSeq: number; readonly headHash: string; readonly publishedHeads: number }
  | {
      readonly ok: false;
      /** The first seq whose entry is missing, altered or out of place. */
      readonly brokenAt: number;
      readonly reason: AuditBreakReason;
      readonly detail: string;
      readonly entriesChecked: number;
    };

/** Published heads: seq → every hash published for it (two different ones would mean a fork or a rewrite). */
export type PublishedHeads = ReadonlyMap<number, ReadonlySet<string>>;

/** The message of a published head's log line (the composition root logs it with fields seq, hash, keyId). */
export const HEAD_LOG_MESSAGE = 'audit chain head';

/**
 * Reads published heads from log files of pino JSON lines: lines whose `msg` is HEAD_LOG_MESSAGE and that
 * carry a seq and a SHA-256-sized hex hash. Every other line is skipped.
 */
export async function readPublishedHeads(files: readonly string[]): Promise<PublishedHeads> {
  const heads = new Map<number, Set<string>>();
  for (const file of files) {
    const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.includes(HEAD_LOG_MESSAGE)) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        continue;
      }
      const { msg, seq, hash } = (parsed ?? {}) as { msg?: unknown; seq?: unknown; hash?: unknown };
      if (msg !== HEAD_LOG_MESSAGE || !Number.isSafeInteger(seq) || (seq as number) < 0 || typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) continue;
      let set = heads.get(seq as number);
      if (!set) heads.set(seq as number, (set = new Set()));
      set.add(hash);
    }
  }
  return heads;
}

export interface VerifyOptions {
  /** The keys file with the audit keys (config.keysFile). */
  readonly keysFile: string;
  /** Heads published outside the database (readPublishedHeads). */
  readonly heads?: PublishedHeads;
  readonly pageSize?: number;
}

/**
 * Walks the whole chain in seq order, page by page, and reports the first break: an edited entry (hash
 * mismatch), a deleted one (a gap in seq), a reordered one, an unkeyed entry where only keyed ones may be,
 * an unknown key id, a head row that does not match the last entry, or a published head that is not in the
 * chain. Throws (could not check) when the database or the keys file cannot be read.
 */
export async function verifyAuditChain(db: Database, options: VerifyOptions): Promise<AuditVerifyResult> {
  const ring = new AuditKeyRing(options.keysFile);
  const heads = options.heads ?? new Map<number, ReadonlySet<string>>();
  const page = sqlFor(db.engine)(`SELECT ${ENTRY_COLUMNS} FROM audit_entry WHERE seq > ? ORDER BY seq LIMIT ?`);
  const walk = await walkChain({
    page: (after, limit) => guard(() => db.read((m) => m.query(page, [after, limit]) as Promise<RawAuditRow[]>)),
    pageSize: options.pageSize ?? 2000,
    keyFor: (id) => ring.key(id),
    check: (e) => {
      const published = heads.get(e.seq);
      if (!published || (published.size === 1 && published.has(e.hash))) return undefined;
      return { brokenAt: e.seq, reason: 'published-head-mismatch', detail: `a head published for seq ${e.seq} has another hash than the entry now` };
    },
  });
  const broken = (brokenAt: number, reason: AuditBreakReason, detail: string): AuditVerifyResult => ({ ok: false, brokenAt, reason, detail, entriesChecked: walk.entries });
  if (walk.broken) return broken(walk.broken.brokenAt, walk.broken.reason, walk.broken.detail);

  const lastSeq = walk.lastSeq;
  if (lastSeq > 0 && !walk.keyed) {
    return broken(1, 'unkeyed-entry', 'no entry is keyed: the chain lacks the anchor an upgraded chain ends in (entries rewritten unkeyed, or a database not started since the upgrade: start the producer once, then verify again)');
  }
  const beyond = [...heads.keys()].filter((s) => s > lastSeq).sort((a, b) => a - b)[0];
  if (beyond !== undefined) {
    return broken(lastSeq + 1, 'missing-entry', `a head was published for seq ${beyond}, the chain ends at seq ${lastSeq}: entries after it were removed`);
  }
  const zero = heads.get(0);
  if (zero && ![...zero].every((h) => h === GENESIS_HASH)) return broken(1, 'published-head-mismatch', 'a head published for seq 0 has a hash other than the empty chain');

  const headRows: Array<{ seq: unknown; hash: string; key_id: string | null }> = await guard(() =>
    db.read((m) => m.query('SELECT seq, hash, key_id FROM audit_chain_head WHERE id = 1')),
  );
  const head = headRows[0];
  const headSeq = head ? Number(head.seq) : 0;
  if (!head || headSeq !== lastSeq || head.hash !== walk.lastHash || head.key_id !== walk.lastKeyId) {
    return broken(
      headSeq === lastSeq ? lastSeq : Math.min(headSeq, lastSeq) + 1,
      headSeq > lastSeq ? 'missing-entry' : 'head-mismatch',
      `chain head says seq ${headSeq}, the table ends at seq ${lastSeq}`,
    );
  }
  return { ok: true, entries: walk.entries, headSeq: lastSeq, headHash: walk.lastHash, publishedHeads: heads.size };
}
