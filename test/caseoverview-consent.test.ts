/**
 * UpdateCaseOverviewConsent end to end (docs/hub-people.md#consent), on SQLite and (with TEST_DATABASE_URL)
 * PostgreSQL: give, give again, a new version, revoke, revoke without consent; a guardian for a child under 13;
 * every refusal; revocation erasing the person's cases from both development senders with their history and
 * notifications, one audit entry per case, in the same transaction as the status change; and two instances on
 * one PostgreSQL seeing each other's consents and mandates at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CaseKeyRing } from '../src/caseoverview/keys.js';
import { CONTRACT_NAMESPACES, DEV_HSA, loadConfig } from '../src/config.js';
import { sqlFor } from '../src/storage/sql.js';
import { startTestApp, type SoapReply, type TestApp } from './helpers/app-fixture.js';
import { identityNumber, OVERVIEW_ACTION, overviewEnvelope, pathOf, PUSH_ACTION, pushEnvelope, texts, type CaseFields } from './helpers/case-envelopes.js';
import { call, consentEnvelope, ENGINES, hubEnv, PG_URL, personBorn, registerEnvelope, revokeEnvelope, type ConsentFields, type MandateFields } from './helpers/hub-people.js';

const DAY = 86_400_000;
const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();

const answer = (r: SoapReply) => ({
  consentStatus: texts(r.body, 'consentStatus')[0],
  consentVersion: texts(r.body, 'consentVersion')[0],
  since: texts(r.body, 'since')[0],
  resultCode: texts(r.body, 'resultCode')[0],
  errorCode: texts(r.body, 'errorCode')[0],
  message: texts(r.body, 'message')[0],
});

function wideTak(): string {
  const dev = loadConfig({});
  return JSON.stringify([...dev.tak, { consumer: DEV_HSA.caseSystem, contract: CONTRACT_NAMESPACES.UpdateCaseOverviewConsent, logicalAddress: '*' }]);
}

const guardian = (mandateId: string, child: string, rep: string, over: Partial<MandateFields> = {}): MandateFields => ({
  mandateId,
  grantor: child,
  representative: rep,
  role: 'GUARDIAN',
  validFrom: iso(-DAY),
  ...over,
});

/** Helpers bound to one running app. */
function on(t: TestApp) {
  const q = sqlFor(t.db.engine);
  const keys = new CaseKeyRing(t.config.keysFile);
  return {
    consent: async (f: ConsentFields, role = 'case-view') => answer(await call(t, 'UpdateCaseOverviewConsent', role, consentEnvelope(f))),
    register: async (f: MandateFields) => texts((await call(t, 'UpdateMandate', 'mandate-register', registerEnvelope(f))).body, 'outcome')[0],
    revokeMandate: (id: string) => call(t, 'UpdateMandate', 'mandate-register', revokeEnvelope(id)),
    push: async (f: CaseFields, role = 'case-system') => {
      const r = await t.post(role, pathOf('PushCaseStatus'), PUSH_ACTION, pushEnvelope(f));
      assert.equal(r.status, 200, r.body);
      return texts(r.body, 'outcome')[0];
    },
    caseIds: async (subject: string) => texts((await t.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject }))).body, 'caseId').sort(),
    record: async (subject: string) =>
      ((await t.db.read((m) => m.query(q('SELECT status, consent_version, since, acted_at, guardian_hash FROM case_consent WHERE subject_hash = ?'), [keys.subjectHash(subject)]))) as Array<Record<string, string | null>>)[0],
    count: async (sql: string, params: unknown[] = []) => Number(((await t.db.read((m) => m.query(q(sql), params))) as Array<{ n: unknown }>)[0]!.n),
    hash: (id: string) => keys.subjectHash(id),
    q,
  };
}

