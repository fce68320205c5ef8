/**
 * Cases stored before the CaseHubPeople migration get their subject kind and scope hashes from their sealed
 * content (src/caseoverview/backfill.ts, docs/hub-people.md#before-the-upgrade), on both engines; classified rows
 * are left alone, and a second run finds nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { backfillCaseColumns } from '../src/caseoverview/backfill.js';
import { aad } from '../src/caseoverview/case-rows.js';
import { CaseKeyRing, ensureCaseKeys } from '../src/caseoverview/keys.js';
import { CASE_TABLES } from '../src/caseoverview/schema.js';
import { sqlFor } from '../src/storage/sql.js';
import { forEachEngine } from './helpers/engines.js';

const T = '2026-01-01T00:00:00.000Z';

forEachEngine('case hub backfill', (engine) => {
  it('classifies unclassified cases from their content, in batches, once', async () => {
    const { db } = await engine.open();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-keys-')), 'keys.json');
    ensureCaseKeys(file);
    const keys = new CaseKeyRing(file);
    const q = sqlFor(db.engine);
    const insert = (caseId: string, content: object, classified?: { kind: string; category: string }) =>
      db.transaction(async (m) => {
        const sealed = keys.seal(JSON.stringify(content), aad.case('5599999991', caseId));
        await m.query(
          q(
            `INSERT INTO ${CASE_TABLES.case} (sender_org, case_id, subject_hash, status, case_updated, revision, content_mac, key_id, content, stored_at, subject_kind, category_hash) VALUES ('5599999991', ?, 'h', 'RECEIVED', ?, 1, 'm', ?, ?, ?, ?, ?)`,
          ),
          [caseId, T, sealed.keyId, sealed.blob, T, classified?.kind ?? null, classified?.category ?? null],
        );
      });
    await insert('P-1', { caseId: 'P-1', subject: { kind: 'personalIdentityNumber', id: '191212121212' }, category: 'Bygglov' });
    await insert('O-1', { caseId: 'O-1', subject: { kind: 'organisationNumber', id: '2120000142' }, committee: { code: 'SN', name: 'Socialnämnden' }, serviceArea: 'SOL_ELDERLY' });
    await insert('C-1', { caseId: 'C-1', subject: { kind: 'coordinationNumber', id: '199001712385' } });
    await insert('N-1', { caseId: 'N-1', subject: { kind: 'personalIdentityNumber', id: '191212121212' }, category: 'Bygglov' }, { kind: 'person', category: 'pushed-since' });

    assert.equal(await backfillCaseColumns(db, keys, { batch: 2 }), 3);
    const rows = (await db.read((m) =>
      m.query(`SELECT case_id, subject_kind, category_hash, committee_hash, service_area_hash FROM ${CASE_TABLES.case} ORDER BY case_id`),
    )) as Array<Record<string, string | null>>;
    assert.deepEqual(rows, [
      { case_id: 'C-1', subject_kind: 'person', category_hash: null, committee_hash: null, service_area_hash: null },
      { case_id: 'N-1', subject_kind: 'person', category_hash: 'pushed-since', committee_hash: null, service_area_hash: null },
      { case_id: 'O-1', subject_kind: 'organisation', category_hash: null, committee_hash: keys.scopeHash('committee', 'SN'), service_area_hash: keys.scopeHash('serviceArea', 'SOL_ELDERLY') },
      { case_id: 'P-1', subject_kind: 'person', category_hash: keys.scopeHash('category', 'Bygglov'), committee_hash: null, service_area_hash: null },
    ]);
    assert.equal(await backfillCaseColumns(db, keys), 0, 'nothing left');
  });
});
