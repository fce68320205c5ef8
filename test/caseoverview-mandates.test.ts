/**
 * UpdateMandate and GetMandates end to end (docs/hub-people.md#mandates): the whole application over mutual TLS,
 * on SQLite and (with TEST_DATABASE_URL) PostgreSQL. Every outcome, immutability, every validation rule the
 * handler owns, a guardian's mandate around the child's 13th birthday (numbers computed from today), what
 * GetMandates leaves out, category refusals, the audit trail without identity numbers, and two instances on one
 * PostgreSQL seeing each other's mandates at once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { thirteenthBirthday } from '../src/caseoverview/age.js';
import { CONTRACT_NAMESPACES, DEV_HSA, loadConfig } from '../src/config.js';
import { startTestApp, type SoapReply, type TestApp } from './helpers/app-fixture.js';
import { identityNumber, texts } from './helpers/case-envelopes.js';
import {
  call,
  coordinationBorn,
  ENGINES,
  getMandatesEnvelope,
  hubEnv,
  PG_URL,
  personBorn,
  registerEnvelope,
  revokeEnvelope,
  type MandateFields,
} from './helpers/hub-people.js';

const COMPANY = '5566778899';
const MUNICIPALITY = '2120000142';
const REP = identityNumber('19850709', 980);
const ADULT = identityNumber('19640823', 323);
const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
const DAY = 86_400_000;
const YEAR = 365 * DAY;

const result = (r: SoapReply) => ({
  outcome: texts(r.body, 'outcome')[0],
  resultCode: texts(r.body, 'resultCode')[0],
  errorCode: texts(r.body, 'errorCode')[0],
  message: texts(r.body, 'message')[0],
});

/** TAK rows that let the wrong categories through TAK, so the handlers' own category rule answers. */
function wideTak(): string {
  const dev = loadConfig({});
  return JSON.stringify([
    ...dev.tak,
    { consumer: DEV_HSA.caseView, contract: CONTRACT_NAMESPACES.UpdateMandate, logicalAddress: '*' },
    { consumer: DEV_HSA.mandateRegister, contract: CONTRACT_NAMESPACES.GetMandates, logicalAddress: '*' },
  ]);
}

const ombud = (over: Partial<MandateFields> = {}): MandateFields => ({
  mandateId: 'M-OMBUD-1',
  grantor: COMPANY,
  grantorKind: 'organisationNumber',
  grantorName: 'Exempelbolaget AB',
  representative: REP,
  role: 'OMBUD',
  scope: { senderOrganisationNumber: ['5599999991'], category: ['Bygglov', 'Tillsyn'] },
  validFrom: iso(-DAY),
  validTo: iso(YEAR),
  notifyRepresentative: true,
  ...over,
});