for (const engine of ENGINES) {
  describe(`UpdateCaseOverviewConsent [${engine}]`, () => {
    let t: TestApp;
    let h: ReturnType<typeof on>;
    let cleanup: () => Promise<void>;
    before(async () => {
      const e = await hubEnv(engine, { PRODUCER_TAK: wideTak() });
      cleanup = e.cleanup;
      t = await startTestApp(e.env);
      h = on(t);
    });
    after(async () => {
      await t?.close();
      await cleanup?.();
    });

    it('gives, keeps `since` for the same version, records a new version, revokes, and revokes without consent', async () => {
      const p = identityNumber('19790202', 701);
      const acted = '2025-03-10T09:41:07+01:00';
      const first = await h.consent({ subject: p, action: 'GIVE', consentVersion: '2025-01', time: acted });
      assert.deepEqual([first.consentStatus, first.consentVersion, first.resultCode], ['ACTIVE', '2025-01', 'OK']);
      const record = await h.record(p);
      assert.deepEqual([record?.status, record?.acted_at, record?.guardian_hash], ['ACTIVE', '2025-03-10T08:41:07.000Z', null]);
      assert.equal(record?.since, first.since);
      await new Promise((r) => setTimeout(r, 5));

      const same = await h.consent({ subject: p, action: 'GIVE', consentVersion: '2025-01' });
      assert.deepEqual([same.consentStatus, same.since], ['ACTIVE', first.since], 'the same version changes nothing');
      const newer = await h.consent({ subject: p, action: 'GIVE', consentVersion: '2025-02' });
      assert.deepEqual([newer.consentStatus, newer.consentVersion], ['ACTIVE', '2025-02']);
      assert.ok(newer.since! > first.since!, 'a new version starts a new since');

      const revoked = await h.consent({ subject: p, action: 'REVOKE', consentVersion: '2025-02' });
      assert.equal(revoked.consentStatus, 'REVOKED');
      assert.ok(revoked.since! >= newer.since!);
      const twice = await h.consent({ subject: p, action: 'REVOKE', consentVersion: '2025-02' });
      assert.deepEqual([twice.consentStatus, twice.since], ['REVOKED', revoked.since]);
      const back = await h.consent({ subject: p, action: 'GIVE', consentVersion: '2025-02' });
      assert.deepEqual([back.consentStatus, back.resultCode], ['ACTIVE', 'OK']);

      const never = identityNumber('19790203', 702);
      const none = await h.consent({ subject: never, action: 'REVOKE' });
      assert.deepEqual([none.consentStatus, none.resultCode], ['REVOKED', 'OK']);
      assert.equal((await h.record(never))?.status, 'REVOKED');
    });

    it('lets the holder of an unscoped GUARDIAN mandate decide for a child under 13, and keeps the guardian as evidence', async () => {
      const child = personBorn(8, 0, 711);
      const parent = identityNumber('19800404', 712);
      assert.equal(await h.register(guardian('CG-1', child, parent)), 'REGISTERED');
      const given = await h.consent({ subject: child, action: 'GIVE', representative: parent });
      assert.deepEqual([given.consentStatus, given.resultCode], ['ACTIVE', 'OK']);
      assert.equal((await h.record(child))?.guardian_hash, h.hash(parent));
      const revoked = await h.consent({ subject: child, action: 'REVOKE', representative: parent });
      assert.equal(revoked.consentStatus, 'REVOKED');
      const rows: Array<{ criteria: string }> = await t.db.read((m) =>
        m.query("SELECT criteria FROM audit_entry WHERE contract = 'UpdateCaseOverviewConsent' AND action = 'write' ORDER BY seq"),
      );
      const last = JSON.parse(rows.at(-1)!.criteria) as Record<string, unknown>;
      assert.deepEqual(last.roles, ['GUARDIAN']);
      assert.match(String(last.representativeHash), /^[0-9a-f]{64}$/);
      assert.ok(!JSON.stringify(rows).includes(child) && !JSON.stringify(rows).includes(parent), 'no number in the audit trail');
    });

    it('refuses whoever may not decide, with no consentStatus and nothing stored', async () => {
      const child = personBorn(6, 0, 721);
      const rep = identityNumber('19820505', 722);
      const adult = identityNumber('19820506', 723);
      await h.register(guardian('CR-scoped', child, rep, { scope: { category: ['Bygglov'] } }));
      await h.register({ mandateId: 'CR-ombud', grantor: child, representative: rep, role: 'OMBUD', validFrom: iso(-DAY), validTo: iso(300 * DAY) });
      await h.register({ mandateId: 'CR-adult', grantor: adult, representative: rep, role: 'OMBUD', validFrom: iso(-DAY), validTo: iso(300 * DAY) });
      const other = identityNumber('19820507', 724);
      await h.register(guardian('CR-revoked', child, other));
      await h.revokeMandate('CR-revoked');
      const refusals: Array<[string, ConsentFields, string, string]> = [
        ['child without representative', { subject: child, action: 'GIVE' }, 'ACCESS_DENIED', 'representative is required'],
        ['representative without any mandate', { subject: child, action: 'GIVE', representative: identityNumber('19820508', 725) }, 'ACCESS_DENIED', 'no GUARDIAN mandate'],
        ['scoped GUARDIAN and an OMBUD', { subject: child, action: 'GIVE', representative: rep }, 'ACCESS_DENIED', 'no GUARDIAN mandate'],
        ['revoked GUARDIAN', { subject: child, action: 'REVOKE', representative: other }, 'ACCESS_DENIED', 'no GUARDIAN mandate'],
        ['representative for a person of 13 or more', { subject: adult, action: 'GIVE', representative: rep }, 'ACCESS_DENIED', 'decides alone'],
        ['representative for a child who turned 13 yesterday', { subject: personBorn(13, -1, 726), action: 'GIVE', representative: rep }, 'ACCESS_DENIED', 'decides alone'],
        ['organisation subject', { subject: '5566778899', subjectKind: 'organisationNumber', action: 'GIVE' }, 'VALIDATION_ERROR', 'organisations need no consent'],
        ['subject check digit', { subject: adult.slice(0, 11) + String((Number(adult[11]) + 1) % 10), action: 'GIVE' }, 'VALIDATION_ERROR', 'not valid'],
        ['consentVersion of spaces', { subject: adult, action: 'GIVE', consentVersion: '  ' }, 'VALIDATION_ERROR', 'consentVersion is required'],
      ];
      for (const [name, f, code, message] of refusals) {
        const r = await h.consent(f);
        assert.deepEqual([r.consentStatus, r.consentVersion, r.since, r.resultCode, r.errorCode], [undefined, undefined, undefined, 'ERROR', code], name);
        assert.ok(r.message?.includes(message), `${name}: ${r.message}`);
        for (const n of [child, rep, adult, other]) assert.ok(!r.message?.includes(n), `${name}: no number in the message`);
      }
      const wrongCategory = await h.consent({ subject: adult, action: 'GIVE' }, 'case-system');
      assert.deepEqual([wrongCategory.consentStatus, wrongCategory.errorCode], [undefined, 'ACCESS_DENIED']);
      assert.equal(await h.record(child), undefined);
      assert.equal(await h.record(adult), undefined);
      // The adult decides alone.
      assert.equal((await h.consent({ subject: adult, action: 'GIVE' })).consentStatus, 'ACTIVE');
    });

    it('revocation erases every case of the person from both senders, with history and notifications, one audit entry per case', async () => {
      const p = identityNumber('19700707', 731);
      const bystander = identityNumber('19700708', 732);
      await h.consent({ subject: p, action: 'GIVE' });
      await h.consent({ subject: bystander, action: 'GIVE' });
      assert.equal(await h.push({ caseId: 'E-1', subject: p, caseUpdated: '2025-03-18T08:00:00Z' }), 'CREATED');
      assert.equal(await h.push({ caseId: 'E-1', subject: p, status: 'IN_PROGRESS', caseUpdated: '2025-03-19T08:00:00Z' }), 'UPDATED');
      assert.equal(await h.push({ caseId: 'E-2', subject: p, caseUpdated: '2025-03-18T08:00:00Z' }), 'CREATED');
      assert.equal(await h.push({ caseId: 'E-3', subject: p, org: '5599999992', caseUpdated: '2025-03-18T08:00:00Z' }, 'case-system-2'), 'CREATED');
      assert.equal(await h.push({ caseId: 'E-4', subject: bystander, caseUpdated: '2025-03-18T08:00:00Z' }), 'CREATED');
      const ids = `SELECT id FROM case_record WHERE subject_hash = ?`;
      // A representative's notice about one of the cases, as part 2 of the hub writes them: erased with the case.
      await t.db.transaction((m) =>
        m.query(
          h.q(
            `INSERT INTO case_outbox (notification_id, case_row_id, created_at, key_id, content, attempts, next_attempt_at, recipient_kind, recipient_hash)` +
              ` SELECT 'rep-notice-e1', case_row_id, created_at, key_id, content, 0, next_attempt_at, 'representative', 'h' FROM case_outbox WHERE case_row_id = (SELECT MIN(id) FROM case_record WHERE subject_hash = ?) ORDER BY id LIMIT 1`,
          ),
          [h.hash(p)],
        ),
      );
      const before = {
        cases: await h.count(`SELECT COUNT(*) AS n FROM case_record WHERE subject_hash = ?`, [h.hash(p)]),
        history: await h.count(`SELECT COUNT(*) AS n FROM case_history WHERE case_row_id IN (${ids})`, [h.hash(p)]),
        outbox: await h.count(`SELECT COUNT(*) AS n FROM case_outbox WHERE case_row_id IN (${ids})`, [h.hash(p)]),
      };
      assert.deepEqual(before, { cases: 3, history: 4, outbox: 5 });
      const writesBefore = await h.count(`SELECT COUNT(*) AS n FROM audit_entry WHERE contract = 'PushCaseStatus' AND action = 'write'`);

      const r = await h.consent({ subject: p, action: 'REVOKE' });
      assert.equal(r.consentStatus, 'REVOKED');
      assert.equal(await h.count(`SELECT COUNT(*) AS n FROM case_record WHERE subject_hash = ?`, [h.hash(p)]), 0);
      assert.equal(await h.count(`SELECT COUNT(*) AS n FROM case_history WHERE case_row_id NOT IN (SELECT id FROM case_record)`), 0);
      assert.equal(await h.count(`SELECT COUNT(*) AS n FROM case_outbox WHERE case_row_id NOT IN (SELECT id FROM case_record)`), 0);
      assert.deepEqual(await h.caseIds(bystander), ['E-4'], 'another person keeps their case');
      assert.deepEqual(await h.caseIds(p), []);

      const erased: Array<{ contract: string; criteria: string; record_count: unknown }> = await t.db.read((m) =>
        m.query("SELECT contract, criteria, record_count FROM audit_entry WHERE action = 'erase' ORDER BY seq"),
      );
      const senders = erased.map((e) => (JSON.parse(e.criteria) as { senderOrganisation: string }).senderOrganisation).sort();
      assert.deepEqual(senders, ['5599999991', '5599999991', '5599999992']);
      for (const e of erased) {
        const c = JSON.parse(e.criteria) as Record<string, unknown>;
        assert.equal(e.contract, 'UpdateCaseOverviewConsent');
        assert.match(String(c.caseKeyHash), /^[0-9a-f]{64}$/);
        assert.ok(!e.criteria.includes('E-') && !e.criteria.includes(p), 'neither the case id nor the number');
      }
      assert.equal(new Set(erased.map((e) => JSON.parse(e.criteria).caseKeyHash)).size, 3);
      assert.equal(await h.count(`SELECT COUNT(*) AS n FROM audit_entry WHERE contract = 'PushCaseStatus' AND action = 'write'`), writesBefore, 'earlier audit entries stay');

      // A later GIVE starts from nothing.
      assert.equal((await h.consent({ subject: p, action: 'GIVE' })).consentStatus, 'ACTIVE');
      assert.deepEqual(await h.caseIds(p), []);
    });

    it('the status change and the erasure are one transaction: when the erasure fails, the consent stays ACTIVE and every case stays', async () => {
      const p = identityNumber('19700709', 741);
      await h.consent({ subject: p, action: 'GIVE' });
      await h.push({ caseId: 'T-1', subject: p, caseUpdated: '2025-03-18T08:00:00Z' });
      const ddl =
        engine === 'sqlite'
          ? ['CREATE TRIGGER t_block_erase BEFORE DELETE ON case_history BEGIN SELECT RAISE(ABORT, \'blocked\'); END']
          : [
              "CREATE FUNCTION t_block_erase() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'blocked'; END $$",
              'CREATE TRIGGER t_block_erase BEFORE DELETE ON case_history FOR EACH ROW EXECUTE FUNCTION t_block_erase()',
            ];
      await t.db.transaction(async (m) => {
        for (const s of ddl) await m.query(s);
      });
      const failed = await t.post('case-view', '/casemanagement/caseoverview/UpdateCaseOverviewConsent/1/rivtabp21', `${CONTRACT_NAMESPACES.UpdateCaseOverviewConsent}:UpdateCaseOverviewConsent`, consentEnvelope({ subject: p, action: 'REVOKE' }));
      assert.equal(failed.status, 500, 'a failed erasure is a fault, not an answer');
      assert.ok(!failed.body.includes(p));
      await t.db.transaction(async (m) => {
        await m.query(engine === 'sqlite' ? 'DROP TRIGGER t_block_erase' : 'DROP TRIGGER t_block_erase ON case_history');
        if (engine === 'postgres') await m.query('DROP FUNCTION t_block_erase()');
      });
      assert.equal((await h.record(p))?.status, 'ACTIVE');
      assert.deepEqual(await h.caseIds(p), ['T-1']);
      assert.equal((await h.consent({ subject: p, action: 'REVOKE' })).consentStatus, 'REVOKED');
      assert.deepEqual(await h.caseIds(p), []);
    });
  });
}

