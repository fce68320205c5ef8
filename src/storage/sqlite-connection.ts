/**
 * The settings every SQLite connection of the producer gets: the event-loop thread's (through TypeORM)
 * and the database thread's (sqlite-thread-worker.ts). One place, so the two can never disagree on
 * durability.
 */
import { createRequire } from 'node:module';
import type { SqliteConnection } from './sqlite-statements.js';

/** Upper bound of the memory map (address space, not resident memory); larger files map their first part. */
const SQLITE_MMAP_BYTES = 1024 * 1024 * 1024;
/** Page cache per connection, in KiB (SQLite's default is 2 MiB). */
const SQLITE_CACHE_KIB = 32 * 1024;

export interface PragmaTarget {
  pragma(statement: string): unknown;
}

/** `durable` false only for `npm run bench`'s durability-off points (config.ts refuses it elsewhere). */
export function applySqlitePragmas(raw: PragmaTarget, busyTimeoutMs: number, durable = true): void {
  raw.pragma('journal_mode = WAL');
  // FULL: every COMMIT syncs the WAL, so an acknowledged commit survives power loss (README, Storage).
  raw.pragma(`synchronous = ${durable ? 'FULL' : 'OFF'}`);
  raw.pragma(`busy_timeout = ${busyTimeoutMs}`);
  raw.pragma('foreign_keys = ON');
  // Reads through memory-mapped pages instead of a pread() per page-cache miss, and a larger page
  // cache: on the 500k register, about 25 % less time in SearchPersonnel's statements (measured,
  // docs/performance.md). Writes still go through the WAL, so durability is unchanged.
  raw.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);
  raw.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
}

type BetterSqlite3 = new (file: string) => SqliteConnection & PragmaTarget & { close(): void };

/** A better-sqlite3 connection of our own (the database thread's), with the settings above. */
export function openSqliteConnection(file: string, busyTimeoutMs: number, durable = true): SqliteConnection & PragmaTarget & { close(): void } {
  const Database = createRequire(import.meta.url)('better-sqlite3') as BetterSqlite3;
  const connection = new Database(file);
  applySqlitePragmas(connection, busyTimeoutMs, durable);
  return connection;
}
