/**
 * npm run audit:verify — checks the audit trail's hash chain. Exit 0: intact (prints the entry count
 * and the head hash; keep a copy of it elsewhere to detect tail truncation later). Exit 1: tampering
 * found (prints the first broken seq). Exit 2: could not check.
 */
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import { verifyAuditChain } from './audit.js';
import { openDatabase } from './database.js';

async function main(): Promise<number> {
  const config = loadConfig();
  const db = await openDatabase(config, createLogger('warn'));
  try {
    const r = await verifyAuditChain(db);
    if (r.ok) {
      process.stdout.write(`audit chain intact: ${r.entries} entries, head seq ${r.headSeq}, head hash ${r.headHash}\n`);
      return 0;
    }
    process.stdout.write(`AUDIT CHAIN BROKEN at seq ${r.brokenAt} (${r.reason}): ${r.detail}; ${r.entriesChecked} entries before it verified\n`);
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify failed: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
