/**
 * The engine matrix for storage tests: every suite runs on SQLite, and on PostgreSQL when
 * TEST_DATABASE_URL is set (CI sets it; with CI=true and no URL the PostgreSQL suite FAILS instead
 * of skipping). Each opened database is fresh and isolated: a temp dir for SQLite, a new schema
 * for PostgreSQL (so test files can run concurrently), removed again by cleanup().
 *
 *   forEachEngine('FMB store', (engine) => {
 *     it('…', async () => { const { db } = await engine.open(); … });
 *   });
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { pino, type Logger } from 'pino';
import { DataSource } from 'typeorm';
import { SCHEMA } from '../../src/schema.js';
import { openDatabase, type Database, type DatabaseConfig, type Engine, type OpenDatabaseOptions } from '../../src/storage/database.js';

export const silentLogger: Logger = pino({ level: 'silent' });


interface TestDatabase {
  readonly db: Database;
  /** The config it was opened with; pass to openDatabase() again (with `openOptions`) for a second "instance". */
  readonly config: DatabaseConfig;
  readonly openOptions: OpenDatabaseOptions;
  /** Opens another, independent handle on the same database (another producer instance or a CLI). */
  openAnother(): Promise<Database>;
}

export interface TestEngine {
  readonly engine: Engine;
  /** Opens a fresh database with the producer's schema (src/schema.ts) unless `options` names other entities or migrations. */
  open(options?: Partial<OpenDatabaseOptions>): Promise<TestDatabase>;
}

const PG_URL = process.env.TEST_DATABASE_URL;

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'riv-producer-test-'));
}

function makeEngine(engine: Engine): TestEngine & { cleanup(): Promise<void> } {
  const handles: Database[] = [];
  const dirs: string[] = [];
  const schemas: string[] = [];
  return {
    engine,
    async open(options: Partial<OpenDatabaseOptions> = {}) {
      let config: DatabaseConfig;
      let openOptions: OpenDatabaseOptions;
      if (engine === 'sqlite') {
        const dataDir = tempDir();
        dirs.push(dataDir);
        config = { dataDir, databaseUrl: undefined };
        openOptions = { ...SCHEMA, ...options };
      } else {
        const schema = `t_${randomBytes(6).toString('hex')}`;
        schemas.push(schema);
        config = { dataDir: tempDir(), databaseUrl: PG_URL };
        dirs.push(config.dataDir);
        openOptions = { ...SCHEMA, poolSize: 4, ...options, pgSchema: schema };
      }
      const db = await openDatabase(config, silentLogger, openOptions);
      handles.push(db);
      return {
        db,
        config,
        openOptions,
        openAnother: async () => {
          const other = await openDatabase(config, silentLogger, openOptions);
          handles.push(other);
          return other;
        },
      };
    },
    async cleanup() {
      for (const h of handles.splice(0)) await h.close().catch(() => undefined);
      if (schemas.length > 0 && PG_URL) {
        const ds = new DataSource({ type: 'postgres', url: PG_URL, extra: { max: 1 } });
        await ds.initialize();
        try {
          for (const s of schemas.splice(0)) await ds.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
        } finally {
          await ds.destroy();
        }
      }
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

/** Without TEST_DATABASE_URL: a visible skip, or under CI=true a failing test. */
function declarePostgresMissing(suite: string): void {
  if (process.env.CI === 'true') {
    describe(suite, () => {
      it('requires TEST_DATABASE_URL in CI', () => {
        throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL half of the engine matrix cannot run');
      });
    });
  } else {
    process.stderr.write(`# ${suite}: SKIPPED — set TEST_DATABASE_URL=postgres://… to run it\n`);
    describe(suite, { skip: 'TEST_DATABASE_URL not set' }, () => {});
  }
}

/** Declares `body`'s tests once per engine, inside describe(`${name} [engine]`). */
export function forEachEngine(name: string, body: (engine: TestEngine) => void): void {
  for (const engine of ['sqlite', 'postgres'] as const) {
    if (engine === 'postgres' && !PG_URL) {
      declarePostgresMissing(`${name} [postgres]`);
      continue;
    }
    describe(`${name} [${engine}]`, () => {
      const e = makeEngine(engine);
      after(() => e.cleanup());
      body(e);
    });
  }
}

/** Declares `body`'s tests once, inside describe(`${name} [sqlite and postgres]`), with both engines at hand. */
export function withBothEngines(name: string, body: (sqlite: TestEngine, postgres: TestEngine) => void): void {
  const suite = `${name} [sqlite and postgres]`;
  if (!PG_URL) {
    declarePostgresMissing(suite);
    return;
  }
  describe(suite, () => {
    const sqlite = makeEngine('sqlite');
    const postgres = makeEngine('postgres');
    after(async () => {
      await sqlite.cleanup();
      await postgres.cleanup();
    });
    body(sqlite, postgres);
  });
}

export function hasPostgres(): boolean {
  return !!PG_URL;
}
