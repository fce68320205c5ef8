/**
 * Programs (src/storage/sqlite-thread.ts) for durability tests: one reports the durability setting of the connection it
 * runs on, so a test can see the setting of SQLite's database thread, not only the event-loop thread's.
 * In a module of its own: the database thread imports the module a program comes from.
 */
import type { SqlRunner } from '../../src/storage/database.js';
import { dbProgram } from '../../src/storage/sqlite-thread.js';

/** SQLite: `PRAGMA synchronous` (0 OFF, 1 NORMAL, 2 FULL); PostgreSQL: `synchronous_commit` ('on', 'off', …). */
export async function syncSettingProgram(sql: SqlRunner, engine: 'sqlite' | 'postgres'): Promise<string> {
  if (engine === 'postgres') return String(((await sql.query('SHOW synchronous_commit')) as Array<{ synchronous_commit: string }>)[0]!.synchronous_commit);
  return String(((await sql.query('PRAGMA synchronous')) as Array<{ synchronous: number }>)[0]!.synchronous);
}

export const SYNC_SETTING = dbProgram(import.meta.url, syncSettingProgram);

/** A write program that holds its transaction open for `ms`, so that writes sent meanwhile queue behind it (and share the next group). */
export async function holdProgram(_sql: SqlRunner, ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export const HOLD = dbProgram(import.meta.url, holdProgram);
