/**
 * The case hub end to end (docs/design.md#case-hub): the whole application in-process over real mutual TLS,
 * raw SOAP envelopes, every response validated against our XSDs. Outcomes, rules, refusals, the
 * overview, the audit trail, and privacy at rest (no plaintext identity number in the SQLite files).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SignedXml } from 'xml-crypto';
import { getCaseOverviewV1Contract, pushCaseStatusV1Contract } from '../contracts/index.js';
import type { ContractDefinition } from '../contracts/rivta.js';
import { CONTRACT_NAMESPACES, DEV_HSA, loadConfig } from '../src/config.js';
import { verifyAuditChain } from '../src/storage/audit.js';
import { endpointPath } from '../src/soap/service.js';
import { validateResponse } from '../src/soap/validator.js';
import { runPython, zeepAvailable, zeepPrelude } from './helpers/zeep.js';
import { startTestApp, type SoapReply, type TestApp } from './helpers/app-fixture.js';
import { giveConsent } from './helpers/consent.js';
import {
  OVERVIEW_ACTION,
  PUSH_ACTION,
  identityNumber,
  overviewEnvelope,
  pathOf,
  pushEnvelope,
  texts,
  type CaseFields,
  type OverviewFields,
} from './helpers/case-envelopes.js';

/** A second case system (another organisation) and a signing-required one, both reached through the routing node. */
const OTHER_SENDER = 'SE2021005489-0001';
const OTHER_ORG = '2021005489';
const STRICT_SENDER = 'SE2021005489-0002';

function assertValid(contract: ContractDefinition, r: SoapReply): void {
  assert.equal(r.status, 200, r.body);
  const failure = validateResponse(contract, r.body);
  assert.equal(failure, undefined, `response must validate: ${JSON.stringify(failure)}\n${r.body}`);
}

const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();

