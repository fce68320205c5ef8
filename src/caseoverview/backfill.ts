/**
 * Classifies the cases stored before the CaseHubPeople migration (docs/hub-people.md#before-the-upgrade): their
 * subject's kind and their scope columns (category, committee and service area as keyed HMACs) are NULL, since
 * a migration cannot open sealed content. Until they are filled in, a case would be missed by a scoped reader and
 * by the start-up erasure of persons without consent, so `prepare` runs this before anything is served.
 *
 * Batches of rows, each its own short transaction, found through a partial index that holds only unclassified
 * rows (empty after the first run, so a later start costs one index probe). A row is written only while still
 * unclassified: a push that rewrote it meanwhile has set the columns itself. Idempotent; several instances
 * starting at once do the same work at worst.
 */
import type { Database } from '../storage/database.js';
import { sqlFor } from '../storage/sql.js';
import { aad } from './case-rows.js';
import { caseScopeValues } from './coverage.js';
import type { CaseKeyRing } from './keys.js';
import { CASE_TABLES, storedSubjectKind } from './schema.js';
import type { CaseContent } from './validation.js';

/** What a stored case may hold for its scope: version 2 pushes add committee and service area. */
type StoredScope = Pick<CaseContent, 'subject' | 'category'> & { readonly committee?: { readonly code: string }; readonly serviceArea?: string };

export async function backfillCaseColumns(db: Database, keys: CaseKeyRing, options: { readonly batch?: number } = {}): Promise<number> {
  const q = sqlFor(db.engine);
  const batch = Math.max(1, Math.floor(options.batch ?? 500));
  const hash = keys.scopeHash.bind(keys);
  let after = 0;
  let total = 0;
  for (;;) {
    const rows = await db.transaction(async (m) => {
      const found: Array<{ id: number; sender_org: string; case_id: string; key_id: string; content: string }> = await m.query(
        q(`SELECT id, sender_org, case_id, key_id, content FROM ${CASE_TABLES.case} WHERE subject_kind IS NULL AND id > ? ORDER BY id LIMIT ${batch}`),
        [after],
      );
      for (const r of found) {
        const c = JSON.parse(keys.open({ keyId: r.key_id, blob: r.content }, aad.case(r.sender_org, r.case_id))) as StoredScope;
        const v = caseScopeValues(
          {
            senderOrganisation: r.sender_org,
            ...(c.category === undefined ? {} : { category: c.category }),
            ...(c.committee === undefined ? {} : { committeeCode: c.committee.code }),
            ...(c.serviceArea === undefined ? {} : { serviceArea: c.serviceArea }),
          },
          hash,
        );
        await m.query(
          q(`UPDATE ${CASE_TABLES.case} SET subject_kind = ?, category_hash = ?, committee_hash = ?, service_area_hash = ? WHERE id = ? AND subject_kind IS NULL`),
          [storedSubjectKind(c.subject.kind), v.category_hash, v.committee_hash, v.service_area_hash, Number(r.id)],
        );
      }
      return found;
    });
    if (rows.length === 0) return total;
    total += rows.length;
    after = Number(rows[rows.length - 1]!.id);
  }
}
