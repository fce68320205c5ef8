/**
 * npm run purge — applies the case-hub retention rule: CLOSED cases whose closing update is older than
 * PRODUCER_CASE_RETENTION_DAYS are deleted with their history and notifications, each deletion
 * audited. Unset retention keeps everything. Exit 0 done, 2 error.
 */
import { loadConfig } from '../config.js';
import { runCli, withDatabase } from '../ops/cli.js';
import { AuditTrail } from '../storage/audit.js';
import { purgeClosedCases } from './maintenance.js';

runCli('purge', async () => {
  const config = loadConfig();
  const days = config.caseRetentionDays;
  if (days === undefined) {
    process.stdout.write('no case retention configured (PRODUCER_CASE_RETENTION_DAYS): every case is kept\n');
    return 0;
  }
  return withDatabase(async (db) => {
    const audit = new AuditTrail(db, { keysFile: config.keysFile });
    try {
      const n = await purgeClosedCases(db, config.keysFile, audit, days);
      process.stdout.write(`purged ${n} closed cases older than ${days} days\n`);
      return 0;
    } finally {
      await audit.close();
    }
  }, config);
});
