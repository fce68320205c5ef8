/**
 * npm run purge — applies the case-hub retention rule: CLOSED cases whose closing update is older than
 * PRODUCER_CASE_RETENTION_DAYS are deleted with their history and notifications, each deletion
 * audited. Unset retention keeps everything. Exit 0 done, 2 error.
 */
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { AuditTrail } from '../storage/audit.js';
import { openDatabase } from '../storage/database.js';
import { purgeClosedCases } from './maintenance.js';

async function main(): Promise<number> {
  const config = loadConfig();
  if (config.caseRetentionDays === undefined) {
    process.stdout.write('no case retention configured (PRODUCER_CASE_RETENTION_DAYS): every case is kept\n');
    return 0;
  }
  const db = await openDatabase(config, createLogger('warn'));
  const audit = new AuditTrail(db);
  try {
    const n = await purgeClosedCases(db, config.keysFile, audit, config.caseRetentionDays);
    process.stdout.write(`purged ${n} closed cases older than ${config.caseRetentionDays} days\n`);
    return 0;
  } finally {
    await audit.close();
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`purge failed: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
