/**
 * Sender organisation numbers (docs/hub-people.md#sender-organisation-numbers): a sender's number is checked for
 * its form and, for pushes, against the consumer registry; the check digit applies to subjects. case-system-2
 * sends for 5599999992, whose check digit does not pass, through the whole application over mutual TLS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getCaseOverviewV1Contract, pushCaseStatusV1Contract } from '../contracts/index.js';
import type { ContractDefinition } from '../contracts/rivta.js';
import { CaseRefusal, isSenderOrganisationNumber, validateCaseStatus } from '../src/caseoverview/validation.js';
import { validOrganisationNumber } from '../src/identity-numbers.js';
import { validateResponse } from '../src/soap/validator.js';
import { startTestApp, type SoapReply, type TestApp } from './helpers/app-fixture.js';
import { OVERVIEW_ACTION, PUSH_ACTION, overviewEnvelope, pathOf, pushEnvelope, texts, type CaseFields } from './helpers/case-envelopes.js';

const SECOND_SENDER = '5599999992';
/** An organisation subject: needs no consent, so these pushes are stored whatever the consent rule. */
const MUNICIPALITY = '2120000142';

describe('sender organisation numbers: the rule', () => {
  it('5599999992 fails the check digit, yet is a sender number; the form is 10 digits', () => {
    assert.equal(validOrganisationNumber(SECOND_SENDER), false, 'the premise');
    assert.equal(isSenderOrganisationNumber(SECOND_SENDER), true);
    for (const bad of ['559999999', '55999999921', '559999999x', '', ' 5599999992']) assert.equal(isSenderOrganisationNumber(bad), false, bad);
  });

  it('a push names its sender by form; its subject still needs the check digit', () => {
    const cs = {
      caseId: 'S-1',
      subject: { organisationNumber: MUNICIPALITY },
      senderOrganisation: { organisationNumber: SECOND_SENDER, name: 'Andra myndigheten' },
      title: 'Tillsyn',
      status: 'RECEIVED' as const,
      statusDate: '2025-05-01T10:00:00Z',
      caseCreated: '2025-05-01T10:00:00Z',
      caseUpdated: '2025-05-01T10:00:00Z',
    };
    assert.equal(validateCaseStatus(cs, Date.now()).senderOrganisation.organisationNumber, SECOND_SENDER);
    assert.throws(
      () => validateCaseStatus({ ...cs, senderOrganisation: { organisationNumber: '559999999', name: 'x' } }, Date.now()),
      (e: unknown) => e instanceof CaseRefusal && e.errorCode === 'VALIDATION_ERROR' && /senderOrganisation\.organisationNumber/.test(e.message),
    );
    assert.throws(
      () => validateCaseStatus({ ...cs, subject: { organisationNumber: SECOND_SENDER } }, Date.now()),
      (e: unknown) => e instanceof CaseRefusal && e.errorCode === 'VALIDATION_ERROR' && /^subject organisationNumber/.test(e.message),
    );
  });
});

describe('sender organisation numbers: case-system-2 end to end [sqlite]', () => {
  let t: TestApp;
  const valid = (contract: ContractDefinition, r: SoapReply) => {
    assert.equal(r.status, 200, r.body);
    assert.equal(validateResponse(contract, r.body), undefined, r.body);
    return r;
  };
  const push = async (role: string, f: CaseFields) =>
    valid(pushCaseStatusV1Contract, await t.post(role, pathOf('PushCaseStatus'), PUSH_ACTION, pushEnvelope(f)));
  const base: CaseFields = { caseId: 'second-1', subject: MUNICIPALITY, subjectKind: 'organisationNumber', org: SECOND_SENDER, caseUpdated: '2025-05-01T10:00:00Z' };

  before(async () => {
    t = await startTestApp({ PRODUCER_DEMO_DATA: 'false' });
  });
  after(async () => {
    await t?.close();
  });

  it('case-system-2 pushes for 5599999992 and the overview filters on it', async () => {
    const created = await push('case-system-2', base);
    assert.deepEqual(texts(created.body, 'resultCode'), ['OK'], created.body);
    assert.deepEqual(texts(created.body, 'outcome'), ['CREATED']);
    await push('case-system', { ...base, caseId: 'first-1', org: '5599999991' });

    const read = async (senderOrganisationNumber?: string) =>
      valid(
        getCaseOverviewV1Contract,
        await t.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject: MUNICIPALITY, subjectKind: 'organisationNumber', ...(senderOrganisationNumber ? { senderOrganisationNumber } : {}) })),
      );
    const second = await read(SECOND_SENDER);
    assert.deepEqual(texts(second.body, 'resultCode'), ['OK'], second.body);
    assert.deepEqual(texts(second.body, 'caseId'), ['second-1']);
    assert.deepEqual(texts((await read()).body, 'caseId').sort(), ['first-1', 'second-1']);
  });

  it('the registry decides who sends for whom: each case system only for its own organisation', async () => {
    for (const [role, org] of [['case-system-2', '5599999991'], ['case-system', SECOND_SENDER]] as const) {
      const r = await push(role, { ...base, caseId: `cross-${role}`, org });
      assert.deepEqual(texts(r.body, 'errorCode'), ['ACCESS_DENIED'], `${role} for ${org}`);
      assert.doesNotMatch(r.body, new RegExp(org), 'the refusal does not repeat the number');
    }
  });
});
