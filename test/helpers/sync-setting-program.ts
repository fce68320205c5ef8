/**
 * A read program (src/storage/sqlite-thread.ts) that reports the durability setting of the connection it
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
