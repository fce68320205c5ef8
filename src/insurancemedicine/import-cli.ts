/**
 * npm run import:fmb -- <file.json> [--dry-run]
 * Loads FMB content in the documented JSON format (docs/fmb-import-format.md) into the configured
 * database (DATABASE_URL, or SQLite in PRODUCER_DATA_DIR). Exit codes: 0 done, 1 invalid file, 2 other error.
 */
import fs from 'node:fs';
import { runCli, withDatabase } from '../ops/cli.js';
import { FmbStore } from './fmb-store.js';
import { ImportFormatError, parseImportFile } from './import-format.js';

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => !a.startsWith('--'));
  const dryRun = argv.includes('--dry-run');
  if (args.length !== 1) {
    process.stderr.write('usage: npm run import:fmb -- <file.json> [--dry-run]\n');
    return 2;
  }
  let file;
  try {
    file = parseImportFile(JSON.parse(fs.readFileSync(args[0]!, 'utf8')));
  } catch (err) {
    process.stderr.write(`${args[0]}: ${err instanceof ImportFormatError ? err.message : (err as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`${args[0]}: ${file.diagnoses.length} diagnoses, ${file.decisionSupports.length} decision supports, mode ${file.mode}\n`);
  if (dryRun) return 0;
  const s = await withDatabase((db) => new FmbStore(db).import(file));
  const fmt = (c: { created: number; updated: number; unchanged: number; archived: number }) =>
    `${c.created} created, ${c.updated} updated (new version), ${c.unchanged} unchanged, ${c.archived} archived`;
  process.stdout.write(`diagnoses: ${fmt(s.diagnoses)}\ndecision supports: ${fmt(s.decisionSupports)}\n`);
  process.stdout.write(s.changed ? `data set is now version ${s.dataSetVersion}\n` : `nothing changed (data set version ${s.dataSetVersion})\n`);
  return 0;
}

runCli('import', () => main(process.argv.slice(2)));
