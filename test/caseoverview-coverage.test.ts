/**
 * Mandate coverage (src/caseoverview/coverage.ts, docs/hub-people.md#coverage): the rule case by case, then
 * the SQL condition, the branches and the in-memory predicate checked against a reference reading of the rule
 * over every combination of case values and many generated scopes, the SQL on both engines' case_record.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  caseScopeValues,
  coverageBranches,
  coverageOf,
  coverageSql,
  coversCase,
  type Coverage,
  type MandateScope,
  type ScopeHasher,
} from '../src/caseoverview/coverage.js';
import { CASE_TABLES } from '../src/caseoverview/schema.js';
import { sqlFor } from '../src/storage/sql.js';
import { forEachEngine } from './helpers/engines.js';

/** A stand-in for the keyed hash: distinct per field, so tests can see what was hashed under which field. */
const hash: ScopeHasher = (field, value) => `${field}|${value}`;

interface PlainCase {
  readonly senderOrganisation: string;
  readonly category?: string;
  readonly committeeCode?: string;
  readonly serviceArea?: string;
}

/** The rule as the documentation states it, on plain values. */
function referenceCovers(scopes: ReadonlyArray<MandateScope | undefined>, c: PlainCase): boolean {
  return scopes.some((s) => {
    const lists: Array<[readonly string[] | undefined, string | undefined]> = [
      [s?.senderOrganisationNumber, c.senderOrganisation],
      [s?.category, c.category],
      [s?.committee, c.committeeCode],
      [s?.serviceArea, c.serviceArea],
    ];
    return lists.every(([list, value]) => !list || list.length === 0 || (value !== undefined && list.includes(value)));
  });
}

const covers = (scopes: ReadonlyArray<MandateScope | undefined>, c: PlainCase) => coversCase(coverageOf(scopes, hash), caseScopeValues(c, hash));

const SENDERS = ['5599999991', '5599999992'];
const CATEGORIES = [undefined, 'Bygglov', 'Tillsyn'];
const COMMITTEES = [undefined, 'SN', 'BN'];
const AREAS = [undefined, 'SOL_IFO', 'SOL_ELDERLY'];
const ALL_CASES: PlainCase[] = SENDERS.flatMap((senderOrganisation) =>
  CATEGORIES.flatMap((category) =>
    COMMITTEES.flatMap((committeeCode) =>
      AREAS.map((serviceArea) => ({
        senderOrganisation,
        ...(category ? { category } : {}),
        ...(committeeCode ? { committeeCode } : {}),
        ...(serviceArea ? { serviceArea } : {}),
      })),
    ),
  ),
);

/** Deterministic scopes: 0–3 mandates, each list absent, empty or a subset of the values. */
function* generatedScopes(count: number): Generator<Array<MandateScope | undefined>> {
  let seed = 20261206;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const subset = (values: ReadonlyArray<string | undefined>) => {
    const r = next();
    if (r < 0.4) return undefined;
    if (r < 0.5) return [];
    return values.filter((v): v is string => v !== undefined && next() < 0.5);
  };
  for (let i = 0; i < count; i++) {
    const mandates = Math.floor(next() * 4);
    yield Array.from({ length: mandates }, () => {
      if (next() < 0.1) return undefined;
      const scope: Record<string, string[]> = {};
      for (const [key, values] of [['senderOrganisationNumber', SENDERS], ['category', CATEGORIES], ['committee', COMMITTEES], ['serviceArea', AREAS]] as const) {
        const s = subset(values);
        if (s) scope[key] = s;
      }
      return scope as MandateScope;
    });
  }
}

