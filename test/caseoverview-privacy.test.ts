/**
 * Privacy check (docs/hub-people.md#privacy-check): after a representative run of the case hub (demo start,
 * consent, pushes of both majors, mandates of every role, reads on behalf, a guardian's consent for a child,
 * revocation, a push after it), no identity number used — subject, representative, grantor, guardian, child —
 * appears in plaintext in the SQLite database files (main and -wal) or in the log lines, in its 12-digit form,
 * with a hyphen (YYYYMMDD-NNNN), or in the 10-digit short form with a hyphen (YYMMDD-NNNN); nor does a
 * grantor's or subject's organisation number. Runs at debug level, so every log line the run can write is seen.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { demoState } from '../src/caseoverview/demo.js';
import { DEMO_CITIZEN, DEMO_COMPANY, DEMO_COMPANY_REPRESENTATIVE, DEMO_GUARDIAN, DEMO_MAIN_REPORTER, DEMO_MUNICIPALITY, DEMO_REPORTER } from '../src/caseoverview/demo-persons.js';
import { CaseKeyRing } from '../src/caseoverview/keys.js';
import { startTestApp } from './helpers/app-fixture.js';
import { OVERVIEW_ACTION, OVERVIEW_ACTION_V2, overviewEnvelope, pathOf, PUSH_ACTION, PUSH_ACTION_V2, pushEnvelope, texts } from './helpers/case-envelopes.js';
import { call, consentEnvelope, getMandatesEnvelope, hubEnv, personBorn, registerEnvelope, revokeEnvelope } from './helpers/hub-people.js';

/** The plaintext forms an identity number could take in a file or a log line. */
export function plaintextForms(id: string): string[] {
  if (id.length === 10) return [id, `${id.slice(0, 6)}-${id.slice(6)}`];
  return [id, `${id.slice(0, 8)}-${id.slice(8)}`, `${id.slice(2, 8)}-${id.slice(8)}`];
}

/** Every form of every number found in `text`, as "number (form)". */
export function findPlaintext(text: string, ids: readonly string[]): string[] {
  return ids.flatMap((id) => plaintextForms(id).filter((f) => text.includes(f)).map((f) => `${id.slice(0, 4)}… as ${f.length} characters`));
}