describe('case hub end to end [sqlite]', () => {
  let t: TestApp;
  const subject = identityNumber('19850412', 123);
  const push = async (f: CaseFields, role = 'case-system', headers: Record<string, string> = {}, envelope = pushEnvelope(f)) => {
    const r = await t.post(role, pathOf('PushCaseStatus'), PUSH_ACTION, envelope, headers);
    assertValid(pushCaseStatusV1Contract, r);
    return r;
  };
  const overview = async (f: OverviewFields, role = 'case-view') => {
    const r = await t.post(role, pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope(f));
    assertValid(getCaseOverviewV1Contract, r);
    return r;
  };
  const result = (r: SoapReply) => ({
    outcome: texts(r.body, 'outcome')[0],
    revision: texts(r.body, 'revision')[0],
    resultCode: texts(r.body, 'resultCode')[0],
    errorCode: texts(r.body, 'errorCode')[0],
  });

  before(async () => {
    const dev = loadConfig({});
    const tak = [
      ...dev.tak,
      { consumer: OTHER_SENDER, contract: CONTRACT_NAMESPACES.PushCaseStatus, logicalAddress: '*' },
      { consumer: STRICT_SENDER, contract: CONTRACT_NAMESPACES.PushCaseStatus, logicalAddress: '*' },
      // In TAK, but refused by the finer category rule (ACCESS_DENIED, not RP007):
      { consumer: DEV_HSA.journalSystem, contract: CONTRACT_NAMESPACES.GetCaseOverview, logicalAddress: '*' },
      { consumer: DEV_HSA.journalSystem, contract: CONTRACT_NAMESPACES.PushCaseStatus, logicalAddress: '*' },
    ];
    const consumers = {
      ...dev.consumers,
      [OTHER_SENDER]: { category: 'CASE_SYSTEM', organisations: [OTHER_ORG], signaturePolicy: 'none' },
      [STRICT_SENDER]: { category: 'CASE_SYSTEM', organisations: [OTHER_ORG], signaturePolicy: 'required', signingCertificate: 'case-system.crt' },
    };
    t = await startTestApp({ PRODUCER_DEMO_DATA: 'false', PRODUCER_TAK: JSON.stringify(tak), PRODUCER_CONSUMERS: JSON.stringify(consumers) });
    // Consent is required by default: the persons these tests push for have given it.
    await giveConsent(t.db, t.config.keysFile, subject, identityNumber('19850472', 123), identityNumber('19791224', 661));
  });
  after(async () => {
    await t?.close();
  });

  it('walks a case through CREATED, UNCHANGED, UPDATED, STALE and CONFLICT', async () => {
    const base: CaseFields = { caseId: 'walk-1', subject, status: 'RECEIVED', caseUpdated: '2025-03-18T08:02:11+01:00' };
    assert.deepEqual(result(await push(base)), { outcome: 'CREATED', revision: '1', resultCode: 'OK', errorCode: undefined });
    // The same instant written in another zone is the same content: an identical re-delivery.
    assert.deepEqual(result(await push({ ...base, caseUpdated: '2025-03-18T07:02:11Z', statusDate: '2025-03-18T08:02:11+01:00' })), {
      outcome: 'UNCHANGED',
      revision: '1',
      resultCode: 'OK',
      errorCode: undefined,
    });
    const newer = { ...base, status: 'IN_PROGRESS' as const, caseUpdated: '2025-03-20T12:40:00Z' };
    assert.deepEqual(result(await push(newer)), { outcome: 'UPDATED', revision: '2', resultCode: 'OK', errorCode: undefined });
    const stale = await push({ ...base, status: 'CLOSED', caseUpdated: '2025-03-19T00:00:00Z' });
    assert.deepEqual(result(stale), { outcome: 'STALE', revision: '2', resultCode: 'INFO', errorCode: undefined });
    const conflict = await push({ ...newer, title: 'Another title' });
    assert.equal(result(conflict).resultCode, 'ERROR');
    assert.equal(result(conflict).errorCode, 'CONFLICT');
    assert.equal(result(conflict).outcome, undefined);
    // Statuses in any order, repeated: back to RECEIVED, then CLOSED, then ACTION_REQUIRED.
    let rev = 2;
    for (const [status, when] of [['RECEIVED', '2025-03-21T00:00:00Z'], ['CLOSED', '2025-03-22T00:00:00Z'], ['ACTION_REQUIRED', '2025-03-23T00:00:00Z']] as const) {
      assert.deepEqual(result(await push({ ...base, status, caseUpdated: when })), { outcome: 'UPDATED', revision: String(++rev), resultCode: 'OK', errorCode: undefined });
    }

    const o = await overview({ subject });
    assert.deepEqual(texts(o.body, 'resultCode'), ['OK']);
    assert.deepEqual(texts(o.body, 'caseId'), ['walk-1']);
    // Current state, then history newest first, in UTC; the stale and conflicting pushes left no trace.
    assert.deepEqual(texts(o.body, 'status'), ['ACTION_REQUIRED', 'ACTION_REQUIRED', 'CLOSED', 'RECEIVED', 'IN_PROGRESS', 'RECEIVED']);
    assert.deepEqual(texts(o.body, 'caseUpdated'), [
      '2025-03-23T00:00:00.000Z',
      '2025-03-23T00:00:00.000Z',
      '2025-03-22T00:00:00.000Z',
      '2025-03-21T00:00:00.000Z',
      '2025-03-20T12:40:00.000Z',
      '2025-03-18T07:02:11.000Z',
    ]);
    assert.deepEqual(texts(o.body, 'title'), ['Ansökan om bygglov']);
    assert.doesNotMatch(o.body, new RegExp(subject), 'the subject is not repeated in the answer');
  });

  it('validates subject, link, lengths and the time rules (VALIDATION_ERROR)', async () => {
    const ok: CaseFields = { caseId: 'rules-1', subject, caseUpdated: '2025-04-01T10:00:00Z' };
    const refusals: Array<[string, CaseFields]> = [
      ['personnummer check digit', { ...ok, subject: subject.slice(0, 11) + String((Number(subject[11]) + 1) % 10) }],
      ['a coordination number given as personnummer', { ...ok, subject: identityNumber('19850472', 123) }],
      ['organisation number check digit', { ...ok, subject: '5599999992', subjectKind: 'organisationNumber' }],
      ['http caseLink', { ...ok, caseLink: 'http://etjanster.example/arenden/1' }],
      ['non-URL caseLink', { ...ok, caseLink: 'arenden/1' }],
      ['caseUpdated before caseCreated', { ...ok, caseCreated: '2025-04-02T00:00:00Z' }],
      ['statusDate before caseCreated', { ...ok, statusDate: '2025-01-01T00:00:00Z', caseCreated: '2025-02-01T00:00:00Z' }],
      ['caseUpdated 10 minutes ahead', { ...ok, caseUpdated: iso(10 * 60_000) }],
      ['statusDate 10 minutes ahead', { ...ok, statusDate: iso(10 * 60_000) }],
      ['whitespace-only title', { ...ok, title: '   ' }],
    ];
    for (const [what, f] of refusals) {
      const r = result(await push(f));
      assert.deepEqual([r.resultCode, r.errorCode, r.outcome], ['ERROR', 'VALIDATION_ERROR', undefined], what);
    }
    // The accepted variants: a coordination number, an organisation as subject, a near-future time within the 5-minute skew.
    assert.equal(result(await push({ ...ok, caseId: 'rules-samn', subject: identityNumber('19850472', 123), subjectKind: 'coordinationNumber' })).outcome, 'CREATED');
    assert.equal(result(await push({ ...ok, caseId: 'rules-org', subject: OTHER_ORG, subjectKind: 'organisationNumber' })).outcome, 'CREATED');
    assert.equal(result(await push({ ...ok, caseId: 'rules-skew', caseUpdated: iso(2 * 60_000), caseLink: 'https://etjanster.example/a?b=1' })).outcome, 'CREATED');
    // Nothing of the refused pushes was stored.
    assert.deepEqual(texts((await overview({ subject })).body, 'caseId').filter((id) => id.startsWith('rules-')), ['rules-skew']);
  });

  it("refuses another sender's organisation and keeps each sender's cases apart (ACCESS_DENIED)", async () => {
    const viaNode = (hsaId: string) => ({ 'x-rivta-original-serviceconsumer-hsaid': hsaId });
    const theirs: CaseFields = { caseId: 'shared-id', subject, org: OTHER_ORG, orgName: 'Annan myndighet', caseUpdated: '2025-05-01T00:00:00Z' };
    assert.equal(result(await push(theirs, 'routing-node', viaNode(OTHER_SENDER))).outcome, 'CREATED');
    // case-system may not write (or overwrite) the other organisation's case.
    const denied = result(await push({ ...theirs, caseUpdated: '2025-05-02T00:00:00Z', title: 'Hijacked' }));
    assert.deepEqual([denied.resultCode, denied.errorCode], ['ERROR', 'ACCESS_DENIED']);
    // The same caseId under its own organisation is a different case.
    assert.equal(result(await push({ ...theirs, org: '5599999991', orgName: 'Testkommunen' })).outcome, 'CREATED');
    const o = await overview({ subject, senderOrganisationNumber: OTHER_ORG });
    assert.deepEqual(texts(o.body, 'caseId'), ['shared-id']);
    assert.deepEqual(texts(o.body, 'title'), ['Ansökan om bygglov']);
    // A consumer of another category, even when TAK lets it call: ACCESS_DENIED.
    const journal = result(await push({ ...theirs, org: '5599999991' }, 'journal-system'));
    assert.deepEqual([journal.resultCode, journal.errorCode], ['ERROR', 'ACCESS_DENIED']);
  });

  it('applies the signature policy: required and absent or tampered is refused, a valid signature is accepted', async () => {
    const headers = { 'x-rivta-original-serviceconsumer-hsaid': STRICT_SENDER };
    const f: CaseFields = { caseId: 'signed-1', subject, org: OTHER_ORG, caseUpdated: '2025-06-01T00:00:00Z', id: 'cs-signed-1' };
    const unsigned = result(await push(f, 'routing-node', headers));
    assert.deepEqual([unsigned.resultCode, unsigned.errorCode], ['ERROR', 'ACCESS_DENIED']);

    const sig = new SignedXml({
      privateKey: fs.readFileSync(path.join(t.certsDir, 'case-system.key')),
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    });
    sig.addReference({
      xpath: "//*[local-name(.)='caseStatus']",
      transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
      digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    });
    sig.computeSignature(pushEnvelope(f), { prefix: 'ds', location: { reference: "//*[local-name(.)='caseStatus']", action: 'append' } });
    const signed = sig.getSignedXml();
    const tampered = result(await push(f, 'routing-node', headers, signed.replace('Ansökan om bygglov', 'Ansökan om rivningslov')));
    assert.deepEqual([tampered.resultCode, tampered.errorCode], ['ERROR', 'ACCESS_DENIED']);
    assert.equal(result(await push(f, 'routing-node', headers, signed)).outcome, 'CREATED');
  });

  it('GetCaseOverview: only CASE_VIEW may read; filters; invalid criteria; other subjects see nothing', async () => {
    const denied = await overview({ subject }, 'journal-system');
    assert.deepEqual([texts(denied.body, 'resultCode')[0], texts(denied.body, 'errorCode')[0]], ['ERROR', 'ACCESS_DENIED']);
    assert.deepEqual(texts(denied.body, 'caseId'), []);
    // Not in TAK at all: the platform fault, before any handler.
    const notInTak = await t.post('case-system', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject }));
    assert.equal(notInTak.status, 500);
    assert.match(notInTak.body, /RP007/);

    const other = identityNumber('19700101', 42);
    assert.deepEqual(texts((await overview({ subject: other })).body, 'caseId'), []);
    const closed = await overview({ subject, status: ['CLOSED'] });
    assert.deepEqual(texts(closed.body, 'caseId'), []);
    const recent = await overview({ subject, updatedSince: '2025-05-01T00:00:00Z' });
    assert.deepEqual(texts(recent.body, 'caseId').sort(), ['rules-skew', 'shared-id', 'shared-id', 'signed-1']);
    const bad = await overview({ subject: '191212121213' });
    assert.deepEqual([texts(bad.body, 'resultCode')[0], texts(bad.body, 'errorCode')[0]], ['ERROR', 'VALIDATION_ERROR']);
  });

  it('audits every write and read in an intact chain, with identity numbers only as HMAC', async () => {
    const rows: Array<{ contract: string; action: string; outcome: string; criteria: string }> = await t.db.read((m) =>
      m.query("SELECT contract, action, outcome, criteria FROM audit_entry WHERE contract IN ('PushCaseStatus', 'GetCaseOverview') ORDER BY seq"),
    );
    const kinds = new Set(rows.map((r) => `${r.contract}:${r.action}:${r.outcome}`));
    for (const k of ['PushCaseStatus:write:CREATED', 'PushCaseStatus:write:STALE', 'PushCaseStatus:write:CONFLICT', 'PushCaseStatus:denied:ACCESS_DENIED', 'PushCaseStatus:denied:VALIDATION_ERROR', 'GetCaseOverview:read:OK', 'GetCaseOverview:denied:ACCESS_DENIED']) {
      assert.ok(kinds.has(k), `audit has ${k}`);
    }
    assert.ok(rows.every((r) => !r.criteria.includes(subject)));
    assert.equal((await verifyAuditChain(t.db, { keysFile: t.config.keysFile })).ok, true);
  });

  it('zeep (a real SOAP client, WSDL by URL) pushes through the outcomes and reads the overview', async (tc) => {
    if (!zeepAvailable()) {
      tc.skip('python3-zeep is not installed');
      return;
    }
    const url = (contract: ContractDefinition) => `https://localhost:${t.port}${endpointPath(contract)}?wsdl`;
    const zeepSubject = identityNumber('19791224', 661);
    const script = `${zeepPrelude(t.certsDir)}push = client("${url(pushCaseStatusV1Contract)}", "case-system").service.PushCaseStatus
def case(updated, status="RECEIVED", title="Ansökan om färdtjänst"):
    return {"caseId": "zeep-1", "subject": {"personalIdentityNumber": "${zeepSubject}"},
            "senderOrganisation": {"organisationNumber": "5599999991", "name": "Testkommunen"},
            "title": title, "status": status, "statusDate": updated, "caseCreated": "2025-02-01T09:00:00+01:00", "caseUpdated": updated}
out = []
for args in [case("2025-02-01T09:00:00+01:00"), case("2025-02-01T09:00:00+01:00"), case("2025-02-03T09:00:00+01:00", "IN_PROGRESS"),
             case("2025-02-02T09:00:00+01:00", "CLOSED"), case("2025-02-03T09:00:00+01:00", "IN_PROGRESS", "Annan titel")]:
    r = push(caseStatus=args, _soapheaders=H)
    out.append([r.outcome, r.revision, r.result.resultCode, r.result.errorCode])
r = client("${url(getCaseOverviewV1Contract)}", "case-view").service.GetCaseOverview(subject={"personalIdentityNumber": "${zeepSubject}"}, _soapheaders=H)
out.append([r.result.resultCode, [x.caseId for x in r.case], [h.status for h in r.case[0].history]])
print(json.dumps(out))
`;
    const stdout = await runPython(script);
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()!), [
      ['CREATED', 1, 'OK', null],
      ['UNCHANGED', 1, 'OK', null],
      ['UPDATED', 2, 'OK', null],
      ['STALE', 2, 'INFO', null],
      [null, 2, 'ERROR', 'CONFLICT'],
      ['OK', ['zeep-1'], ['IN_PROGRESS', 'RECEIVED']],
    ]);
  });

  it('keeps no plaintext identity number or case text in the database files', async () => {
    // The files as they are on disk: the main file and the WAL.
    const dir = t.config.dataDir;
    const bytes = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith('producer.sqlite'))
      .map((f) => fs.readFileSync(path.join(dir, f)));
    assert.ok(bytes.length >= 1);
    const all = Buffer.concat(bytes);
    // Sanity: the scan can see stored text (the sender organisation is stored in clear by design).
    assert.ok(all.includes(Buffer.from('5599999991')));
    for (const secret of [subject, identityNumber('19850472', 123), 'Ansökan om bygglov', 'Annan myndighet']) {
      assert.equal(all.includes(Buffer.from(secret, 'utf8')), false, `${secret} must not be stored in clear`);
    }
  });
});