for (const engine of ENGINES) {
  describe(`UpdateMandate and GetMandates [${engine}]`, () => {
    let t: TestApp;
    let cleanup: () => Promise<void>;
    const register = async (f: MandateFields) => result(await call(t, 'UpdateMandate', 'mandate-register', registerEnvelope(f)));
    const revoke = async (id: string) => result(await call(t, 'UpdateMandate', 'mandate-register', revokeEnvelope(id)));
    const mandatesOf = (rep: string, role = 'case-view') => call(t, 'GetMandates', role, getMandatesEnvelope(rep));

    before(async () => {
      const e = await hubEnv(engine, { PRODUCER_TAK: wideTak() });
      cleanup = e.cleanup;
      t = await startTestApp(e.env);
    });
    after(async () => {
      await t?.close();
      await cleanup?.();
    });

    it('registers, repeats unchanged (lists in another order, duplicates), refuses other content, revokes twice, never reuses a revoked id', async () => {
      const validFrom = iso(-DAY);
      const validTo = iso(YEAR);
      const m = ombud({ mandateId: 'M-1', validFrom, validTo });
      assert.deepEqual(await register(m), { outcome: 'REGISTERED', resultCode: 'OK', errorCode: undefined, message: undefined });
      const same = { ...m, scope: { category: ['Tillsyn', 'Bygglov', 'Tillsyn'], senderOrganisationNumber: ['5599999991'] } };
      assert.equal((await register(same)).outcome, 'UNCHANGED');
      // The same instants written in another zone are the same content.
      const shifted = (s: string) => new Date(s).toISOString().replace('Z', '+00:00');
      assert.equal((await register({ ...m, validFrom: shifted(validFrom) })).outcome, 'UNCHANGED');

      const other = await register({ ...m, scope: { category: ['Bygglov'] } });
      assert.deepEqual([other.outcome, other.resultCode, other.errorCode], [undefined, 'ERROR', 'CONFLICT']);
      assert.equal((await register({ ...m, notifyRepresentative: false })).errorCode, 'CONFLICT');

      assert.deepEqual([(await revoke('M-1')).outcome, (await revoke('M-1')).outcome], ['REVOKED', 'REVOKED']);
      const again = await register(m);
      assert.deepEqual([again.outcome, again.errorCode], [undefined, 'CONFLICT']);
      const unknown = await revoke('M-NEVER');
      assert.deepEqual([unknown.outcome, unknown.resultCode], ['NOT_FOUND', 'INFO']);
    });

    it('refuses every mandate that breaks a rule, naming the rule and never a number', async () => {
      const child = personBorn(5, 0, 101);
      const teen = personBorn(13, -1, 102);
      const bad = (n: string) => n.slice(0, 11) + String((Number(n[11]) + 1) % 10);
      const cases: Array<[string, Partial<MandateFields>, RegExp]> = [
        ['grantor check digit', { grantor: bad(ADULT), grantorKind: 'personalIdentityNumber' }, /subject personalIdentityNumber is not valid/],
        ['organisation grantor check digit', { grantor: '5566778890' }, /subject organisationNumber is not valid/],
        ['representative check digit', { representative: bad(REP) }, /representative is not a valid personal identity number/],
        ['representative a coordination number', { representative: coordinationBorn(40, 0, 103) }, /representative is not a valid personal identity number/],
        ['representative is the grantor', { grantor: REP, grantorKind: 'personalIdentityNumber' }, /representative must not be the grantor/],
        ['no validTo', { validTo: undefined }, /validTo is required for every role but GUARDIAN/],
        ['validTo = validFrom', { validFrom: '2026-01-01T00:00:00Z', validTo: '2026-01-01T01:00:00+01:00' }, /validTo must be after validFrom/],
        ['validTo before validFrom', { validFrom: '2026-01-01T00:00:00Z', validTo: '2025-12-31T00:00:00Z' }, /validTo must be after validFrom/],
        ['more than 3 years', { validFrom: '2026-01-01T00:00:00Z', validTo: '2029-01-01T00:00:00.001Z' }, /at most 3 years after validFrom/],
        ['GUARDIAN of an organisation', { role: 'GUARDIAN' }, /GUARDIAN mandate needs a grantor who is a person/],
        ['GUARDIAN of a child who turned 13 yesterday', { role: 'GUARDIAN', grantor: teen, grantorKind: 'personalIdentityNumber', validTo: undefined }, /GUARDIAN mandate needs a grantor under 13/],
        ['GUARDIAN of an adult', { role: 'GUARDIAN', grantor: ADULT, grantorKind: 'personalIdentityNumber' }, /under 13/],
        ['GUARDIAN starting after the 13th birthday', { role: 'GUARDIAN', grantor: child, grantorKind: 'personalIdentityNumber', validFrom: iso(9 * YEAR), validTo: undefined }, /before the grantor turns 13/],
        ['MAIN_REPORTER for a person', { role: 'MAIN_REPORTER', grantor: ADULT, grantorKind: 'personalIdentityNumber' }, /MAIN_REPORTER mandate needs a grantor that is an organisation/],
        ['REPORTER for a person', { role: 'REPORTER', grantor: ADULT, grantorKind: 'personalIdentityNumber' }, /REPORTER mandate needs a grantor that is an organisation/],
        ['a category of spaces', { scope: { category: ['Bygglov', '   '] } }, /scope\.category\[2\] must not be empty/],
        // PRODUCER_MAX_CRITERIA is 100 by default.
        ['too many categories', { scope: { category: Array.from({ length: 101 }, (_, i) => `k${i}`) } }, /scope\.category is repeated more than/],
        ['too many committees', { scope: { committee: Array.from({ length: 101 }, (_, i) => `n${i}`) } }, /scope\.committee is repeated more than/],
        ['a mandate id of spaces', { mandateId: '   ' }, /register\.mandateId is required/],
      ];
      for (const [name, over, message] of cases) {
        const r = await register(ombud({ mandateId: `M-bad-${name}`, ...over }));
        assert.deepEqual([r.outcome, r.resultCode, r.errorCode], [undefined, 'ERROR', 'VALIDATION_ERROR'], name);
        assert.match(r.message ?? '', message, name);
        for (const n of [ADULT, REP, COMPANY, child, teen]) assert.ok(!(r.message ?? '').includes(n), `${name}: no number in the message`);
      }
      // Nothing of it was stored: the representative holds no mandate.
      assert.deepEqual(texts((await mandatesOf(REP)).body, 'mandateId'), []);
    });

    it('a GUARDIAN mandate for a child who turns 13 tomorrow is in effect and ends at 00:00 Stockholm on the birthday; validTo earlier wins', async () => {
      const rep = identityNumber('19800101', 301);
      const child = personBorn(13, 1, 302);
      const coordinated = coordinationBorn(13, 2, 303);
      assert.equal((await register({ mandateId: 'G-1', grantor: child, representative: rep, role: 'GUARDIAN', validFrom: iso(-YEAR) })).outcome, 'REGISTERED');
      assert.equal((await register({ mandateId: 'G-2', grantor: coordinated, grantorKind: 'coordinationNumber', representative: rep, role: 'GUARDIAN', validFrom: iso(-DAY) })).outcome, 'REGISTERED');
      const early = iso(6 * 3_600_000);
      assert.equal((await register({ mandateId: 'G-3', grantor: personBorn(6, 0, 304), representative: rep, role: 'GUARDIAN', validFrom: iso(-DAY), validTo: early })).outcome, 'REGISTERED');
      const r = await mandatesOf(rep);
      assert.deepEqual([...texts(r.body, 'mandateId')].sort(), ['G-1', 'G-2', 'G-3']);
      const ends = new Map(texts(r.body, 'mandateId').map((id, i) => [id, texts(r.body, 'effectiveEnd')[i]]));
      assert.equal(new Date(ends.get('G-1')!).getTime(), thirteenthBirthday(child).getTime());
      assert.equal(new Date(ends.get('G-2')!).getTime(), thirteenthBirthday(coordinated).getTime());
      assert.equal(new Date(ends.get('G-3')!).getTime(), new Date(early).getTime());
      // 00:00 in Stockholm is 22:00 or 23:00 UTC the day before.
      assert.match(ends.get('G-1')!, /T2[23]:00:00(\.000)?Z$/);
      assert.ok(new Date(ends.get('G-1')!).getTime() - Date.now() < 3 * DAY);
    });

    it('GetMandates lists what is in effect now, with its fields, in a stable order; expired, revoked and future mandates are absent', async () => {
      const rep = identityNumber('19750315', 401);
      const base = { representative: rep, validFrom: iso(-DAY), validTo: iso(YEAR) };
      await register(ombud({ ...base, mandateId: 'L-0', grantorName: 'Beta AB', scope: { serviceArea: ['SOL_IFO'], committee: ['SN'] } }));
      await register(ombud({ ...base, mandateId: 'L-a2', grantorName: 'Alfa AB' }));
      await register(ombud({ ...base, mandateId: 'L-a1', grantorName: 'Alfa AB', scope: undefined, notifyRepresentative: false }));
      await register({ ...base, mandateId: 'L-rep', grantor: MUNICIPALITY, grantorKind: 'organisationNumber', grantorName: 'Gamma kommun', role: 'MAIN_REPORTER', scope: { committee: ['SN'] } });
      await register(ombud({ ...base, mandateId: 'L-expired', validFrom: iso(-2 * YEAR), validTo: iso(-DAY) }));
      await register(ombud({ ...base, mandateId: 'L-future', validFrom: iso(DAY), validTo: iso(YEAR) }));
      await register(ombud({ ...base, mandateId: 'L-revoked' }));
      await revoke('L-revoked');

      const r = await mandatesOf(rep);
      assert.equal(result(r).resultCode, 'OK');
      assert.deepEqual(texts(r.body, 'mandateId'), ['L-a1', 'L-a2', 'L-0', 'L-rep']);
      assert.deepEqual(texts(r.body, 'role'), ['OMBUD', 'OMBUD', 'OMBUD', 'MAIN_REPORTER']);
      assert.deepEqual(texts(r.body, 'notifyRepresentative'), ['false', 'true', 'true', 'false']);
      assert.deepEqual(texts(r.body, 'organisationNumber'), [COMPANY, COMPANY, COMPANY, MUNICIPALITY]);
      assert.deepEqual(texts(r.body, 'category'), ['Bygglov', 'Tillsyn']);
      assert.deepEqual(texts(r.body, 'serviceArea'), ['SOL_IFO']);
      assert.deepEqual(texts(r.body, 'committee'), ['SN', 'SN']);
      assert.equal(texts(r.body, 'validFrom').length, 4);
      // The same answer again: the order does not depend on insertion or on the database.
      assert.deepEqual(texts((await mandatesOf(rep)).body, 'mandateId'), texts(r.body, 'mandateId'));
      // Revocation takes effect at the next call.
      await revoke('L-a2');
      assert.deepEqual(texts((await mandatesOf(rep)).body, 'mandateId'), ['L-a1', 'L-0', 'L-rep']);
    });

    it('refuses the wrong consumer categories and a bad representative, and audits every call without a number', async () => {
      const denied = result(await call(t, 'UpdateMandate', 'case-view', registerEnvelope(ombud({ mandateId: 'X-1' }))));
      assert.deepEqual([denied.outcome, denied.errorCode], [undefined, 'ACCESS_DENIED']);
      const read = await mandatesOf(REP, 'mandate-register');
      assert.equal(result(read).errorCode, 'ACCESS_DENIED');
      assert.deepEqual(texts(read.body, 'mandateId'), []);
      const badRep = result(await mandatesOf(coordinationBorn(30, 0, 501)));
      assert.deepEqual([badRep.errorCode, badRep.message], ['VALIDATION_ERROR', 'representative is not a valid personal identity number (format or check digit)']);
      // Nothing registered by the refused caller.
      assert.equal((await register(ombud({ mandateId: 'X-1' }))).outcome, 'REGISTERED');

      const rows: Array<{ contract: string; action: string; outcome: string; criteria: string }> = await t.db.read((m) =>
        m.query("SELECT contract, action, outcome, criteria FROM audit_entry WHERE contract IN ('UpdateMandate', 'GetMandates') ORDER BY seq"),
      );
      const all = JSON.stringify(rows);
      for (const n of [REP, ADULT, COMPANY]) assert.ok(!all.includes(n), 'no identity number in the audit trail');
      const registered = rows.find((r) => r.contract === 'UpdateMandate' && r.outcome === 'REGISTERED' && r.criteria.includes('"X-1"'));
      assert.ok(registered, 'the registration is audited');
      const c = JSON.parse(registered.criteria) as Record<string, unknown>;
      assert.equal(c.role, 'OMBUD');
      assert.match(String(c.grantorHash), /^[0-9a-f]{64}$/);
      assert.match(String(c.representativeHash), /^[0-9a-f]{64}$/);
      assert.ok(rows.some((r) => r.contract === 'UpdateMandate' && r.action === 'denied' && r.outcome === 'ACCESS_DENIED'));
      assert.ok(rows.some((r) => r.contract === 'GetMandates' && r.action === 'denied' && r.outcome === 'ACCESS_DENIED'));
      assert.ok(rows.some((r) => r.contract === 'GetMandates' && r.action === 'read'));
      // At rest: no number in clear in the mandate table.
      const stored = JSON.stringify(await t.db.read((m) => m.query('SELECT * FROM case_mandate')));
      for (const n of [REP, COMPANY]) assert.ok(!stored.includes(n), 'no identity number in clear at rest');
    });
  });
}

describe('mandates: two instances on one PostgreSQL', { skip: PG_URL ? false : 'TEST_DATABASE_URL not set' }, () => {
  let a: TestApp;
  let b: TestApp;
  let cleanup: () => Promise<void>;
  before(async () => {
    const e = await hubEnv('postgres');
    cleanup = e.cleanup;
    a = await startTestApp(e.env);
    b = await startTestApp(e.env);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await cleanup?.();
  });

  it('a mandate registered through one is listed by the other at once, and a revocation through the other ends it at once', async () => {
    const rep = identityNumber('19910101', 601);
    const r = await call(a, 'UpdateMandate', 'mandate-register', registerEnvelope(ombud({ mandateId: 'PG-1', representative: rep })));
    assert.equal(result(r).outcome, 'REGISTERED');
    assert.deepEqual(texts((await call(b, 'GetMandates', 'case-view', getMandatesEnvelope(rep))).body, 'mandateId'), ['PG-1']);
    assert.equal(result(await call(b, 'UpdateMandate', 'mandate-register', revokeEnvelope('PG-1'))).outcome, 'REVOKED');
    assert.deepEqual(texts((await call(a, 'GetMandates', 'case-view', getMandatesEnvelope(rep))).body, 'mandateId'), []);
  });
});
