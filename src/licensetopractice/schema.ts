/**
 * The licensed-personnel register: its tables, indexes and migrations. The migrations' SQL is the only
 * description of these tables: no code reads them through TypeORM entities (the data access is
 * parameterised SQL in personnel-store.ts and register-loader.ts), so none are declared.
 *
 * Design notes
 * - Booleans are SMALLINT 0/1 on both engines (better-sqlite3 cannot bind JS booleans, and raw SQL
 *   stays identical across engines). Dates are ISO `YYYY-MM-DD` strings (VARCHAR(10)).
 * - Name keys (see name-key.ts) are ASCII and stored `COLLATE "C"` on PostgreSQL; SQLite's default
 *   BINARY collation is the same byte order, so both engines match and order identically.
 * - The search table for the benchmark query (name prefix + profession) is `personnel_licence`: it
 *   carries the person's name keys denormalised, with the index
 *   (profession_code, family_key, given_key, person_id) — one index range gives the hits in result
 *   order, and the count is an index-only scan. The register is written only by the generator /
 *   importer, which keeps the copies in step.
 * - Address-derived fields (county, municipality) live on the person row; the access layer never
 *   returns them for protected identities.
 */
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import type { Engine } from '../storage/sql.js';

/** The storage engine behind a DataSource the register code was handed (it also takes bare DataSources). */
export type Dialect = Engine;

export function dialectOf(db: DataSource | QueryRunner['connection']): Dialect {
  const type = String(db.options.type);
  if (type === 'postgres') return 'postgres';
  if (type === 'better-sqlite3' || type === 'sqlite') return 'sqlite';
  throw new Error(`licensetopractice: unsupported database type ${String(type)}`);
}

export const TABLES = {
  person: 'personnel_person',
  licence: 'personnel_licence',
  speciality: 'personnel_speciality',
  restriction: 'personnel_restriction',
  setting: 'personnel_setting',
} as const;

function keyType(d: Dialect): string {
  return d === 'postgres' ? 'VARCHAR(100) COLLATE "C"' : 'VARCHAR(100)';
}

/** CREATE TABLE statements (no secondary indexes), in dependency order. */
function createTableStatements(d: Dialect): string[] {
  const key = keyType(d);
  return [
    `CREATE TABLE ${TABLES.person} (
      id INTEGER NOT NULL PRIMARY KEY,
      person_id VARCHAR(32) NOT NULL,
      identity_number VARCHAR(12) NOT NULL,
      coordination SMALLINT NOT NULL DEFAULT 0,
      given_name VARCHAR(100) NOT NULL,
      family_name VARCHAR(100) NOT NULL,
      given_key ${key} NOT NULL,
      family_key ${key} NOT NULL,
      birth_date VARCHAR(10) NOT NULL,
      county_code VARCHAR(2) NULL,
      municipality_code VARCHAR(4) NULL,
      protected_identity SMALLINT NOT NULL DEFAULT 0,
      deceased SMALLINT NOT NULL DEFAULT 0,
      CONSTRAINT uq_personnel_person_person_id UNIQUE (person_id),
      CONSTRAINT uq_personnel_person_identity UNIQUE (identity_number)
    )`,
    `CREATE TABLE ${TABLES.licence} (
      id INTEGER NOT NULL PRIMARY KEY,
      person_id INTEGER NOT NULL REFERENCES ${TABLES.person} (id) ON DELETE CASCADE,
      profession_code VARCHAR(2) NOT NULL,
      licence_date VARCHAR(10) NOT NULL,
      valid SMALLINT NOT NULL DEFAULT 1,
      education VARCHAR(200) NULL,
      prescription_right SMALLINT NOT NULL DEFAULT 0,
      prescriber_code VARCHAR(16) NULL,
      family_key ${key} NOT NULL,
      given_key ${key} NOT NULL,
      CONSTRAINT uq_personnel_licence_person_profession UNIQUE (person_id, profession_code)
    )`,
    `CREATE TABLE ${TABLES.speciality} (
      id INTEGER NOT NULL PRIMARY KEY,
      licence_id INTEGER NOT NULL REFERENCES ${TABLES.licence} (id) ON DELETE CASCADE,
      person_id INTEGER NOT NULL,
      code VARCHAR(16) NOT NULL,
      name VARCHAR(200) NOT NULL
    )`,
    `CREATE TABLE ${TABLES.restriction} (
      id INTEGER NOT NULL PRIMARY KEY,
      licence_id INTEGER NOT NULL REFERENCES ${TABLES.licence} (id) ON DELETE CASCADE,
      person_id INTEGER NOT NULL,
      code VARCHAR(3) NOT NULL,
      description VARCHAR(200) NOT NULL,
      from_date VARCHAR(10) NOT NULL,
      to_date VARCHAR(10) NULL
    )`,
    `CREATE TABLE ${TABLES.setting} (
      name VARCHAR(64) NOT NULL PRIMARY KEY,
      value VARCHAR(4000) NOT NULL
    )`,
  ];
}

