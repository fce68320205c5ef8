/**
 * `npm run generate:personnel -- --count 500000 --seed 1`
 * Replaces the personnel register in the configured database (DATABASE_URL, else SQLite in
 * PRODUCER_DATA_DIR) with a deterministic synthetic register. Runs migrations first.
 */
import { createLogger } from '../log.js';
import { runCli, withDatabase } from '../ops/cli.js';
import { loadRegister } from './register-loader.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`);
  return n;
}

runCli('generate:personnel', () =>
  withDatabase(async (db, config) => {
    const log = createLogger(config.logLevel);
    const count = arg('count', 500_000);
    const seed = arg('seed', 1);
    const started = Date.now();
    log.info({ count, seed, database: db.description }, 'generating personnel register');
    const result = await loadRegister(db, { seed, count, onProgress: (n) => log.info({ written: n }, 'progress') });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    log.info({ ...result, seconds }, 'personnel register loaded');
    process.stdout.write(`Loaded ${result.persons} persons (${result.licences} licences), seed ${seed}, into ${db.description} in ${seconds} s\n`);
    return 0;
  }),
);