describe('privacy check: no identity number in plaintext in the database files or the logs', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('after demo start, consent, pushes, mandates, reads on behalf, a guardian consent and revocation', async () => {
    const { env, cleanup } = await hubEnv('sqlite', { PRODUCER_DEMO_DATA: 'true', PRODUCER_LOG_LEVEL: 'debug' });
    cleanups.push(cleanup);
    const lines: string[] = [];
    const logDestination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const t = await startTestApp(env, { logDestination });
    const person = personBorn(34, 0, 901);
    const child = personBorn(6, 0, 902);
    const guardian = personBorn(38, 0, 903);
    const ombud = personBorn(45, 0, 904);
    const company = DEMO_COMPANY.organisationNumber;
    const now = () => new Date().toISOString();
    const ids = [
      ...[DEMO_CITIZEN, DEMO_COMPANY_REPRESENTATIVE, DEMO_GUARDIAN, DEMO_MAIN_REPORTER, DEMO_REPORTER].map((p) => p.personalIdentityNumber),
      company,
      DEMO_MUNICIPALITY.organisationNumber,
    ];
    const dataDir = t.config.dataDir;
    let scanned = 0;
    const scanDatabase = (when: string) => {
      const dbFiles = fs.readdirSync(dataDir).filter((f) => /\.(db|sqlite3?)(-wal)?$/.test(f));
      assert.ok(dbFiles.some((f) => !f.endsWith('-wal')), `the main database file is among ${fs.readdirSync(dataDir).join(', ')}`);
      for (const f of dbFiles) {
        scanned++;
        assert.deepEqual(findPlaintext(fs.readFileSync(path.join(dataDir, f)).toString('latin1'), ids), [], `${f} (${when}): plaintext identity numbers`);
      }
    };
    let demoChild: string;
    try {
      demoChild = (await demoState(t.db, new CaseKeyRing(t.config.keysFile), new Date())).child.personalIdentityNumber;
      const ok = (body: string) => assert.doesNotMatch(body, /resultCode>ERROR</, body);

      ok((await call(t, 'UpdateCaseOverviewConsent', 'case-view', consentEnvelope({ subject: person, action: 'GIVE' }))).body);
      const push1 = await t.post('case-system', pathOf('PushCaseStatus'), PUSH_ACTION, pushEnvelope({ caseId: 'PRIV-1', subject: person, caseUpdated: now(), freeText: `Ärende för ${person}` }));
      assert.match(push1.body, /outcome>CREATED</, push1.body);
      const push2 = await t.post('case-system-2', pathOf('PushCaseStatus', 2), PUSH_ACTION_V2, pushEnvelope({ caseId: 'PRIV-2', subject: person, org: '5599999992', caseUpdated: now() }, 2));
      assert.match(push2.body, /outcome>CREATED</, push2.body);
      const push3 = await t.post(
        'case-system',
        pathOf('PushCaseStatus', 2),
        PUSH_ACTION_V2,
        pushEnvelope({ caseId: 'PRIV-3', subject: company, subjectKind: 'organisationNumber', category: 'Bygglov', caseUpdated: now() }, 2),
      );
      assert.match(push3.body, /outcome>CREATED</, push3.body);

      const validFrom = now();
      const validTo = new Date(Date.now() + 365 * 86_400_000).toISOString();
      for (const m of [
        { mandateId: 'PRIV-OMBUD', grantor: company, grantorKind: 'organisationNumber' as const, representative: ombud, role: 'OMBUD', scope: { category: ['Bygglov'] }, validFrom, validTo, notifyRepresentative: true },
        { mandateId: 'PRIV-GUARDIAN', grantor: child, representative: guardian, role: 'GUARDIAN', validFrom, notifyRepresentative: true },
        { mandateId: 'PRIV-PERSON', grantor: person, representative: ombud, role: 'OMBUD', validFrom, validTo, notifyRepresentative: true },
      ]) {
        assert.match((await call(t, 'UpdateMandate', 'mandate-register', registerEnvelope(m))).body, /outcome>REGISTERED</);
      }
      for (const rep of [ombud, guardian, DEMO_GUARDIAN.personalIdentityNumber, DEMO_MAIN_REPORTER.personalIdentityNumber]) {
        ok((await call(t, 'GetMandates', 'case-view', getMandatesEnvelope(rep))).body);
      }
      const onBehalf = await t.post('case-view', pathOf('GetCaseOverview', 2), OVERVIEW_ACTION_V2, overviewEnvelope({ subject: company, subjectKind: 'organisationNumber', representative: ombud }, 2));
      assert.deepEqual(texts(onBehalf.body, 'caseId').filter((id) => id.startsWith('PRIV')), ['PRIV-3']);
      const denied = await t.post('case-view', pathOf('GetCaseOverview', 2), OVERVIEW_ACTION_V2, overviewEnvelope({ subject: child, representative: person }, 2));
      assert.match(denied.body, /ACCESS_DENIED/);
      ok((await call(t, 'UpdateCaseOverviewConsent', 'case-view', consentEnvelope({ subject: child, action: 'GIVE', representative: guardian }))).body);
      ok((await t.post('case-view', pathOf('GetCaseOverview', 2), OVERVIEW_ACTION_V2, overviewEnvelope({ subject: person, representative: ombud }, 2))).body);
      ok((await t.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject: DEMO_CITIZEN.personalIdentityNumber }))).body);
      // a refusal that names the subject's field (a number with a wrong check digit) must not echo it either
      const wrong = `${person.slice(0, 11)}${(Number(person[11]) + 1) % 10}`;
      assert.match((await call(t, 'UpdateCaseOverviewConsent', 'case-view', consentEnvelope({ subject: wrong, action: 'GIVE' }))).body, /VALIDATION_ERROR/);

      const revoked = await call(t, 'UpdateCaseOverviewConsent', 'case-view', consentEnvelope({ subject: person, action: 'REVOKE' }));
      assert.match(revoked.body, /consentStatus>REVOKED</);
      const late = await t.post('case-system', pathOf('PushCaseStatus'), PUSH_ACTION, pushEnvelope({ caseId: 'PRIV-4', subject: person, caseUpdated: now() }));
      assert.doesNotMatch(late.body, /outcome>/);
      assert.match((await call(t, 'UpdateMandate', 'mandate-register', revokeEnvelope('PRIV-PERSON'))).body, /outcome>REVOKED</);
      ids.push(person, wrong, child, guardian, ombud, demoChild);
      scanDatabase('while running');
    } finally {
      await t.close();
    }
    // closed: queued pushes drained, the dispatcher stopped (its log lines written), the WAL checkpointed
    scanDatabase('after close');
    assert.ok(scanned >= 2, 'the database files were scanned');
    assert.ok(lines.length > 10, 'the run was logged');
    assert.deepEqual(findPlaintext(lines.join(''), ids), [], 'log lines: plaintext identity numbers');
  });
});
