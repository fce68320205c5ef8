/**
 * The upgrade to consent (docs/hub-people.md#before-the-upgrade), on SQLite and (with TEST_DATABASE_URL)
 * PostgreSQL: cases stored by the old path (no subject kind, no consent records) are classified at start and,
 * with consent required, the cases of persons without ACTIVE consent are erased before anything is served, one
 * audit entry per case; organisation cases and persons with consent keep theirs; a second start erases nothing;
 * a start with consent off erases nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CaseKeyRing } from '../src/caseoverview/keys.js';
import { sqlFor } from '../src/storage/sql.js';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';
import { identityNumber, OVERVIEW_ACTION, overviewEnvelope, pathOf, PUSH_ACTION, pushEnvelope, texts, type CaseFields } from './helpers/case-envelopes.js';
import { call, consentEnvelope, ENGINES, hubEnv } from './helpers/hub-people.js';

const WITHOUT = identityNumber('19601010', 901);
const REVOKED = identityNumber('19601011', 902);
const WITH = identityNumber('19601012', 903);
const ORG = '5566778899';

for (const engine of ENGINES) {
  describe(`start with consent required after an upgrade [${engine}]`, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    let t: TestApp | undefined;
    const start = async (consent: 'required' | 'off') => {
      await t?.close();
      t = await startTestApp({ ...env, PRODUCER_CASE_CONSENT: consent });
      return t;
    };
    const push = async (f: CaseFields, role = 'case-system') => {
      const r = await t!.post(role, pathOf('PushCaseStatus'), PUSH_ACTION, pushEnvelope(f));
      assert.equal(r.status, 200, r.body);
      assert.ok(['CREATED', 'UPDATED'].includes(texts(r.body, 'outcome')[0] ?? ''), r.body);
    };
    const caseIds = async (subject: string, subjectKind?: CaseFields['subjectKind']) =>
      texts((await t!.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject, ...(subjectKind ? { subjectKind } : {}) }))).body, 'caseId').sort();
    const erasures = async () =>
      (await t!.db.read((m) => m.query("SELECT actor, contract, criteria FROM audit_entry WHERE action = 'erase' ORDER BY seq"))) as Array<{ actor: string; contract: string; criteria: string }>;
    const count = async (sql: string, params: unknown[] = []) => Number(((await t!.db.read((m) => m.query(sqlFor(t!.db.engine)(sql), params))) as Array<{ n: unknown }>)[0]!.n);

    before(async () => {
      const e = await hubEnv(engine);
      env = e.env;
      cleanup = e.cleanup;
    });
    after(async () => {
      await t?.close();
      await cleanup?.();
    });

    it('erases the cases of persons without active consent, audits each, keeps the rest, and erases nothing the second time', async () => {
      // Before the upgrade: cases of persons who never consented (from both senders, with history), of a person
      // who revoked, of a person with consent, and of an organisation; stored as the old path stored them.
      await start('off');
      const give = (subject: string, action: 'GIVE' | 'REVOKE') => call(t!, 'UpdateCaseOverviewConsent', 'case-view', consentEnvelope({ subject, action }));
      await give(WITH, 'GIVE');
      await give(REVOKED, 'REVOKE');
      await push({ caseId: 'U-1', subject: WITHOUT, caseUpdated: '2025-03-18T08:00:00Z' });
      await push({ caseId: 'U-1', subject: WITHOUT, status: 'IN_PROGRESS', caseUpdated: '2025-03-19T08:00:00Z' });
      await push({ caseId: 'U-2', subject: WITHOUT, org: '5599999992', caseUpdated: '2025-03-18T08:00:00Z' }, 'case-system-2');
      await push({ caseId: 'U-3', subject: REVOKED, caseUpdated: '2025-03-18T08:00:00Z' });
      await push({ caseId: 'U-4', subject: WITH, caseUpdated: '2025-03-18T08:00:00Z' });
      await push({ caseId: 'U-5', subject: ORG, subjectKind: 'organisationNumber', caseUpdated: '2025-03-18T08:00:00Z' });
      await t!.db.transaction((m) => m.query('UPDATE case_record SET subject_kind = NULL, category_hash = NULL, committee_hash = NULL, service_area_hash = NULL'));
      assert.equal(await count('SELECT COUNT(*) AS n FROM case_record'), 5);

      // A start with consent off leaves them all.
      await start('off');
      assert.equal(await count('SELECT COUNT(*) AS n FROM case_record'), 5);
      assert.deepEqual(await erasures(), []);

      await start('required');
      assert.deepEqual(await caseIds(WITHOUT), []);
      assert.deepEqual(await caseIds(REVOKED), []);
      assert.deepEqual(await caseIds(WITH), ['U-4']);
      assert.deepEqual(await caseIds(ORG, 'organisationNumber'), ['U-5']);
      assert.equal(await count('SELECT COUNT(*) AS n FROM case_record'), 2);
      assert.equal(await count('SELECT COUNT(*) AS n FROM case_history WHERE case_row_id NOT IN (SELECT id FROM case_record)'), 0);
      assert.equal(await count('SELECT COUNT(*) AS n FROM case_outbox WHERE case_row_id NOT IN (SELECT id FROM case_record)'), 0);
      assert.equal(await count("SELECT COUNT(*) AS n FROM case_record WHERE subject_kind IS NULL"), 0, 'every kept case classified');

      const erased = await erasures();
      assert.equal(erased.length, 3, 'one audit entry per erased case');
      const criteria = erased.map((e) => JSON.parse(e.criteria) as Record<string, string>);
      assert.deepEqual(criteria.map((c) => c.senderOrganisation).sort(), ['5599999991', '5599999991', '5599999992']);
      for (const c of criteria) {
        assert.equal(c.reason, 'no active consent at start');
        assert.match(c.caseKeyHash!, /^[0-9a-f]{64}$/);
      }
      assert.ok(erased.every((e) => e.actor === 'riv-producer:maintenance' && e.contract === 'PushCaseStatus'));
      const all = JSON.stringify(erased);
      for (const n of [WITHOUT, REVOKED, 'U-1', 'U-2', 'U-3']) assert.ok(!all.includes(n), 'no number or case id in the audit entries');
      // The consent record of the person who revoked is evidence and stays.
      const keys = new CaseKeyRing(t!.config.keysFile);
      assert.equal(await count('SELECT COUNT(*) AS n FROM case_consent WHERE subject_hash = ?', [keys.subjectHash(REVOKED)]), 1);

      await start('required');
      assert.equal((await erasures()).length, 3, 'a second start erases nothing');
      assert.deepEqual(await caseIds(WITH), ['U-4']);
    });
  });
}
