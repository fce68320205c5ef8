/**
 * npm run audit:verify [-- --heads <log file> …] — checks the audit chain (docs/audit.md) with the audit
 * keys in the keys file and, given log files holding the published heads (the producer's pino JSON
 * lines; other lines are skipped), that every published head is still in the chain, which also reveals
 * a cut-off tail. Exit 0: intact (prints the entry count and the head). Exit 1: tampering found (prints the
 * first broken seq). Exit 2: could not check (database, keys file or heads file unreadable, bad usage).
 */
import { runCli, withDatabase } from './cli.js';
import { readPublishedHeads, verifyAuditChain } from '../storage/audit-verify.js';

const USAGE = 'usage: npm run audit:verify [-- --heads <log file> …]\n';

runCli('audit:verify', async () => {
  const argv = process.argv.slice(2);
  const headFiles: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--heads' && argv[i + 1] !== undefined) headFiles.push(argv[++i]!);
    else {
      process.stderr.write(USAGE);
      return 2;
    }
  }
  const heads = headFiles.length > 0 ? await readPublishedHeads(headFiles) : undefined;
  return withDatabase(async (db, config) => {
    const r = await verifyAuditChain(db, { keysFile: config.keysFile, ...(heads ? { heads } : {}) });
    if (r.ok) {
      const against = heads ? `; all ${r.publishedHeads} published heads found in it` : '; no published heads given (--heads), so a cut-off tail would not show';
      process.stdout.write(`audit chain intact: ${r.entries} entries, head seq ${r.headSeq}, head hash ${r.headHash}${against}\n`);
      return 0;
    }
    process.stdout.write(`AUDIT CHAIN BROKEN at seq ${r.brokenAt} (${r.reason}): ${r.detail}; ${r.entriesChecked} entries before it verified\n`);
    return 1;
  });
});