describe('coverage: the rule', () => {
  const c: PlainCase = { senderOrganisation: '5599999991', category: 'Bygglov', committeeCode: 'SN', serviceArea: 'SOL_IFO' };

  it('a mandate without lists, or with empty ones, covers every case; no mandate covers none', () => {
    assert.equal(covers([undefined], { senderOrganisation: '5599999992' }), true);
    assert.equal(covers([{ category: [], committee: [] }], c), true);
    assert.deepEqual(coverageOf([{ category: ['Bygglov'] }, {}], hash), { all: true }, 'an unscoped mandate subsumes the rest');
    assert.equal(covers([], c), false);
    assert.deepEqual(coverageSql(coverageOf([], hash)), { sql: '1 = 0', params: [] });
    assert.deepEqual(coverageSql(coverageOf([{}], hash)), { sql: '1 = 1', params: [] });
  });

  it('AND across lists, OR within one, exact match, a missing value is not covered', () => {
    assert.equal(covers([{ category: ['Tillsyn', 'Bygglov'] }], c), true, 'OR within');
    assert.equal(covers([{ category: ['Bygglov'], serviceArea: ['SOL_ELDERLY'] }], c), false, 'AND across');
    assert.equal(covers([{ category: ['Bygglov'], serviceArea: ['SOL_IFO'], senderOrganisationNumber: ['5599999991'] }], c), true);
    assert.equal(covers([{ category: ['bygglov'] }], c), false, 'exact: case matters');
    assert.equal(covers([{ category: ['Bygglov '] }], c), false, 'exact: no trimming');
    assert.equal(covers([{ category: ['Bygglov'] }], { senderOrganisation: '5599999991' }), false, 'no category, not covered');
    assert.equal(covers([{ committee: ['Bygglov'] }], c), false, 'a value in another field does not match');
  });

  it('mandates add up: the union of their scopes', () => {
    const scopes = [{ category: ['Tillsyn'] }, { serviceArea: ['SOL_IFO'] }];
    assert.equal(covers(scopes, c), true);
    assert.equal(covers(scopes, { senderOrganisation: '5599999991', category: 'Tillsyn' }), true);
    assert.equal(covers(scopes, { senderOrganisation: '5599999991', category: 'Annat' }), false);
  });

  it('hashes each list under its own field, keeps the sender in clear, and writes one parameter per mark', () => {
    const sql = coverageSql(coverageOf([{ senderOrganisationNumber: ['5599999991'], committee: ['SN', 'BN', 'SN'] }, { serviceArea: ['OTHER'] }], hash), (col) => `r.${col}`);
    assert.equal(sql.sql, '((r.sender_org = ? AND r.committee_hash IN (?, ?)) OR r.service_area_hash = ?)');
    assert.deepEqual(sql.params, ['5599999991', 'committee|BN', 'committee|SN', 'serviceArea|OTHER']);
  });

  it('branches: one equality each, the IN-lists expanded, refused beyond the bound', () => {
    const coverage = coverageOf([{ category: ['Bygglov', 'Tillsyn'], committee: ['SN'] }, { senderOrganisationNumber: ['5599999992'] }], hash);
    assert.deepEqual(coverageBranches(coverage, 10), [
      { sql: 'category_hash = ? AND committee_hash = ?', params: ['category|Bygglov', 'committee|SN'] },
      { sql: 'category_hash = ? AND committee_hash = ?', params: ['category|Tillsyn', 'committee|SN'] },
      { sql: 'sender_org = ?', params: ['5599999992'] },
    ]);
    assert.equal(coverageBranches(coverage, 2), undefined);
    const wide = coverageOf([{ category: Array.from({ length: 100 }, (_, i) => `c${i}`), committee: Array.from({ length: 100 }, (_, i) => `k${i}`) }], hash);
    assert.equal(coverageBranches(wide, 1000), undefined, 'a product of long lists is refused, not built');
    assert.deepEqual(coverageBranches(coverageOf([undefined], hash), 1), [{ sql: '1 = 1', params: [] }]);
  });

  it('in memory: agrees with the rule for every case and hundreds of generated scopes', () => {
    let checked = 0;
    for (const scopes of generatedScopes(400)) {
      const coverage = coverageOf(scopes, hash);
      for (const c of ALL_CASES) {
        assert.equal(coversCase(coverage, caseScopeValues(c, hash)), referenceCovers(scopes, c), JSON.stringify({ scopes, c }));
        checked++;
      }
    }
    assert.ok(checked > 20_000);
  });
});

forEachEngine('coverage: the SQL on case_record', (engine) => {
  it('the condition and the union of the branches select exactly the covered cases', async () => {
    const { db } = await engine.open();
    const sql = sqlFor(db.engine);
    const subject = 's'.repeat(64);
    const ids = new Map<number, PlainCase>();
    await db.transaction(async (m) => {
      for (const [i, c] of ALL_CASES.entries()) {
        const v = caseScopeValues(c, hash);
        await m.query(
          sql(
            `INSERT INTO ${CASE_TABLES.case} (sender_org, case_id, subject_hash, status, case_updated, revision, content_mac, key_id, content, stored_at, subject_kind, category_hash, committee_hash, service_area_hash)` +
              ` VALUES (?, ?, ?, 'RECEIVED', ?, 1, 'm', 'k', 'c', ?, 'organisation', ?, ?, ?)`,
          ),
          [v.sender_org, `case-${i}`, subject, `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`, '2026-01-01T00:00:00.000Z', v.category_hash, v.committee_hash, v.service_area_hash],
        );
      }
      const rows: Array<{ id: number; case_id: string }> = await m.query(`SELECT id, case_id FROM ${CASE_TABLES.case}`);
      for (const r of rows) ids.set(Number(r.id), ALL_CASES[Number(r.case_id.slice(5))]!);
    });
    const select = async (condition: { sql: string; params: readonly string[] }) =>
      new Set(
        ((await db.read((m) => m.query(sql(`SELECT id FROM ${CASE_TABLES.case} WHERE subject_hash = ? AND ${condition.sql}`), [subject, ...condition.params]))) as Array<{ id: number }>).map((r) =>
          Number(r.id),
        ),
      );
    let compared = 0;
    for (const scopes of generatedScopes(60)) {
      const coverage: Coverage = coverageOf(scopes, hash);
      const expected = new Set([...ids].filter(([, c]) => referenceCovers(scopes, c)).map(([id]) => id));
      assert.deepEqual(await select(coverageSql(coverage)), expected, JSON.stringify(scopes));
      const branches = coverageBranches(coverage, 64);
      if (branches) {
        const union = new Set<number>();
        for (const b of branches) for (const id of await select(b)) union.add(id);
        assert.deepEqual(union, expected, `branches of ${JSON.stringify(scopes)}`);
        compared++;
      }
    }
    assert.ok(compared > 30, 'most generated scopes fit in the branch bound');
  });
});