describe('consent: two instances on one PostgreSQL', { skip: PG_URL ? false : 'TEST_DATABASE_URL not set' }, () => {
  let a: ReturnType<typeof on>;
  let b: ReturnType<typeof on>;
  let apps: TestApp[] = [];
  let cleanup: () => Promise<void>;
  before(async () => {
    const e = await hubEnv('postgres');
    cleanup = e.cleanup;
    apps = [await startTestApp(e.env), await startTestApp(e.env)];
    [a, b] = apps.map(on) as [ReturnType<typeof on>, ReturnType<typeof on>];
  });
  after(async () => {
    for (const t of apps) await t.close();
    await cleanup?.();
  });

  it("each sees the other's consent and mandates at once", async () => {
    const p = identityNumber('19660606', 801);
    const given = await a.consent({ subject: p, action: 'GIVE' });
    const again = await b.consent({ subject: p, action: 'GIVE' });
    assert.deepEqual([again.consentStatus, again.since], ['ACTIVE', given.since], 'b sees the record a wrote');
    await a.push({ caseId: 'PG-C1', subject: p, caseUpdated: '2025-03-18T08:00:00Z' });
    assert.equal((await b.consent({ subject: p, action: 'REVOKE' })).consentStatus, 'REVOKED');
    assert.deepEqual(await a.caseIds(p), [], 'the erasure through b is seen by a');

    const child = personBorn(4, 0, 802);
    const parent = identityNumber('19880808', 803);
    assert.equal(await a.register(guardian('PG-G1', child, parent)), 'REGISTERED');
    assert.equal((await b.consent({ subject: child, action: 'GIVE', representative: parent })).consentStatus, 'ACTIVE');
    await b.revokeMandate('PG-G1');
    assert.equal((await a.consent({ subject: child, action: 'REVOKE', representative: parent })).errorCode, 'ACCESS_DENIED');
  });
});