/**
 * Secondary indexes. The generator drops and re-creates these around a bulk load; the names are
 * the same on both engines.
 */
const SECONDARY_INDEXES: ReadonlyArray<{ readonly name: string; readonly table: string; readonly columns: string }> = [
  { name: 'ix_personnel_person_name', table: TABLES.person, columns: 'family_key, given_key, id' },
  { name: 'ix_personnel_person_given', table: TABLES.person, columns: 'given_key, family_key, id' },
  { name: 'ix_personnel_person_birth', table: TABLES.person, columns: 'birth_date' },
  { name: 'ix_personnel_person_county', table: TABLES.person, columns: 'county_code, family_key, given_key, id' },
  { name: 'ix_personnel_person_municipality', table: TABLES.person, columns: 'municipality_code, family_key, given_key, id' },
  { name: 'ix_personnel_licence_search', table: TABLES.licence, columns: 'profession_code, family_key, given_key, person_id' },
  { name: 'ix_personnel_licence_prescriber', table: TABLES.licence, columns: 'prescriber_code' },
  { name: 'ix_personnel_speciality_code', table: TABLES.speciality, columns: 'code, person_id' },
  { name: 'ix_personnel_speciality_licence', table: TABLES.speciality, columns: 'licence_id' },
  { name: 'ix_personnel_restriction_licence', table: TABLES.restriction, columns: 'licence_id' },
];

export function createIndexStatements(): string[] {
  return SECONDARY_INDEXES.map((ix) => `CREATE INDEX ${ix.name} ON ${ix.table} (${ix.columns})`);
}

export function dropIndexStatements(): string[] {
  return SECONDARY_INDEXES.map((ix) => `DROP INDEX IF EXISTS ${ix.name}`);
}

/** The register's tables and indexes; in the one migration list, src/schema.ts. */
export class PersonnelRegister1767225602000 implements MigrationInterface {
  name = 'PersonnelRegister1767225602000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const d = dialectOf(queryRunner.connection);
    for (const sql of [...createTableStatements(d), ...createIndexStatements()]) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const t of [TABLES.restriction, TABLES.speciality, TABLES.licence, TABLES.person, TABLES.setting]) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}

/**
 * Each person row also carries its licences, with their specialities and restrictions, as one
 * document (licence-document.ts). A search then reads a page of persons with everything it answers in
 * one B-tree read per person, instead of four more index descents per licence: the licence query
 * was the largest statement of a search (docs/performance.md). The normalised tables stay the
 * source for the search criteria. NULL (a register loaded before this migration) means: read the
 * normalised tables.
 */
export class PersonnelLicenceDocument1767225604000 implements MigrationInterface {
  readonly name = 'PersonnelLicenceDocument1767225604000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${TABLES.person} ADD COLUMN licence_document TEXT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${TABLES.person} DROP COLUMN licence_document`);
  }
}
