/**
 * PushCaseStatus 1.0 and 2.0 under the consent rule (docs/hub-people.md#pushes-and-consent), end to end on both
 * engines: without active consent a person's push stores nothing (no case, history or outbox row) and is answered
 * INFO without outcome (version 2: consentStatus NONE or REVOKED); with consent it is stored; `off` lifts the
 * rule; organisation subjects need no consent; committee and serviceArea are an organisation's, stored as keyed
 * hashes, and VALIDATION_ERROR on a person.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { saveConsent } from '../src/caseoverview/consent-store.js';
import { CaseKeyRing } from '../src/caseoverview/keys.js';
import type { TestApp } from './helpers/app-fixture.js';
import { giveConsent } from './helpers/consent.js';
import { forEachHubEngine } from './helpers/hub-app.js';
import { OVERVIEW_ACTION, PUSH_ACTION, PUSH_ACTION_V2, identityNumber, overviewEnvelope, pathOf, pushEnvelope, texts, type CaseFields } from './helpers/case-envelopes.js';
import { validateResponse } from '../src/soap/validator.js';
import { pushCaseStatusV1Contract, pushCaseStatusV2Contract } from '../contracts/index.js';

const MUNICIPALITY = '2120000142';

forEachHubEngine('PushCaseStatus and consent', (start) => {
  let t: TestApp;
  let off: TestApp;
  before(async () => {
    t = await start();
    off = await start({ PRODUCER_CASE_CONSENT: 'off' });
  });
  after(async () => {
    await t?.close();
    await off?.close();
  });

  const push = async (app: TestApp, f: CaseFields, version: 1 | 2) => {
    const r = await app.post('case-system', pathOf('PushCaseStatus', version), version === 1 ? PUSH_ACTION : PUSH_ACTION_V2, pushEnvelope(f, version));
    assert.equal(r.status, 200, r.body);
    assert.equal(validateResponse(version === 1 ? pushCaseStatusV1Contract : pushCaseStatusV2Contract, r.body), undefined, r.body);
    const one = (name: string) => texts(r.body, name)[0];
    return { outcome: one('outcome'), revision: one('revision'), consentStatus: one('consentStatus'), resultCode: one('resultCode'), errorCode: one('errorCode'), message: one('message') };
  };
  const count = async (app: TestApp, table: string) => Number(((await app.db.read((m) => m.query(`SELECT COUNT(*) AS n FROM ${table}`))) as Array<{ n: unknown }>)[0]!.n);
  const tables = async (app: TestApp) => [await count(app, 'case_record'), await count(app, 'case_history'), await count(app, 'case_outbox')];
  const caseIds = async (app: TestApp, subject: string) =>
    texts((await app.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject }))).body, 'caseId');

  it('stores nothing for a person without consent (v1 and v2), then stores once consent is given', async () => {
    const person = identityNumber('19860704', 311);
    const f: CaseFields = { caseId: 'nc-1', subject: person, caseUpdated: '2025-03-18T08:00:00Z' };
    const before = await tables(t);
    const v1 = await push(t, f, 1);
    assert.deepEqual([v1.outcome, v1.revision, v1.consentStatus, v1.resultCode], [undefined, undefined, undefined, 'INFO']);
    assert.match(v1.message!, /consent/);
    const v2 = await push(t, { ...f, caseId: 'nc-2' }, 2);
    assert.deepEqual([v2.outcome, v2.revision, v2.consentStatus, v2.resultCode], [undefined, undefined, 'NONE', 'INFO']);
    assert.deepEqual(await tables(t), before, 'no case, history or outbox row');
    assert.deepEqual(await caseIds(t, person), []);

    await giveConsent(t.db, t.config.keysFile, person);
    const created = await push(t, f, 2);
    assert.deepEqual([created.outcome, created.revision, created.consentStatus, created.resultCode], ['CREATED', '1', 'ACTIVE', 'OK']);
    const v1created = await push(t, { ...f, caseId: 'nc-2' }, 1);
    assert.deepEqual([v1created.outcome, v1created.consentStatus, v1created.resultCode], ['CREATED', undefined, 'OK']);
    assert.deepEqual((await caseIds(t, person)).sort(), ['nc-1', 'nc-2']);

    // Revoked (the record alone here; the erasure is UpdateCaseOverviewConsent's): later pushes are not stored.
    const keys = new CaseKeyRing(t.config.keysFile);
    const now = new Date().toISOString();
    await t.db.transaction((sql) =>
      saveConsent(sql, t.db.engine, { subjectHash: keys.subjectHash(person), status: 'REVOKED', consentVersion: 'test-1', authMethod: 'TEST', since: now, actedAt: now, updatedAt: now, guardianHash: null }),
    );
    const afterRevoke = await tables(t);
    const revoked = await push(t, { ...f, caseUpdated: '2025-03-19T08:00:00Z', status: 'IN_PROGRESS' }, 2);
    assert.deepEqual([revoked.outcome, revoked.consentStatus, revoked.resultCode], [undefined, 'REVOKED', 'INFO']);
    assert.deepEqual(await tables(t), afterRevoke);

    // The audit entries record the consent outcome, never the number.
    const rows: Array<{ outcome: string; criteria: string }> = await t.db.read((m) => m.query("SELECT outcome, criteria FROM audit_entry WHERE action = 'write' ORDER BY seq"));
    const noConsent = rows.filter((r) => r.outcome === 'NO_CONSENT');
    assert.equal(noConsent.length, 3);
    assert.deepEqual(noConsent.map((r) => (JSON.parse(r.criteria) as { consentStatus: string }).consentStatus), ['NONE', 'NONE', 'REVOKED']);
    assert.ok(rows.every((r) => !r.criteria.includes(person)));
  });

  it('checks each push of a group-commit batch on its own', async () => {
    const persons = Array.from({ length: 24 }, (_, i) => identityNumber('19870512', 400 + i));
    await giveConsent(t.db, t.config.keysFile, ...persons.filter((_, i) => i % 2 === 0));
    // Concurrent pushes share transactions (group commit); consent decides per push, not per batch.
    const answers = await Promise.all(persons.map((subject, i) => push(t, { caseId: `batch-${i}`, subject, caseUpdated: '2025-03-18T08:00:00Z' }, 2)));
    assert.deepEqual(
      answers.map((a) => [a.outcome, a.consentStatus]),
      persons.map((_, i) => (i % 2 === 0 ? ['CREATED', 'ACTIVE'] : [undefined, 'NONE'])),
    );
    const stored: Array<{ case_id: string }> = await t.db.read((m) => m.query("SELECT case_id FROM case_record WHERE case_id LIKE 'batch-%'"));
    assert.deepEqual(stored.map((r) => r.case_id).sort(), persons.map((_, i) => `batch-${i}`).filter((_, i) => i % 2 === 0).sort());
  });

  it('`off` lifts the rule and still reports consentStatus in version 2', async () => {
    const person = identityNumber('19860704', 329);
    const r = await push(off, { caseId: 'off-1', subject: person, caseUpdated: '2025-03-18T08:00:00Z' }, 2);
    assert.deepEqual([r.outcome, r.consentStatus, r.resultCode], ['CREATED', 'NONE', 'OK']);
    assert.deepEqual(await caseIds(off, person), ['off-1']);
  });

  it('an organisation needs no consent; its committee and service area are stored as keyed hashes', async () => {
    const f: CaseFields = {
      caseId: 'org-1',
      subject: MUNICIPALITY,
      subjectKind: 'organisationNumber',
      caseUpdated: '2025-03-18T08:00:00Z',
      category: 'Tillsyn',
      committee: { code: 'SN', name: 'Socialnämnden' },
      serviceArea: 'SOL_ELDERLY',
    };
    const r = await push(t, f, 2);
    assert.deepEqual([r.outcome, r.consentStatus, r.resultCode], ['CREATED', undefined, 'OK']);
    const v1 = await push(t, { ...f, caseId: 'org-2', committee: undefined, serviceArea: undefined }, 1);
    assert.deepEqual([v1.outcome, v1.resultCode], ['CREATED', 'OK']);
    const keys = new CaseKeyRing(t.config.keysFile);
    const rows: Array<Record<string, string | null>> = await t.db.read((m) =>
      m.query("SELECT case_id, subject_kind, category_hash, committee_hash, service_area_hash FROM case_record WHERE case_id IN ('org-1', 'org-2') ORDER BY case_id"),
    );
    assert.deepEqual(rows.map((x) => ({ ...x })), [
      { case_id: 'org-1', subject_kind: 'organisation', category_hash: keys.scopeHash('category', 'Tillsyn'), committee_hash: keys.scopeHash('committee', 'SN'), service_area_hash: keys.scopeHash('serviceArea', 'SOL_ELDERLY') },
      { case_id: 'org-2', subject_kind: 'organisation', category_hash: keys.scopeHash('category', 'Tillsyn'), committee_hash: null, service_area_hash: null },
    ]);
    const person: Array<{ subject_kind: string }> = await t.db.read((m) => m.query("SELECT subject_kind FROM case_record WHERE case_id = 'nc-1'"));
    assert.deepEqual(person.map((x) => x.subject_kind), ['person']);
  });

  it('committee or serviceArea on a person subject is VALIDATION_ERROR, before the consent check', async () => {
    const person = identityNumber('19860704', 337);
    const before = await tables(t);
    for (const extra of [{ committee: { code: 'SN', name: 'Socialnämnden' } }, { serviceArea: 'SOL_IFO' }]) {
      const r = await push(t, { caseId: 'p-scope', subject: person, caseUpdated: '2025-03-18T08:00:00Z', ...extra }, 2);
      assert.deepEqual([r.resultCode, r.errorCode, r.consentStatus], ['ERROR', 'VALIDATION_ERROR', undefined]);
      assert.match(r.message!, /committee and serviceArea/);
    }
    assert.deepEqual(await tables(t), before);
  });
});
