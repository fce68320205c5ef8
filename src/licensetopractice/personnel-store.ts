/**
 * Data access for SearchPersonnel. The only place that builds SQL for the register: every criterion
 * value is a bound parameter; the SQL text is assembled from fixed fragments only.
 *
 * Query shapes
 * - Exactly one profession code: the query is driven by `personnel_licence`, whose index
 *   (profession_code, family_key, given_key, person_id) yields the hits in result order; when every
 *   other criterion is a name, the count is an index-only range scan (the benchmark query).
 * - Otherwise it is driven by `personnel_person` (indexes by name, given name, birth date, county,
 *   municipality, identity number); professions, specialities and prescriber codes are semi-joins.
 * - Keyset paging on (family_key, given_key, id): stable, and cheap at any depth.
 * - The page's licences come from each person row's licence document (licence-document.ts), so a
 *   page costs one row read per person; rows without one (older registers) use the licence tables.
 * - The count runs only when the first page cannot tell it (it is full, or a later page is asked for).
 * - County and municipality criteria never match a person with protected identity: a match would
 *   reveal the address-derived field the response withholds.
 * - An identity-number criterion with `excludeProtected` never matches a person with protected
 *   identity, in the page and in the count (they share one WHERE): for a caller that may not see
 *   such a number, a search by it looks exactly like a search by a number nobody has.
 */
import crypto from 'node:crypto';
import type { Database, SqlRunner } from '../storage/database.js';
import { dbProgram } from '../storage/sqlite-thread.js';
import { sqlFor } from '../storage/sql.js';
import type { ProfessionCode, RestrictionCode } from './codes.js';
import { decodeLicenceDocument } from './licence-document.js';
import { prefixUpperBound, type NameMatch } from './name-key.js';
import type { LicenceRecord, PersonRecord } from './personnel-records.js';
import { TABLES, type Dialect } from './schema.js';

export interface SearchCriteria {
  /** `excludeProtected`: the caller may not see protected persons' numbers, so none of them matches. */
  readonly identity?: { readonly number: string; readonly coordination: boolean; readonly excludeProtected: boolean };
  readonly birthDate?: string;
  readonly familyName?: NameMatch;
  readonly givenName?: NameMatch;
  /** Distinct, sorted. */
  readonly professionCodes?: readonly ProfessionCode[];
  readonly specialityCode?: string;
  readonly countyCode?: string;
  readonly municipalityCode?: string;
  readonly prescriberCode?: string;
}

/** Position in the stable result order. */
export interface SortKey {
  readonly familyKey: string;
  readonly givenKey: string;
  readonly id: number;
}

export interface SearchPage {
  readonly persons: readonly PersonRecord[];
  readonly totalCount: number;
  /** Set when more hits follow the page: the sort key of its last person. */
  readonly next: SortKey | undefined;
}

/** Collects the parameters of a statement as it is built; each becomes a `?` (see sqlFor). */
class Params {
  readonly values: Array<string | number> = [];
  add(v: string | number): string {
    this.values.push(v);
    return '?';
  }
}

interface PersonSqlRow {
  id: number;
  fk: string;
  gk: string;
  person_id: string;
  identity_number: string;
  coordination: number;
  given_name: string;
  family_name: string;
  birth_date: string;
  county_code: string | null;
  municipality_code: string | null;
  protected_identity: number;
  deceased: number;
  /** NULL for a register loaded before the PersonnelLicenceDocument migration. */
  licence_document: string | null;
}

interface LicenceSqlRow {
  id: number;
  person_id: number;
  profession_code: string;
  licence_date: string;
  valid: number;
  education: string | null;
  prescription_right: number;
  prescriber_code: string | null;
}

const TOKEN_KEY_SETTING = 'continuation_key';

export class PersonnelStore {
  readonly dialect: Dialect;
  private tokenKey: Buffer | undefined;
  private readonly sql: (text: string) => string;

  constructor(
    private readonly db: Database,
    /** A fixed continuation-token key (config); otherwise one is kept in the database, shared by all instances. */
    configuredTokenKey?: Buffer,
  ) {
    this.dialect = db.engine;
    this.sql = sqlFor(this.dialect);
    this.tokenKey = configuredTokenKey;
  }

