/**
 * Case-hub maintenance, shared by the command-line tools (keys-cli.ts, purge-cli.ts) and tests:
 * key rotation and retention.
 */
import type { AuditLog } from '../storage/audit.js';
import type { Database } from '../storage/database.js';
import { CaseStore } from './case-store.js';
import { addEncryptionKey, CaseKeyRing } from './keys.js';

/** Who the audit trail names for maintenance work (there is no TLS peer). */
export const MAINTENANCE_ACTOR = 'riv-producer:maintenance';

export interface RotationResult {
  readonly keyId: string;
  readonly reencrypted: number;
}

/**
 * Adds a new encryption key and makes it current, waits `graceMs` so running instances (which re-read
 * the keys file at most every 2 s) write under it, then re-encrypts every row still under an older key,
 * batch by batch in short transactions. Reads never stop: old keys stay in the file, and an instance
 * that meets the new key id before it re-read the file loads it on the spot.
 */
export async function rotateCaseKeys(
  db: Database,
  keysFile: string,
  audit: AuditLog,
  options: { readonly graceMs?: number; readonly batch?: number; readonly onProgress?: (n: number) => void } = {},
): Promise<RotationResult> {
  const keyId = addEncryptionKey(keysFile);
  await new Promise((r) => setTimeout(r, options.graceMs ?? 5000));
  const store = new CaseStore(db, new CaseKeyRing(keysFile), audit);
  let reencrypted = 0;
  for (;;) {
    const n = await store.reencryptBatch(options.batch ?? 500);
    if (n === 0) break;
    reencrypted += n;
    options.onProgress?.(reencrypted);
  }
  return { keyId, reencrypted };
}

/**
 * Deletes CLOSED cases whose closing update (caseUpdated) is more than `retentionDays` before `now`,
 * with their history and notifications; one audit entry per deleted case, in the same transaction.
 */
export async function purgeClosedCases(db: Database, keysFile: string, audit: AuditLog, retentionDays: number, now = new Date()): Promise<number> {
  const store = new CaseStore(db, new CaseKeyRing(keysFile), audit);
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let purged = 0;
  for (;;) {
    const batch = await store.purgeClosedBefore(cutoff, 500, (c) => ({
      actor: MAINTENANCE_ACTOR,
      peer: MAINTENANCE_ACTOR,
      contract: 'PushCaseStatus',
      action: 'purge',
      outcome: 'DELETED',
      criteria: { senderOrganisation: c.senderOrganisation, caseId: c.caseId, retentionDays, cutoff: cutoff.toISOString() },
      recordCount: 1,
      time: now,
    }));
    if (batch.length === 0) return purged;
    purged += batch.length;
  }
}
