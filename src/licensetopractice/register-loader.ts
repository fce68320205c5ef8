/**
 * The register loader: writes the generated register (generate.ts) into the personnel tables, the demo
 * slice at start, the 500,000 of `npm run generate:personnel` for the benchmark; and what a database
 * holds (registerInfo, isDemoPersonnelLoaded). One transaction per load; bulk inserts in batches.
 */
import type { DataSource } from 'typeorm';
import type { Database } from '../storage/database.js';
import { sqlFor } from '../storage/sql.js';
import { DEMO_SEED, GENERATOR_VERSION, MAX_REGISTER_SIZE, generatePerson } from './generate.js';
import { encodeLicenceDocument } from './licence-document.js';
import { nameKey } from './name-key.js';
import { TABLES, createIndexStatements, dialectOf, dropIndexStatements, type Dialect } from './schema.js';

export interface LoadOptions {
  readonly seed: number;
  readonly count: number;
  /** Called after each batch with the number of persons written so far. */
  readonly onProgress?: (written: number) => void;
}

interface RegisterInfo {
  readonly seed: number;
  readonly count: number;
  readonly generatorVersion: number;
  readonly loadedAt: string;
}

const REGISTER_SETTING = 'register';

/** Accepts the storage layer's Database or a bare TypeORM DataSource. */
export type RegisterDb = Database | DataSource;
const dataSourceOf = (db: RegisterDb): DataSource => ('dataSource' in db ? db.dataSource : db);

/** Reads what the register holds (seed, count), or undefined when nothing was loaded. */
async function registerInfo(database: RegisterDb): Promise<RegisterInfo | undefined> {
  const db = dataSourceOf(database);
  const rows = (await db.query(sqlFor(dialectOf(db))(`SELECT value FROM ${TABLES.setting} WHERE name = ?`), [REGISTER_SETTING])) as Array<{ value: string }>;
  return rows[0] ? (JSON.parse(rows[0].value) as RegisterInfo) : undefined;
}

/** True when a register (demo slice or larger) has been loaded. */
export async function isDemoPersonnelLoaded(db: RegisterDb): Promise<boolean> {
  return (await registerInfo(db)) !== undefined;
}

/**
 * Loads the demo slice (idempotent): does nothing when a register is already loaded, whatever its
 * size — a 500k benchmark register is never replaced by the demo slice.
 */
export async function loadDemoPersonnel(db: RegisterDb, count = 5000): Promise<{ loaded: boolean; count: number }> {
  if (await isDemoPersonnelLoaded(db)) return { loaded: false, count: (await registerInfo(db))!.count };
  const result = await loadRegister(db, { seed: DEMO_SEED, count }, { onlyIfEmpty: true });
  return { loaded: result.loaded, count };
}

/** One statement in the load's transaction. */
type Exec = (sql: string, params?: unknown[]) => Promise<unknown>;
type Row = ReadonlyArray<string | number | null>;

interface TableSpec {
  readonly table: string;
  readonly columns: readonly string[];
  /** PostgreSQL array types for unnest(). */
  readonly pgTypes: readonly string[];
}

const PERSON_SPEC: TableSpec = {
  table: TABLES.person,
  columns: ['id', 'person_id', 'identity_number', 'coordination', 'given_name', 'family_name', 'given_key', 'family_key', 'birth_date', 'county_code', 'municipality_code', 'protected_identity', 'deceased', 'licence_document'],
  pgTypes: ['int4', 'text', 'text', 'int2', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'int2', 'int2', 'text'],
};
const LICENCE_SPEC: TableSpec = {
  table: TABLES.licence,
  columns: ['id', 'person_id', 'profession_code', 'licence_date', 'valid', 'education', 'prescription_right', 'prescriber_code', 'family_key', 'given_key'],
  pgTypes: ['int4', 'int4', 'text', 'text', 'int2', 'text', 'int2', 'text', 'text', 'text'],
};
const SPECIALITY_SPEC: TableSpec = {
  table: TABLES.speciality,
  columns: ['id', 'licence_id', 'person_id', 'code', 'name'],
  pgTypes: ['int4', 'int4', 'int4', 'text', 'text'],
};
const RESTRICTION_SPEC: TableSpec = {
  table: TABLES.restriction,
  columns: ['id', 'licence_id', 'person_id', 'code', 'description', 'from_date', 'to_date'],
  pgTypes: ['int4', 'int4', 'int4', 'text', 'text', 'text', 'text'],
};

class BatchWriter {
  private readonly rows: Row[] = [];
  private readonly batchSize: number;
  constructor(
    private readonly q: Exec,
    private readonly dialect: Dialect,
    private readonly spec: TableSpec,
  ) {
    // SQLite: stay well under the 32,766 bound-parameter limit; PostgreSQL: one array per column.
    this.batchSize = dialect === 'sqlite' ? Math.floor(30_000 / spec.columns.length) : 10_000;
  }

  /** Buffers a row; returns true when the batch is full (the caller then flushes parents first). */
  add(row: Row): boolean {
    this.rows.push(row);
    return this.rows.length >= this.batchSize;
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows.splice(0, this.rows.length);
    const cols = this.spec.columns.join(', ');
    if (this.dialect === 'postgres') {
      const arrays = this.spec.columns.map((_, c) => rows.map((r) => r[c] ?? null));
      const unnest = this.spec.pgTypes.map((t, c) => `$${c + 1}::${t}[]`).join(', ');
      await this.q(`INSERT INTO ${this.spec.table} (${cols}) SELECT * FROM unnest(${unnest})`, arrays);
    } else {
      const one = `(${this.spec.columns.map(() => '?').join(', ')})`;
      const sql = `INSERT INTO ${this.spec.table} (${cols}) VALUES ${rows.map(() => one).join(', ')}`;
      await this.q(sql, rows.flat());
    }
  }
}

