/**
 * GetCaseOverview 2.0 and 1.0 end to end on both engines (docs/hub-people.md#reading): reading on behalf under
 * scoped mandates, ACCESS_DENIED alike whatever the subject has, consent on the read side, keyset paging with a
 * sealed continuation bound to caller, representative and criteria, clamping, the history cap, and version 1's
 * cap of 200.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { CaseStore } from '../src/caseoverview/case-store.js';
import { CaseKeyRing } from '../src/caseoverview/keys.js';
import { MandateStore, type MandateInput } from '../src/caseoverview/mandate-store.js';
import type { CaseContent } from '../src/caseoverview/validation.js';
import { CONTRACT_NAMESPACES, DEV_HSA, loadConfig } from '../src/config.js';
import { validateResponse } from '../src/soap/validator.js';
import { getCaseOverviewV1Contract, getCaseOverviewV2Contract } from '../contracts/index.js';
import type { SoapReply, TestApp } from './helpers/app-fixture.js';
import { giveConsent } from './helpers/consent.js';
import { forEachHubEngine } from './helpers/hub-app.js';
import {
  OVERVIEW_ACTION,
  OVERVIEW_ACTION_V2,
  PUSH_ACTION_V2,
  identityNumber,
  overviewEnvelope,
  pathOf,
  pushEnvelope,
  texts,
  type CaseFields,
  type OverviewFields,
} from './helpers/case-envelopes.js';

const MUNICIPALITY = '2120000142';
const BIG_ORG = '2021005489';
const EMPTY_ORG = '2021002114';
const SENDER_1 = '5599999991';
const SENDER_2 = '5599999992';
const REP_OMBUD = identityNumber('19700101', 11);
const REP_REPORTER = identityNumber('19700101', 29);
const REP_NONE = identityNumber('19700101', 37);
const PERSON = identityNumber('19900202', 45);

forEachHubEngine('GetCaseOverview 2.0 and 1.0', (start) => {
  let t: TestApp;
  let mandates: MandateStore;
  let store: CaseStore;
  before(async () => {
    // A second CASE_VIEW consumer (supervisor's certificate), to present another caller's token.
    const dev = loadConfig({});
    const tak = [...dev.tak, { consumer: DEV_HSA.supervisor, contract: CONTRACT_NAMESPACES.GetCaseOverviewV2, logicalAddress: '*' }];
    const consumers = { ...dev.consumers, [DEV_HSA.supervisor]: { category: 'CASE_VIEW' } };
    t = await start({ PRODUCER_TAK: JSON.stringify(tak), PRODUCER_CONSUMERS: JSON.stringify(consumers) });
    const keys = new CaseKeyRing(t.config.keysFile);
    mandates = new MandateStore(t.db, keys);
    // The store's push path, for seeding in bulk (group commit); the push program writes its own audit entries.
    store = new CaseStore(t.db, keys, { appendInTransaction: async () => [] });
  });
  after(async () => {
    await store?.drain();
    await t?.close();
  });

  const push = async (f: CaseFields, role = 'case-system') => {
    const r = await t.post(role, pathOf('PushCaseStatus', 2), PUSH_ACTION_V2, pushEnvelope(f, 2));
    assert.deepEqual(texts(r.body, 'outcome'), ['CREATED'], r.body);
  };
  const read = async (f: OverviewFields, role = 'case-view'): Promise<SoapReply> => {
    const r = await t.post(role, pathOf('GetCaseOverview', 2), OVERVIEW_ACTION_V2, overviewEnvelope(f, 2));
    assert.equal(r.status, 200, r.body);
    assert.equal(validateResponse(getCaseOverviewV2Contract, r.body), undefined, r.body);
    return r;
  };
  const ids = (r: SoapReply) => texts(r.body, 'caseId').sort();
  const code = (r: SoapReply) => [texts(r.body, 'resultCode')[0], texts(r.body, 'errorCode')[0]];
  const withoutLogId = (body: string) => body.replace(/<(\w+:)?logId>[^<]*<\/(\w+:)?logId>/, '');
  const mandate = (m: Partial<MandateInput> & Pick<MandateInput, 'mandateId' | 'representative'>): MandateInput => ({
    grantor: { kind: 'organisationNumber', id: MUNICIPALITY },
    role: 'OMBUD',
    validFrom: new Date(Date.now() - 86_400_000).toISOString(),
    validTo: new Date(Date.now() + 86_400_000).toISOString(),
    notifyRepresentative: false,
    ...m,
  });
  const content = (subject: CaseContent['subject'], caseId: string, caseUpdated: string, status: CaseContent['status'] = 'RECEIVED'): CaseContent => ({
    caseId,
    subject,
    senderOrganisation: { organisationNumber: SENDER_1, name: 'Testkommunen' },
    title: 'Ärende',
    status,
    statusDate: caseUpdated,
    caseCreated: '2024-01-01T00:00:00.000Z',
    caseUpdated,
  });
  const audit = () => ({ actor: 'test-seed', peer: 'test-seed', contract: 'PushCaseStatus', action: 'write', criteria: {}, recordCount: 0 });

  it('a representative sees only what the mandates in effect cover; several mandates add up; filters narrow', async () => {
    const org = { subject: MUNICIPALITY, subjectKind: 'organisationNumber' as const, caseUpdated: '2025-03-18T08:00:00Z' };
    await push({ ...org, caseId: 'c1', committee: { code: 'SN', name: 'Socialnämnden' }, serviceArea: 'SOL_ELDERLY' });
    await push({ ...org, caseId: 'c2', committee: { code: 'SN', name: 'Socialnämnden' }, serviceArea: 'SOL_IFO' });
    await push({ ...org, caseId: 'c3', committee: { code: 'BN', name: 'Byggnadsnämnden' }, serviceArea: 'SOL_ELDERLY' });
    await push({ ...org, caseId: 'c4', org: SENDER_2, committee: { code: 'SN', name: 'Socialnämnden' }, serviceArea: 'SOL_ELDERLY' }, 'case-system-2');
    await push({ ...org, caseId: 'c5', org: SENDER_2 }, 'case-system-2');

    await mandates.register(mandate({ mandateId: 'm-ombud', representative: REP_OMBUD, scope: { senderOrganisationNumber: [SENDER_2] } }));
    await mandates.register(mandate({ mandateId: 'm-rep-1', representative: REP_REPORTER, role: 'REPORTER', scope: { committee: ['SN'], serviceArea: ['SOL_ELDERLY'] } }));

    assert.deepEqual(ids(await read({ subject: MUNICIPALITY, subjectKind: 'organisationNumber' })), ['c1', 'c2', 'c3', 'c4', 'c5']);
    const ombud = await read({ subject: MUNICIPALITY, subjectKind: 'organisationNumber', representative: REP_OMBUD });
    assert.deepEqual(ids(ombud), ['c4', 'c5']);
    assert.deepEqual(texts(ombud.body, 'consentStatus'), [], 'no consent status for an organisation');
    assert.deepEqual(ids(await read({ subject: MUNICIPALITY, subjectKind: 'organisationNumber', representative: REP_REPORTER })), ['c1', 'c4']);

    await mandates.register(mandate({ mandateId: 'm-rep-2', representative: REP_REPORTER, role: 'MAIN_REPORTER', scope: { committee: ['BN'] } }));
    assert.deepEqual(ids(await read({ subject: MUNICIPALITY, subjectKind: 'organisationNumber', representative: REP_REPORTER })), ['c1', 'c3', 'c4']);
    assert.deepEqual(
      ids(await read({ subject: MUNICIPALITY, subjectKind: 'organisationNumber', representative: REP_REPORTER, senderOrganisationNumber: SENDER_1 })),
      ['c1', 'c3'],
    );

    const rows: Array<{ criteria: string }> = await t.db.read((m) => m.query("SELECT criteria FROM audit_entry WHERE contract = 'GetCaseOverview' AND action = 'read' ORDER BY seq"));
    const last = JSON.parse(rows[rows.length - 1]!.criteria) as Record<string, unknown>;
    assert.deepEqual(last.mandateRoles, ['MAIN_REPORTER', 'REPORTER']);
    assert.equal(typeof last.representativeHash, 'string');
    assert.equal(typeof last.subjectHash, 'string');
    assert.ok(rows.every((r) => !r.criteria.includes(REP_REPORTER) && !r.criteria.includes(MUNICIPALITY)));
  });

  it('an absent, expired or revoked mandate is ACCESS_DENIED, the same answer whatever the subject has', async () => {
    await giveConsent(t.db, t.config.keysFile, PERSON);
    await mandates.register(mandate({ mandateId: 'm-expired', representative: REP_NONE, validFrom: '2020-01-01T00:00:00.000Z', validTo: '2021-01-01T00:00:00.000Z' }));
    await mandates.register(mandate({ mandateId: 'm-revoked', representative: REP_NONE, grantor: { kind: 'organisationNumber', id: EMPTY_ORG } }));
    await mandates.revoke('m-revoked');
    const answers = new Set<string>();
    for (const f of [
      { subject: MUNICIPALITY, subjectKind: 'organisationNumber' as const, representative: REP_NONE }, // has cases; expired mandate
      { subject: EMPTY_ORG, subjectKind: 'organisationNumber' as const, representative: REP_NONE }, // no cases; revoked mandate
      { subject: PERSON, representative: REP_NONE }, // consent, no mandate
      { subject: identityNumber('19900202', 53), representative: REP_NONE }, // no consent, no mandate
    ]) {
      const r = await read(f);
      assert.deepEqual(code(r), ['ERROR', 'ACCESS_DENIED']);
      answers.add(withoutLogId(r.body));
    }
    assert.equal(answers.size, 1, 'identical answers');
    assert.doesNotMatch([...answers][0]!, /consentStatus|caseId/);
  });

  it('consent applies to reads: a person without it has no cases (v1 and v2), a representative sees nothing either', async () => {
    const person = identityNumber('19900202', 61);
    // Stored while consent was off (the store's path, consent lifted), then read under `required`.
    await store.push({ content: content({ kind: 'personalIdentityNumber', id: person }, 'p-1', '2025-01-01T00:00:00.000Z'), notify: false, consent: 'off', audit: audit() });
    await mandates.register(mandate({ mandateId: 'm-person', representative: REP_OMBUD, grantor: { kind: 'personalIdentityNumber', id: person } }));
    for (const f of [{ subject: person }, { subject: person, representative: REP_OMBUD }]) {
      const r = await read(f);
      assert.deepEqual(code(r), ['OK', undefined]);
      assert.deepEqual(ids(r), []);
      assert.deepEqual(texts(r.body, 'consentStatus'), ['NONE']);
    }
    const v1 = await t.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject: person }));
    assert.deepEqual(ids(v1), []);
    await giveConsent(t.db, t.config.keysFile, person);
    const r = await read({ subject: person, representative: REP_OMBUD });
    assert.deepEqual([ids(r), texts(r.body, 'consentStatus')], [['p-1'], ['ACTIVE']]);
  });

  it('pages through 1,000 cases, each exactly once, newest first; v1 returns 200 with INFO', async () => {
    const subject = { kind: 'organisationNumber' as const, id: BIG_ORG };
    // Three cases per minute, so ties on caseUpdated are broken by the row id.
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        store.push({ content: content(subject, `b-${i}`, new Date(Date.UTC(2025, 0, 1) + Math.floor(i / 3) * 60_000).toISOString()), notify: false, consent: 'required', audit: audit() }),
      ),
    );
    const seen: string[] = [];
    let continuation: string | undefined;
    let pages = 0;
    let previous = '9999';
    do {
      const r = await read({ subject: BIG_ORG, subjectKind: 'organisationNumber', maxResults: 150, ...(continuation ? { continuation } : {}) });
      assert.deepEqual(code(r), ['OK', undefined]);
      const page = texts(r.body, 'caseId');
      assert.ok(page.length <= 150);
      // Newest first across pages: each case's own caseUpdated is its first <caseUpdated> after its caseId.
      for (const block of r.body.split(/<(?:\w+:)?case>/).slice(1)) {
        const u = texts(block, 'caseUpdated')[0]!;
        assert.ok(u <= previous, 'newest first');
        previous = u;
      }
      seen.push(...page);
      continuation = texts(r.body, 'continuation')[0];
      pages++;
    } while (continuation && pages < 20);
    assert.equal(pages, 7);
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen).size, 1000, 'each exactly once');

    const v1 = await t.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject: BIG_ORG, subjectKind: 'organisationNumber' }));
    assert.equal(validateResponse(getCaseOverviewV1Contract, v1.body), undefined, v1.body);
    assert.equal(texts(v1.body, 'caseId').length, 200);
    assert.deepEqual(texts(v1.body, 'resultCode'), ['INFO']);
    assert.match(texts(v1.body, 'message')[0]!, /truncated/);

    const clamped = await read({ subject: BIG_ORG, subjectKind: 'organisationNumber', maxResults: 500 });
    assert.deepEqual(code(clamped), ['INFO', undefined]);
    assert.match(texts(clamped.body, 'message')[0]!, /maxResults/);
    assert.equal(texts(clamped.body, 'caseId').length, 200);
    const plain = await read({ subject: BIG_ORG, subjectKind: 'organisationNumber' });
    assert.equal(texts(plain.body, 'caseId').length, 50, 'the default page');
  });

  it('refuses a tampered or foreign continuation: other caller, representative or criteria', async () => {
    const first = await read({ subject: MUNICIPALITY, subjectKind: 'organisationNumber', maxResults: 2 });
    const token = texts(first.body, 'continuation')[0]!;
    assert.ok(token);
    const next = await read({ subject: MUNICIPALITY, subjectKind: 'organisationNumber', maxResults: 2, continuation: token });
    assert.deepEqual(code(next), ['OK', undefined], 'the genuine token works');
    const tampered = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    for (const [label, f, role] of [
      ['tampered', { subject: MUNICIPALITY, subjectKind: 'organisationNumber', maxResults: 2, continuation: tampered }, 'case-view'],
      ['other criteria', { subject: MUNICIPALITY, subjectKind: 'organisationNumber', maxResults: 2, status: ['RECEIVED'], continuation: token }, 'case-view'],
      ['other subject', { subject: BIG_ORG, subjectKind: 'organisationNumber', maxResults: 2, continuation: token }, 'case-view'],
      ['other representative', { subject: MUNICIPALITY, subjectKind: 'organisationNumber', representative: REP_OMBUD, maxResults: 2, continuation: token }, 'case-view'],
      ['other caller', { subject: MUNICIPALITY, subjectKind: 'organisationNumber', maxResults: 2, continuation: token }, 'supervisor'],
    ] as const) {
      const r = await read(f as OverviewFields, role);
      assert.deepEqual(code(r), ['ERROR', 'VALIDATION_ERROR'], label);
      assert.match(texts(r.body, 'message')[0]!, /continuation/, label);
    }
  });

  it('caps history at the 50 newest entries, with historyTruncated in v2', async () => {
    const subject = { kind: 'organisationNumber' as const, id: MUNICIPALITY };
    await Promise.all(
      Array.from({ length: 55 }, (_, i) =>
        store.push({ content: content(subject, 'h-1', new Date(Date.UTC(2025, 5, 1) + i * 60_000).toISOString(), i % 2 ? 'IN_PROGRESS' : 'RECEIVED'), notify: false, consent: 'required', audit: audit() }),
      ),
    );
    const block = (body: string) => body.split(/<(?:\w+:)?case>/).slice(1).find((b) => texts(b, 'caseId')[0] === 'h-1')!;
    const r = await read({ subject: MUNICIPALITY, subjectKind: 'organisationNumber', updatedSince: '2025-06-01T00:00:00Z' });
    const b = block(r.body);
    assert.equal(texts(b, 'caseUpdated').length, 1 + 50, 'the case and its 50 newest entries');
    assert.equal(texts(b, 'caseUpdated')[1], new Date(Date.UTC(2025, 5, 1) + 54 * 60_000).toISOString(), 'newest first');
    assert.deepEqual(texts(b, 'historyTruncated'), ['true']);
    const v1 = await t.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject: MUNICIPALITY, subjectKind: 'organisationNumber', updatedSince: '2025-06-01T00:00:00Z' }));
    assert.equal(validateResponse(getCaseOverviewV1Contract, v1.body), undefined, v1.body);
    assert.equal(texts(block(v1.body), 'caseUpdated').length, 1 + 50);
    assert.deepEqual(texts(block(v1.body), 'historyTruncated'), []);
  });
});
