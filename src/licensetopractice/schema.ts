/**
 * The licensed-personnel register: tables, indexes, TypeORM entity schemas and the migration.
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
import { EntitySchema, type DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
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
export function createTableStatements(d: Dialect): string[] {
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
export const SECONDARY_INDEXES: ReadonlyArray<{ readonly name: string; readonly table: string; readonly columns: string }> = [
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

// ---------------------------------------------------------------------------------------------
// TypeORM entity schemas (documentation of the mapping; data access uses parameterised SQL in
// personnel-store.ts). Explicit column types everywhere; no decorator metadata.

export interface PersonRow {
  id: number;
  personId: string;
  identityNumber: string;
  coordination: number;
  givenName: string;
  familyName: string;
  givenKey: string;
  familyKey: string;
  birthDate: string;
  countyCode: string | null;
  municipalityCode: string | null;
  protectedIdentity: number;
  deceased: number;
}

export interface LicenceRow {
  id: number;
  personId: number;
  professionCode: string;
  licenceDate: string;
  valid: number;
  education: string | null;
  prescriptionRight: number;
  prescriberCode: string | null;
  familyKey: string;
  givenKey: string;
}

export interface SpecialityRow {
  id: number;
  licenceId: number;
  personId: number;
  code: string;
  name: string;
}

export interface RestrictionRow {
  id: number;
  licenceId: number;
  personId: number;
  code: string;
  description: string;
  fromDate: string;
  toDate: string | null;
}

export interface SettingRow {
  name: string;
  value: string;
}

// The migration is authoritative: it declares the key columns COLLATE "C" on PostgreSQL (SQLite has
// no "C" collation; its BINARY default is the same order), so the entity leaves collation unset.
const key = { type: 'varchar', length: 100 } as const;

export const PersonEntity = new EntitySchema<PersonRow>({
  name: 'PersonnelPerson',
  tableName: TABLES.person,
  columns: {
    id: { type: 'integer', primary: true },
    personId: { name: 'person_id', type: 'varchar', length: 32, unique: true },
    identityNumber: { name: 'identity_number', type: 'varchar', length: 12, unique: true },
    coordination: { type: 'smallint', default: 0 },
    givenName: { name: 'given_name', type: 'varchar', length: 100 },
    familyName: { name: 'family_name', type: 'varchar', length: 100 },
    givenKey: { name: 'given_key', ...key },
    familyKey: { name: 'family_key', ...key },
    birthDate: { name: 'birth_date', type: 'varchar', length: 10 },
    countyCode: { name: 'county_code', type: 'varchar', length: 2, nullable: true },
    municipalityCode: { name: 'municipality_code', type: 'varchar', length: 4, nullable: true },
    protectedIdentity: { name: 'protected_identity', type: 'smallint', default: 0 },
    deceased: { type: 'smallint', default: 0 },
  },
});

export const LicenceEntity = new EntitySchema<LicenceRow>({
  name: 'PersonnelLicence',
  tableName: TABLES.licence,
  columns: {
    id: { type: 'integer', primary: true },
    personId: { name: 'person_id', type: 'integer' },
    professionCode: { name: 'profession_code', type: 'varchar', length: 2 },
    licenceDate: { name: 'licence_date', type: 'varchar', length: 10 },
    valid: { type: 'smallint', default: 1 },
    education: { type: 'varchar', length: 200, nullable: true },
    prescriptionRight: { name: 'prescription_right', type: 'smallint', default: 0 },
    prescriberCode: { name: 'prescriber_code', type: 'varchar', length: 16, nullable: true },
    familyKey: { name: 'family_key', ...key },
    givenKey: { name: 'given_key', ...key },
  },
});

export const SpecialityEntity = new EntitySchema<SpecialityRow>({
  name: 'PersonnelSpeciality',
  tableName: TABLES.speciality,
  columns: {
    id: { type: 'integer', primary: true },
    licenceId: { name: 'licence_id', type: 'integer' },
    personId: { name: 'person_id', type: 'integer' },
    code: { type: 'varchar', length: 16 },
    name: { type: 'varchar', length: 200 },
  },
});

export const RestrictionEntity = new EntitySchema<RestrictionRow>({
  name: 'PersonnelRestriction',
  tableName: TABLES.restriction,
  columns: {
    id: { type: 'integer', primary: true },
    licenceId: { name: 'licence_id', type: 'integer' },
    personId: { name: 'person_id', type: 'integer' },
    code: { type: 'varchar', length: 3 },
    description: { type: 'varchar', length: 200 },
    fromDate: { name: 'from_date', type: 'varchar', length: 10 },
    toDate: { name: 'to_date', type: 'varchar', length: 10, nullable: true },
  },
});

export const SettingEntity = new EntitySchema<SettingRow>({
  name: 'PersonnelSetting',
  tableName: TABLES.setting,
  columns: {
    name: { type: 'varchar', length: 64, primary: true },
    value: { type: 'varchar', length: 4000 },
  },
});

/** The register's entity schemas: the mapping written down, not registered in the DataSource (data access is SQL). */
export const personnelEntities = [PersonEntity, LicenceEntity, SpecialityEntity, RestrictionEntity, SettingEntity];
