/**
 * npm run keys:rotate [-- --grace-ms N] — adds a new case-hub encryption key to the keys file
 * (config.keysFile), makes it current, and re-encrypts every case, history and outbox row under it,
 * while the producer keeps serving. Old keys stay in the file for decryption. With several instances,
 * they must all see the same keys file (shared volume), or receive the new file before this runs.
 *
 * npm run keys:rotate -- --audit — adds a new audit chain key and makes it current. Nothing is re-keyed:
 * running instances chain new entries under it once they re-read the file (within seconds), and every
 * old audit key must stay in the file, since audit:verify needs the key of each entry (docs/audit.md).
 * Exit 0 done, 2 error.
 */
import { loadConfig } from '../config.js';
import { runCli, withDatabase } from '../ops/cli.js';
import { AuditTrail } from '../storage/audit.js';
import { addAuditKey } from '../storage/audit-keys.js';
import { rotateCaseKeys } from './maintenance.js';

const USAGE = 'usage: npm run keys:rotate [-- --grace-ms <ms>] | npm run keys:rotate -- --audit\n';

runCli('keys:rotate', async () => {
  const argv = process.argv.slice(2);
  if (argv[0] === '--audit') {
    if (argv.length !== 1) {
      process.stderr.write(USAGE);
      return 2;
    }
    const keyId = addAuditKey(loadConfig().keysFile);
    process.stdout.write(`new current audit chain key ${keyId}; keep every older audit key in the file\n`);
    return 0;
  }
  const i = argv.indexOf('--grace-ms');
  const graceMs = i >= 0 ? Number(argv[i + 1]) : undefined;
  if (graceMs !== undefined && !(Number.isInteger(graceMs) && graceMs >= 0)) {
    process.stderr.write(USAGE);
    return 2;
  }
  return withDatabase(async (db, config) => {
    const audit = new AuditTrail(db, { keysFile: config.keysFile });
    try {
      const r = await rotateCaseKeys(db, config.keysFile, audit, { ...(graceMs !== undefined ? { graceMs } : {}) });
      process.stdout.write(`new current key ${r.keyId}; ${r.reencrypted} rows re-encrypted\n`);
      return 0;
    } finally {
      await audit.close();
    }
  });
});
