/**
 * The frame of the operator commands (npm run import:fmb, audit:verify, keys:rotate, purge,
 * generate:personnel): the configuration from the one loader, the database opened and always closed,
 * and one exit convention: `main`'s code, or 2 with "<command> failed: <message>" on stderr.
 */
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../log.js';
import { SCHEMA } from '../schema.js';
import { openDatabase, type Database } from '../storage/database.js';

export function runCli(command: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${command} failed: ${(err as Error).message}\n`);
      process.exit(2);
    },
  );
}

/** Opens the configured database (logging warnings and worse only), runs `work`, and closes it. */
export async function withDatabase<T>(work: (db: Database, config: Config) => Promise<T>, config: Config = loadConfig()): Promise<T> {
  const db = await openDatabase(config, createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel), SCHEMA);
  try {
    return await work(db, config);
  } finally {
    await db.close();
  }
}