  /** Runs a statement written with `?` parameters; connection-level failures become DatabaseUnavailableError (fault RP010). */
  private query<T>(text: string, params: ReadonlyArray<string | number>): Promise<T[]> {
    return this.db.read((sql) => sql.query(this.sql(text), params)) as Promise<T[]>;
  }

  /** The 32-byte key for continuation tokens: configured, or created once in the database. */
  async continuationKey(): Promise<Buffer> {
    if (this.tokenKey) return this.tokenKey;
    const fresh = crypto.randomBytes(32).toString('base64');
    await this.db.transaction((sql) =>
      sql.query(this.sql(`INSERT INTO ${TABLES.setting} (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`), [TOKEN_KEY_SETTING, fresh]),
    );
    const rows = await this.query<{ value: string }>(`SELECT value FROM ${TABLES.setting} WHERE name = ?`, [TOKEN_KEY_SETTING]);
    const key = Buffer.from(rows[0]!.value, 'base64');
    if (key.length !== 32) throw new Error('personnel continuation key in the database is not 32 bytes');
    this.tokenKey = key;
    return key;
  }

  async search(criteria: SearchCriteria, page: { readonly limit: number; readonly after?: SortKey }): Promise<SearchPage> {
    const { rows: pageRows, totalCount, next } = await this.db.readProgram(SEARCH_ROWS, { dialect: this.dialect, criteria, limit: page.limit, after: page.after });
    const persons = await this.withLicences(pageRows);
    return { persons, totalCount, next };
  }

  /** The page's persons with their licences: from each row's licence document, else from the licence tables. */
  private async withLicences(rows: readonly PersonSqlRow[]): Promise<PersonRecord[]> {
    const undocumented = rows.filter((r) => r.licence_document === null);
    const queried = undocumented.length > 0 ? await this.queryLicences(undocumented) : new Map<number, LicenceRecord[]>();
    return rows.map((r) => ({
      id: Number(r.id),
      personId: r.person_id,
      identityNumber: r.identity_number,
      coordination: Number(r.coordination) === 1,
      givenName: r.given_name,
      familyName: r.family_name,
      birthDate: r.birth_date,
      countyCode: r.county_code ?? undefined,
      municipalityCode: r.municipality_code ?? undefined,
      protectedIdentity: Number(r.protected_identity) === 1,
      deceased: Number(r.deceased) === 1,
      licences: r.licence_document !== null ? decodeLicenceDocument(r.licence_document) : (queried.get(Number(r.id)) ?? []),
    }));
  }

