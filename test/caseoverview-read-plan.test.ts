/**
 * The overview's page reads stay bounded by an index (docs/hub-people.md#query-plans), checked on SQLite's
 * plans: for no scope and for each scope shape with one list, every case statement the read program runs is a
 * SEARCH on that shape's index, ordered by it (no temporary B-tree for ORDER BY), and a later page starts with an
 * index range on case_updated instead of filtering earlier pages. (PostgreSQL chooses by statistics; its plans
 * on a large table are in the docs.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureCaseKeys, CaseKeyRing } from '../src/caseoverview/keys.js';
import { MandateStore, type MandateInput } from '../src/caseoverview/mandate-store.js';
import { overviewRowsProgram } from '../src/caseoverview/overview-program.js';
import type { OverviewQuery } from '../src/caseoverview/case-rows.js';
import { CASE_RECORD_INDEXES } from '../src/caseoverview/schema.js';
import { SCHEMA } from '../src/schema.js';
import { openDatabase, type Database } from '../src/storage/database.js';
import type { SqlRunner } from '../src/storage/sql.js';
import { silentLogger } from './helpers/engines.js';

const ORG = '2120000142';
const REP = '197001010116';

describe('case overview query plans [sqlite]', () => {
  let dir: string;
  let db: Database;
  let keysFile: string;
  let keys: CaseKeyRing;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-plan-'));
    keysFile = path.join(dir, 'keys.json');
    ensureCaseKeys(keysFile);
    keys = new CaseKeyRing(keysFile);
    db = await openDatabase({ dataDir: dir, databaseUrl: undefined }, silentLogger, SCHEMA);
  });
  after(async () => {
    await db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the read program with a runner that records the plan of each case_record statement. */
  async function plans(query: Omit<OverviewQuery, 'subjectHash' | 'person' | 'consent' | 'now' | 'limit' | 'historyLimit'>): Promise<string[]> {
    const seen: string[] = [];
    await db.read(async (m) => {
      const spy: SqlRunner = {
        query: async (sql: string, params?: unknown[]) => {
          if (/FROM case_record WHERE subject_hash/.test(sql)) {
            const rows: Array<{ detail: string }> = await m.query(`EXPLAIN QUERY PLAN ${sql}`, params);
            seen.push(rows.map((r) => r.detail).join(' | '));
          }
          return m.query(sql, params);
        },
      } as SqlRunner;
      await overviewRowsProgram(spy, {
        engine: 'sqlite',
        keysFile,
        query: { subjectHash: keys.subjectHash(ORG), person: false, consent: 'required', now: new Date().toISOString(), limit: 51, historyLimit: 51, ...query },
      });
    });
    return seen;
  }

  const mandate = (mandateId: string, scope: MandateInput['scope']): MandateInput => ({
    mandateId,
    grantor: { kind: 'organisationNumber', id: ORG },
    representative: REP,
    role: 'REPORTER',
    scope,
    validFrom: new Date(Date.now() - 86_400_000).toISOString(),
    validTo: new Date(Date.now() + 86_400_000).toISOString(),
    notifyRepresentative: false,
  });

  it('reads every shape with one list from its own index, in index order, with the continuation as a range', async () => {
    const mandates = new MandateStore(db, keys);
    const shapes: Array<[string, MandateInput['scope'] | null, string]> = [
      ['no scope', null, CASE_RECORD_INDEXES.subject],
      ['sender', { senderOrganisationNumber: ['5599999991'] }, CASE_RECORD_INDEXES.sender],
      ['category', { category: ['Tillsyn'] }, CASE_RECORD_INDEXES.category],
      ['committee', { committee: ['SN', 'BN'] }, CASE_RECORD_INDEXES.committee],
      ['service area', { serviceArea: ['SOL_ELDERLY'] }, CASE_RECORD_INDEXES.serviceArea],
    ];
    for (const [i, [label, scope, index]] of shapes.entries()) {
      let representativeHash: string | undefined;
      if (scope) {
        // One representative per shape, so each reads under exactly one mandate.
        const rep = `19700101${String(200 + i * 8).padStart(3, '0')}`;
        const input = { ...mandate(`plan-${i}`, scope), representative: rep };
        await mandates.register(input);
        representativeHash = keys.subjectHash(rep);
      }
      for (const after of [undefined, { caseUpdated: '2025-03-01T00:00:00.000Z', id: 1000 }]) {
        const found = await plans({ ...(representativeHash ? { representativeHash } : {}), ...(after ? { after } : {}) });
        assert.ok(found.length >= 1, label);
        for (const plan of found) {
          assert.match(plan, new RegExp(`SEARCH case_record USING INDEX ${index} \\(subject_hash=\\?`), `${label}: ${plan}`);
          assert.doesNotMatch(plan, /TEMP B-TREE/, `${label}: ${plan}`);
          if (after) assert.match(plan, /case_updated<\?/, `${label}, next page: ${plan}`);
        }
      }
    }
  });
});
