/**
 * The start with consent required (docs/hub-people.md#before-the-upgrade): the producer erases the stored cases of
 * every person without ACTIVE consent before it serves, one audit entry per case (erasure.ts). After the first
 * such start there are none, so a later start erases nothing. Runs after backfill.ts, which has given every case
 * stored before the upgrade its subject kind; organisation cases need no consent and stay.
 *
 * Subjects are visited in subject-hash order through the subject index, a batch at a time; each subject is erased
 * in its own short transaction that first locks its consent record (PostgreSQL) and skips it when consent became
 * ACTIVE meanwhile (another instance may already serve). Several instances starting at once do the same work at
 * worst: a subject erased by one is found empty by the other.
 */
import { writeAuditEntries } from '../storage/audit.js';
import type { Database } from '../storage/database.js';
import { sqlFor } from '../storage/sql.js';
import { readConsent } from './consent-store.js';
import { eraseAndAudit } from './erasure.js';
import type { CaseKeyRing } from './keys.js';
import { MAINTENANCE_ACTOR } from './maintenance.js';
import { CASE_TABLES } from './schema.js';

export interface StartErasure {
  readonly subjects: number;
  readonly cases: number;
}

export async function eraseCasesWithoutConsent(
  db: Database,
  keys: CaseKeyRing,
  hashIdentifier: (id: string) => string,
  options: { readonly batch?: number; readonly now?: Date } = {},
): Promise<StartErasure> {
  const q = sqlFor(db.engine);
  const batch = Math.max(1, Math.floor(options.batch ?? 200));
  const time = options.now ?? new Date();
  let after = '';
  let subjects = 0;
  let cases = 0;
  for (;;) {
    const found: Array<{ subject_hash: string }> = await db.read((m) =>
      m.query(
        q(
          `SELECT DISTINCT c.subject_hash FROM ${CASE_TABLES.case} c WHERE c.subject_kind = 'person' AND c.subject_hash > ?` +
            ` AND NOT EXISTS (SELECT 1 FROM ${CASE_TABLES.consent} k WHERE k.subject_hash = c.subject_hash AND k.status = 'ACTIVE')` +
            ` ORDER BY c.subject_hash LIMIT ${batch}`,
        ),
        [after],
      ),
    );
    if (found.length === 0) return { subjects, cases };
    for (const { subject_hash: subjectHash } of found) {
      const erased = await db.transaction(async (sql) => {
        if ((await readConsent(sql, db.engine, subjectHash, 'update'))?.status === 'ACTIVE') return 0;
        const e = await eraseAndAudit(sql, db.engine, subjectHash, {
          hashIdentifier,
          base: { actor: MAINTENANCE_ACTOR, peer: MAINTENANCE_ACTOR, contract: 'PushCaseStatus', time },
          reason: 'no active consent at start',
          write: (s, entries) => writeAuditEntries(s, db.engine, entries, keys.file),
        });
        return e.cases.length;
      });
      if (erased > 0) subjects++;
      cases += erased;
    }
    after = found[found.length - 1]!.subject_hash;
  }
}