  /** Licences of the given persons from the normalised tables, by person id. */
  private async queryLicences(rows: readonly PersonSqlRow[]): Promise<Map<number, LicenceRecord[]>> {
    const ids = rows.map((r) => Number(r.id));
    const inList = (ps: Params) => ids.map((id) => ps.add(id)).join(', ');
    // One round trip for licences with their specialities and restrictions (outer joins; the rare
    // speciality × restriction cross product is de-duplicated by id below).
    const lp = new Params();
    const joined = await this.query<LicenceSqlRow & {
      s_id: number | null; s_code: string | null; s_name: string | null;
      r_id: number | null; r_code: string | null; r_description: string | null; r_from: string | null; r_to: string | null;
    }>(
      `SELECT l.id, l.person_id, l.profession_code, l.licence_date, l.valid, l.education, l.prescription_right, l.prescriber_code,
              s.id AS s_id, s.code AS s_code, s.name AS s_name,
              r.id AS r_id, r.code AS r_code, r.description AS r_description, r.from_date AS r_from, r.to_date AS r_to
         FROM ${TABLES.licence} l
         LEFT JOIN ${TABLES.speciality} s ON s.licence_id = l.id
         LEFT JOIN ${TABLES.restriction} r ON r.licence_id = l.id
        WHERE l.person_id IN (${inList(lp)})
        ORDER BY l.person_id, l.profession_code, s.code, r.from_date, r.code`,
      lp.values,
    );
    const licences: LicenceSqlRow[] = [];
    const specialities: Array<{ licence_id: number; code: string; name: string }> = [];
    const restrictions: Array<{ licence_id: number; code: string; description: string; from_date: string; to_date: string | null }> = [];
    const seenL = new Set<number>();
    const seenS = new Set<number>();
    const seenR = new Set<number>();
    for (const row of joined) {
      const lid = Number(row.id);
      if (!seenL.has(lid)) {
        seenL.add(lid);
        licences.push(row);
      }
      if (row.s_id !== null && !seenS.has(Number(row.s_id))) {
        seenS.add(Number(row.s_id));
        specialities.push({ licence_id: lid, code: row.s_code!, name: row.s_name! });
      }
      if (row.r_id !== null && !seenR.has(Number(row.r_id))) {
        seenR.add(Number(row.r_id));
        restrictions.push({ licence_id: lid, code: row.r_code!, description: row.r_description!, from_date: row.r_from!, to_date: row.r_to });
      }
    }
    const specByLicence = groupBy(specialities, (s) => Number(s.licence_id));
    const restrByLicence = groupBy(restrictions, (r) => Number(r.licence_id));
    const licByPerson = groupBy(licences, (l) => Number(l.person_id));
    const out = new Map<number, LicenceRecord[]>();
    for (const id of ids) {
      out.set(
        id,
        (licByPerson.get(id) ?? []).map((l) => ({
          professionCode: l.profession_code as ProfessionCode,
          licenceDate: l.licence_date,
          valid: Number(l.valid) === 1,
          education: l.education ?? undefined,
          prescriptionRight: Number(l.prescription_right) === 1,
          prescriberCode: l.prescriber_code ?? undefined,
          specialities: (specByLicence.get(Number(l.id)) ?? []).map((s) => ({ code: s.code, name: s.name })),
          restrictions: (restrByLicence.get(Number(l.id)) ?? []).map((x) => ({
            code: x.code as RestrictionCode,
            description: x.description,
            fromDate: x.from_date,
            toDate: x.to_date ?? undefined,
          })),
        })),
      );
    }
    return out;
  }
}

