/**
 * npm run keys:rotate [-- --grace-ms N] — adds a new case-hub encryption key to the keys file
 * (config.keysFile), makes it current, and re-encrypts every case, history and outbox row under it,
 * while the producer keeps serving. Old keys stay in the file for decryption. With several instances,
 * they must all see the same keys file (shared volume), or receive the new file before this runs.
 * Exit 0 done, 2 error.
 */
import { runCli, withDatabase } from '../ops/cli.js';
import { AuditTrail } from '../storage/audit.js';
import { rotateCaseKeys } from './maintenance.js';

runCli('keys:rotate', async () => {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--grace-ms');
  const graceMs = i >= 0 ? Number(argv[i + 1]) : undefined;
  if (graceMs !== undefined && !(Number.isInteger(graceMs) && graceMs >= 0)) {
    process.stderr.write('usage: npm run keys:rotate [-- --grace-ms <ms>]\n');
    return 2;
  }
  return withDatabase(async (db, config) => {
    const audit = new AuditTrail(db);
    try {
      const r = await rotateCaseKeys(db, config.keysFile, audit, { ...(graceMs !== undefined ? { graceMs } : {}) });
      process.stdout.write(`new current key ${r.keyId}; ${r.reencrypted} rows re-encrypted\n`);
      return 0;
    } finally {
      await audit.close();
    }
  });
});
