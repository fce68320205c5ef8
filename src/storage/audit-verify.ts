/**
 * npm run audit:verify — checks the audit trail's hash chain. Exit 0: intact (prints the entry count
 * and the head hash; keep a copy of it elsewhere to detect tail truncation later). Exit 1: tampering
 * found (prints the first broken seq). Exit 2: could not check.
 */
import { runCli, withDatabase } from '../ops/cli.js';
import { verifyAuditChain } from './audit.js';

runCli('audit:verify', () =>
  withDatabase(async (db) => {
    const r = await verifyAuditChain(db);
    if (r.ok) {
      process.stdout.write(`audit chain intact: ${r.entries} entries, head seq ${r.headSeq}, head hash ${r.headHash}\n`);
      return 0;
    }
    process.stdout.write(`AUDIT CHAIN BROKEN at seq ${r.brokenAt} (${r.reason}): ${r.detail}; ${r.entriesChecked} entries before it verified\n`);
    return 1;
  }),
);