function groupBy<T>(items: readonly T[], key: (t: T) => number): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** The page's rows and the count: a read program, so on SQLite it runs on the database thread. */
export async function searchRowsProgram(
  m: SqlRunner,
  job: { readonly dialect: Dialect; readonly criteria: SearchCriteria; readonly limit: number; readonly after: SortKey | undefined },
): Promise<{ rows: PersonSqlRow[]; totalCount: number; next: SortKey | undefined }> {
  const { criteria, dialect } = job;
  const page = { limit: job.limit, after: job.after };
  const sql = sqlFor(dialect);
  const professions = criteria.professionCodes ?? [];
  const viaLicence = professions.length === 1;
  // K: the alias whose (family_key, given_key, id) is the sort key.
  const k = viaLicence ? { fk: 'd.family_key', gk: 'd.given_key', id: 'd.person_id' } : { fk: 'p.family_key', gk: 'p.given_key', id: 'p.id' };

  // PostgreSQL: OFFSET 0 keeps a selective semi-join from being flattened into a name-ordered scan
  // that probes every person (the LIMIT makes that plan look cheap, and it is not).
  const fence = dialect === 'postgres' ? ' OFFSET 0' : '';
  const where: string[] = [];
  const personWhere: string[] = [];
  const params = new Params();
  // The count and the page share the WHERE text, so each builds its own parameter list in the same order.
  const build = (ps: Params) => {
    where.length = 0;
    personWhere.length = 0;
    if (viaLicence) where.push(`d.profession_code = ${ps.add(professions[0]!)}`);
    const name = (col: string, m: NameMatch | undefined) => {
      if (!m) return;
      if (m.kind === 'exact') where.push(`${col} = ${ps.add(m.key)}`);
      else where.push(`${col} >= ${ps.add(m.key)}`, `${col} < ${ps.add(prefixUpperBound(m.key))}`);
    };
    name(k.fk, criteria.familyName);
    name(k.gk, criteria.givenName);
    if (criteria.identity) {
      personWhere.push(`p.identity_number = ${ps.add(criteria.identity.number)}`, `p.coordination = ${ps.add(criteria.identity.coordination ? 1 : 0)}`);
      if (criteria.identity.excludeProtected) personWhere.push('p.protected_identity = 0');
    }
    if (criteria.birthDate) personWhere.push(`p.birth_date = ${ps.add(criteria.birthDate)}`);
    if (criteria.countyCode) personWhere.push(`p.county_code = ${ps.add(criteria.countyCode)}`, 'p.protected_identity = 0');
    if (criteria.municipalityCode) personWhere.push(`p.municipality_code = ${ps.add(criteria.municipalityCode)}`, 'p.protected_identity = 0');
    if (professions.length > 1) {
      const list = professions.map((c) => ps.add(c)).join(', ');
      // With a selective person-level criterion, probe each candidate's licences (unique index
      // person_id, profession_code); otherwise drive from the licences of those professions.
      const selective = criteria.familyName || criteria.givenName || criteria.identity || criteria.birthDate || criteria.prescriberCode;
      personWhere.push(
        selective
          ? `EXISTS (SELECT 1 FROM ${TABLES.licence} l WHERE l.person_id = p.id AND l.profession_code IN (${list}))`
          : `p.id IN (SELECT l.person_id FROM ${TABLES.licence} l WHERE l.profession_code IN (${list})${fence})`,
      );
    }
    if (criteria.specialityCode) {
      personWhere.push(`p.id IN (SELECT s.person_id FROM ${TABLES.speciality} s WHERE s.code = ${ps.add(criteria.specialityCode)}${fence})`);
    }
    if (criteria.prescriberCode) {
      personWhere.push(`p.id IN (SELECT l2.person_id FROM ${TABLES.licence} l2 WHERE l2.prescriber_code = ${ps.add(criteria.prescriberCode)}${fence})`);
    }
  };

  // The count's statement (run after the page, and only when the page cannot tell).
  build(params);
  const needPerson = !viaLicence || personWhere.length > 0;
  const from = viaLicence
    ? needPerson
      ? `${TABLES.licence} d JOIN ${TABLES.person} p ON p.id = d.person_id`
      : `${TABLES.licence} d`
    : `${TABLES.person} p`;
  const allWhere = [...where, ...personWhere];
  if (allWhere.length === 0) throw new Error('PersonnelStore.search needs at least one criterion');
  const countSql = `SELECT COUNT(*) AS n FROM ${from} WHERE ${allWhere.join(' AND ')}`;

  // Page.
  const pageParams = new Params();
  build(pageParams);
  const pageWhere = [...where, ...personWhere];
  if (page.after) {
    pageWhere.push(`(${k.fk}, ${k.gk}, ${k.id}) > (${pageParams.add(page.after.familyKey)}, ${pageParams.add(page.after.givenKey)}, ${pageParams.add(page.after.id)})`);
  }
  const pageFrom = viaLicence ? `${TABLES.licence} d JOIN ${TABLES.person} p ON p.id = d.person_id` : `${TABLES.person} p`;
  const limit = pageParams.add(page.limit + 1);
  const rows = (await m.query(sql(
    `SELECT p.id AS id, ${k.fk} AS fk, ${k.gk} AS gk, p.person_id, p.identity_number, p.coordination, p.given_name, p.family_name,
            p.birth_date, p.county_code, p.municipality_code, p.protected_identity, p.deceased, p.licence_document
       FROM ${pageFrom}
      WHERE ${pageWhere.join(' AND ')}
      ORDER BY ${k.fk}, ${k.gk}, ${k.id}
      LIMIT ${limit}`),
    pageParams.values,
  )) as PersonSqlRow[];
  const more = rows.length > page.limit;
  const pageRows = more ? rows.slice(0, page.limit) : rows;
  // A first page that holds every hit is its own count (identity-number lookups, narrow searches).
  const totalCount =
    !page.after && !more
      ? pageRows.length
      : Number(((await m.query(sql(countSql), params.values)) as Array<{ n: number | string }>)[0]?.n ?? 0);
  const last = pageRows[pageRows.length - 1];
  return {
    rows: pageRows,
    totalCount,
    next: more && last ? { familyKey: last.fk, givenKey: last.gk, id: Number(last.id) } : undefined,
  };
}

const SEARCH_ROWS = dbProgram(import.meta.url, searchRowsProgram);
