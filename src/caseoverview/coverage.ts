/**
 * Which cases a representative's mandates cover (docs/hub-people.md#coverage), as one predicate in two forms:
 * SQL over case_record's indexed columns for the overview, and the same test in memory for one case (a notice
 * for a representative, decided at push time and again at delivery). Pure: the keyed hashing is passed in.
 *
 * The rule. A mandate's scope has up to four lists: senderOrganisationNumber, category, committee (codes) and
 * serviceArea. A case is covered by a mandate when, for every list that is not empty, the case's value is in
 * that list: AND across lists, OR within one, exact match, and a case without a value for a non-empty list is
 * not covered. A mandate without any list covers every case of its grantor. Several mandates in effect from
 * the same grantor to the same representative add up: their union.
 *
 * Only the sender is stored in clear; category, committee code and service area are compared as keyed HMACs
 * (CaseKeyRing.scopeHash), so the scope values are hashed here and matched against the hash columns, never by
 * opening case rows.
 */
import type { ScopeField } from './keys.js';

export type ScopeHasher = (field: ScopeField, value: string) => string;

/** A mandate's scope lists, as registered; an absent or empty list does not restrict. */
export interface MandateScope {
  readonly senderOrganisationNumber?: readonly string[];
  readonly category?: readonly string[];
  /** Committee codes. */
  readonly committee?: readonly string[];
  readonly serviceArea?: readonly string[];
}

/** The columns of case_record a scope filters on, each the first column after subject_hash of its own index. */
export type ScopeColumn = 'sender_org' | 'category_hash' | 'committee_hash' | 'service_area_hash';

/** A case's values in those columns; null when the case has no such value (never covered by a list on it). */
export type CaseScopeValues = Readonly<Record<ScopeColumn, string | null>>;

/** One mandate's condition: for each listed column, the values it accepts (AND across columns, OR within). */
type ScopeConjunction = ReadonlyArray<readonly [ScopeColumn, readonly string[]]>;

/** What mandates cover: every case, or the union of some conjunctions (none: no case). */
export type Coverage = { readonly all: true } | { readonly all: false; readonly conjunctions: readonly ScopeConjunction[] };

/** A WHERE fragment with its `?` parameters, in order. */
export interface SqlCondition {
  readonly sql: string;
  readonly params: readonly string[];
}

/** Scope list → column, and how its values are stored (the sender in clear, the rest hashed under their field). */
const LISTS: ReadonlyArray<readonly [keyof MandateScope, ScopeColumn, ScopeField | null]> = [
  ['senderOrganisationNumber', 'sender_org', null],
  ['category', 'category_hash', 'category'],
  ['committee', 'committee_hash', 'committee'],
  ['serviceArea', 'service_area_hash', 'serviceArea'],
];

/** The coverage of these mandates' scopes (undefined: a mandate without scope). */
export function coverageOf(scopes: ReadonlyArray<MandateScope | undefined>, hash: ScopeHasher): Coverage {
  const conjunctions = new Map<string, ScopeConjunction>();
  for (const scope of scopes) {
    const conjunction: Array<readonly [ScopeColumn, readonly string[]]> = [];
    for (const [list, column, field] of LISTS) {
      const values = scope?.[list] ?? [];
      if (values.length === 0) continue;
      const stored = [...new Set(values.map((v) => (field === null ? v : hash(field, v))))].sort();
      conjunction.push([column, stored]);
    }
    if (conjunction.length === 0) return { all: true };
    conjunctions.set(JSON.stringify(conjunction), conjunction);
  }
  return { all: false, conjunctions: [...conjunctions.values()] };
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/**
 * The coverage as one SQL condition over case_record's columns (`column` qualifies a column name, e.g. with a
 * table alias): `1 = 1` for everything, `1 = 0` for nothing. Correct for every scope; a page read with it stays
 * bounded by an index when the scope has one list with one value. For several values or mandates, see
 * coverageBranches.
 */
export function coverageSql(coverage: Coverage, column: (c: ScopeColumn) => string = (c) => c): SqlCondition {
  if (coverage.all) return { sql: '1 = 1', params: [] };
  if (coverage.conjunctions.length === 0) return { sql: '1 = 0', params: [] };
  const params: string[] = [];
  const terms = coverage.conjunctions.map((conjunction) => {
    const parts = conjunction.map(([c, values]) => {
      params.push(...values);
      return values.length === 1 ? `${column(c)} = ?` : `${column(c)} IN (${marks(values.length)})`;
    });
    return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
  });
  return { sql: terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`, params };
}

/**
 * The coverage as branches of equalities whose union is the covered set (an IN-list becomes one branch per
 * value), or undefined when there would be more than `maxBranches`. A branch with a single equality is read
 * from that column's index in page order, so a page read as the union of the branches, each limited to the
 * page size, costs at most (branches × page size) index entries however many cases the subject has
 * (docs/hub-people.md#indexes). Branches may overlap (a case two mandates cover): the union must deduplicate.
 */
export function coverageBranches(coverage: Coverage, maxBranches: number, column: (c: ScopeColumn) => string = (c) => c): SqlCondition[] | undefined {
  if (coverage.all) return [{ sql: '1 = 1', params: [] }];
  const branches: SqlCondition[] = [];
  for (const conjunction of coverage.conjunctions) {
    let partial: SqlCondition[] = [{ sql: '', params: [] }];
    for (const [c, values] of conjunction) {
      if (partial.length * values.length + branches.length > maxBranches) return undefined;
      partial = partial.flatMap((p) =>
        values.map((v) => ({ sql: p.sql === '' ? `${column(c)} = ?` : `${p.sql} AND ${column(c)} = ?`, params: [...p.params, v] })),
      );
    }
    branches.push(...partial);
    if (branches.length > maxBranches) return undefined;
  }
  return branches;
}

/** Does the coverage include this case? The same predicate as coverageSql, in memory. */
export function coversCase(coverage: Coverage, values: CaseScopeValues): boolean {
  if (coverage.all) return true;
  return coverage.conjunctions.some((conjunction) =>
    conjunction.every(([c, accepted]) => {
      const v = values[c];
      return v !== null && accepted.includes(v);
    }),
  );
}

/**
 * A case's values in the scope columns: what a push writes to case_record and what coversCase reads. The
 * committee is matched by its code; an absent value is null.
 */
export function caseScopeValues(
  c: { readonly senderOrganisation: string; readonly category?: string; readonly committeeCode?: string; readonly serviceArea?: string },
  hash: ScopeHasher,
): CaseScopeValues {
  return {
    sender_org: c.senderOrganisation,
    category_hash: c.category === undefined ? null : hash('category', c.category),
    committee_hash: c.committeeCode === undefined ? null : hash('committee', c.committeeCode),
    service_area_hash: c.serviceArea === undefined ? null : hash('serviceArea', c.serviceArea),
  };
}
