/**
 * Gives the case hub's consent for persons directly through the consent store, so a test that pushes for a
 * person (consent is `required` by default) stores something without depending on UpdateCaseOverviewConsent.
 */
import { saveConsent } from '../../src/caseoverview/consent-store.js';
import { CaseKeyRing } from '../../src/caseoverview/keys.js';
import type { Database } from '../../src/storage/database.js';

/** Records ACTIVE consent for each identity number (personal identity or coordination number). */
export async function giveConsent(db: Database, keysFile: string, ...persons: string[]): Promise<void> {
  const keys = new CaseKeyRing(keysFile);
  const now = new Date().toISOString();
  await db.transaction(async (sql) => {
    for (const id of persons) {
      await saveConsent(sql, db.engine, {
        subjectHash: keys.subjectHash(id),
        status: 'ACTIVE',
        consentVersion: 'test-1',
        authMethod: 'TEST',
        since: now,
        actedAt: now,
        updatedAt: now,
        guardianHash: null,
      });
    }
  });
}
