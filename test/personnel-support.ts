/**
 * Test support for the personnel register: opens a DataSource on SQLite (temp dir) or PostgreSQL
 * (a fresh schema per call, on TEST_DATABASE_URL) through the storage layer, which runs every migration.
 * No tests here; safe to be picked up by the test runner.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { createLogger } from '../src/log.js';
import { SCHEMA } from '../src/schema.js';
import { openDatabase, type Database } from '../src/storage/database.js';

export type Engine = 'sqlite' | 'postgres';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://producer:producer@127.0.0.1:5432/producer_test';

export interface TestDb {
  readonly engine: Engine;
  readonly db: DataSource;
  readonly database: Database;
  close(): Promise<void>;
}

/** Engines to run on: SQLite always; PostgreSQL unless TEST_ENGINES excludes it or it is unreachable. */
export async function availableEngines(): Promise<Engine[]> {
  const wanted = (process.env.TEST_ENGINES ?? 'sqlite,postgres').split(',').map((s) => s.trim());
  const engines: Engine[] = [];
  if (wanted.includes('sqlite')) engines.push('sqlite');
  if (wanted.includes('postgres')) {
    try {
      const probe = new DataSource({ type: 'postgres', url: TEST_DATABASE_URL, connectTimeoutMS: 2000 });
      await probe.initialize();
      await probe.destroy();
      engines.push('postgres');
    } catch {
      if (process.env.TEST_REQUIRE_POSTGRES === '1') throw new Error(`PostgreSQL not reachable at ${TEST_DATABASE_URL}`);
    }
  }
  return engines;
}

export async function openTestDb(engine: Engine, label = 'personnel'): Promise<TestDb> {
  const logger = createLogger('silent');
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${label}-`));
    const database = await openDatabase({ dataDir: dir, databaseUrl: undefined }, logger, SCHEMA);
    return {
      engine,
      db: database.dataSource,
      database,
      close: async () => {
        await database.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `${label.replace(/[^a-z0-9_]/gi, '_')}_${crypto.randomBytes(4).toString('hex')}`.toLowerCase();
  const database = await openDatabase({ dataDir: os.tmpdir(), databaseUrl: TEST_DATABASE_URL }, logger, { ...SCHEMA, pgSchema: schema });
  return {
    engine,
    db: database.dataSource,
    database,
    close: async () => {
      await database.dataSource.query(`DROP SCHEMA ${schema} CASCADE`);
      await database.close();
    },
  };
}