const b = (v: boolean): number => (v ? 1 : 0);

/**
 * Runs `work` in one write transaction: through the storage layer's `transaction()` when given a
 * Database (which serialises SQLite writers in-process), else on a dedicated query runner.
 */
async function inWriteTransaction<T>(database: RegisterDb, work: (q: Exec) => Promise<T>): Promise<T> {
  if ('dataSource' in database) return database.transaction((manager) => work((sql, params) => manager.query(sql, params)));
  const db = database;
  const qr = db.createQueryRunner();
  await qr.connect();
  try {
    await qr.query(dialectOf(db) === 'sqlite' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    try {
      const result = await work((sql, params) => qr.query(sql, params));
      await qr.query('COMMIT');
      return result;
    } catch (err) {
      await qr.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    await qr.release();
  }
}

/**
 * Replaces the register with persons [0, count) of `seed`, in one transaction. Secondary indexes are
 * dropped during large loads and rebuilt afterwards; statistics are refreshed (ANALYZE).
 * With `onlyIfEmpty`, the load is skipped when a register already exists (checked under an advisory
 * lock on PostgreSQL, so concurrent instances load the demo slice once).
 */
export async function loadRegister(
  database: RegisterDb,
  options: LoadOptions,
  { onlyIfEmpty = false }: { onlyIfEmpty?: boolean } = {},
): Promise<{ loaded: boolean; persons: number; licences: number }> {
  const { seed, count } = options;
  if (!Number.isInteger(count) || count < 0 || count > MAX_REGISTER_SIZE) throw new RangeError(`count must be 0…${MAX_REGISTER_SIZE}`);
  if (!Number.isInteger(seed)) throw new RangeError('seed must be an integer');
  const db = dataSourceOf(database);
  const dialect = dialectOf(db);
  let licenceCount = 0;
  const loaded = await inWriteTransaction(database, async (q) => {
    if (dialect === 'postgres') await q(`SELECT pg_advisory_xact_lock(hashtext('personnel_register'))`);
    if (onlyIfEmpty) {
      const existing = (await q(sqlFor(dialect)(`SELECT 1 AS x FROM ${TABLES.setting} WHERE name = ?`), [REGISTER_SETTING])) as unknown[];
      if (existing.length > 0) return false;
    }
    const bulk = count >= 20_000;
    if (dialect === 'postgres') {
      await q(`TRUNCATE ${TABLES.restriction}, ${TABLES.speciality}, ${TABLES.licence}, ${TABLES.person}`);
      await q(`DELETE FROM ${TABLES.setting} WHERE name = $1`, [REGISTER_SETTING]);
    } else {
      for (const t of [TABLES.restriction, TABLES.speciality, TABLES.licence, TABLES.person]) await q(`DELETE FROM ${t}`);
      await q(`DELETE FROM ${TABLES.setting} WHERE name = ?`, [REGISTER_SETTING]);
    }
    if (bulk) for (const sql of dropIndexStatements()) await q(sql);

    const persons = new BatchWriter(q, dialect, PERSON_SPEC);
    const licences = new BatchWriter(q, dialect, LICENCE_SPEC);
    const specialities = new BatchWriter(q, dialect, SPECIALITY_SPEC);
    const restrictions = new BatchWriter(q, dialect, RESTRICTION_SPEC);
    // Parents before children (foreign keys are checked per statement on PostgreSQL).
    const flushAll = async () => {
      await persons.flush();
      await licences.flush();
      await specialities.flush();
      await restrictions.flush();
    };
    for (let i = 0; i < count; i++) {
      const p = generatePerson(seed, i);
      const gk = nameKey(p.givenName);
      const fk = nameKey(p.familyName);
      let full = persons.add([
        p.id, p.personId, p.identityNumber, b(p.coordination), p.givenName, p.familyName, gk, fk, p.birthDate,
        p.countyCode, p.municipalityCode, b(p.protectedIdentity), b(p.deceased), encodeLicenceDocument(p.licences),
      ]);
      for (const l of p.licences) {
        licenceCount++;
        full = licences.add([l.id, p.id, l.professionCode, l.licenceDate, b(l.valid), l.education, b(l.prescriptionRight), l.prescriberCode, fk, gk]) || full;
        for (const s of l.specialities) full = specialities.add([s.id, l.id, p.id, s.code, s.name]) || full;
        for (const r of l.restrictions) full = restrictions.add([r.id, l.id, p.id, r.code, r.description, r.fromDate, r.toDate]) || full;
      }
      if (full) await flushAll();
      if ((i + 1) % 50_000 === 0) options.onProgress?.(i + 1);
    }
    await flushAll();
    if (bulk) for (const sql of createIndexStatements()) await q(sql);
    const info: RegisterInfo = { seed, count, generatorVersion: GENERATOR_VERSION, loadedAt: new Date().toISOString() };
    await q(`INSERT INTO ${TABLES.setting} (name, value) VALUES (${dialect === 'postgres' ? '$1, $2' : '?, ?'})`, [REGISTER_SETTING, JSON.stringify(info)]);
    return true;
  });
  if (!loaded) return { loaded: false, persons: 0, licences: 0 };
  // Planner statistics, outside the load transaction. On PostgreSQL VACUUM also sets the visibility
  // map that index-only scans (the counts) need; VACUUM cannot run inside a transaction.
  for (const t of [TABLES.person, TABLES.licence, TABLES.speciality, TABLES.restriction]) {
    await db.query(dialect === 'postgres' ? `VACUUM ANALYZE ${t}` : `ANALYZE ${t}`);
  }
  return { loaded: true, persons: count, licences: licenceCount };
}
