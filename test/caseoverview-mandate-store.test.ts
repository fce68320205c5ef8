/**
 * The mandate store (src/caseoverview/mandate-store.ts, docs/hub-people.md#mandates) on both engines:
 * registration once per id (the same content again, other content, after revocation, two instances at once),
 * revocation, what is in effect at a given instant (evaluated at every call), a guardian's effective end at the
 * child's 13th birthday, the three lookups, and nothing identifying in clear at rest.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { thirteenthBirthday } from '../src/caseoverview/age.js';
import { CaseKeyRing, ensureCaseKeys } from '../src/caseoverview/keys.js';
import { MandateStore, canonicalMandate, mandateEffectiveEnd, type MandateInput } from '../src/caseoverview/mandate-store.js';
import { CASE_TABLES } from '../src/caseoverview/schema.js';
import { identityNumber } from './helpers/case-envelopes.js';
import { forEachEngine } from './helpers/engines.js';

const COMPANY = '5566778899';
const REPRESENTATIVE = '198507099805';
const OTHER_REPRESENTATIVE = '196408233234';
const FROM = '2026-01-01T00:00:00.000Z';
const TO = '2027-01-01T00:00:00.000Z';
const at = (iso: string) => new Date(iso);

const ombud = (over: Partial<MandateInput> = {}): MandateInput => ({
  mandateId: 'M-1',
  grantor: { kind: 'organisationNumber', id: COMPANY },
  grantorName: 'Exempelbolaget AB',
  representative: REPRESENTATIVE,
  role: 'OMBUD',
  scope: { senderOrganisationNumber: ['5599999991'], category: ['Tillsyn', 'Bygglov'] },
  validFrom: FROM,
  validTo: TO,
  notifyRepresentative: true,
  ...over,
});

/** A child's personal identity number, born `years` years before now (on today's UTC date, the 28th at most). */
function childAged(years: number): string {
  const now = new Date();
  const date = `${now.getUTCFullYear() - years}${String(now.getUTCMonth() + 1).padStart(2, '0')}${String(Math.min(now.getUTCDate(), 28)).padStart(2, '0')}`;
  return identityNumber(date, 982);
}

function keyRing(): CaseKeyRing {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-keys-')), 'keys.json');
  ensureCaseKeys(file);
  return new CaseKeyRing(file);
}

forEachEngine('mandate store', (engine) => {
  const setup = async () => {
    const t = await engine.open();
    const keys = keyRing();
    return { ...t, keys, store: new MandateStore(t.db, keys) };
  };

  it('registers once per id: the same content again (lists in any order) is unchanged, other content is not, nor after revocation', async () => {
    const { store, keys } = await setup();
    const first = await store.register(ombud(), at(FROM));
    assert.equal(first.status, 'inserted');
    assert.deepEqual(await store.register(ombud({ scope: { category: ['Bygglov', 'Tillsyn', 'Bygglov'], senderOrganisationNumber: ['5599999991'], committee: [] } })), {
      status: 'exists',
      sameContent: true,
      revoked: false,
    });
    assert.deepEqual(await store.register(ombud({ grantorName: 'Annat namn' })), { status: 'exists', sameContent: false, revoked: false });
    assert.deepEqual(await store.register(ombud({ scope: { category: ['Bygglov'] } })), { status: 'exists', sameContent: false, revoked: false });

    const stored = (await store.get('M-1'))!;
    assert.deepEqual(stored.mandate, { ...canonicalMandate(ombud()), effectiveEnd: TO }, 'the first registration, whole');
    assert.deepEqual(stored.mandate.scope, { category: ['Bygglov', 'Tillsyn'], senderOrganisationNumber: ['5599999991'] });
    assert.equal(stored.grantorHash, keys.subjectHash(COMPANY));
    assert.equal(stored.representativeHash, keys.subjectHash(REPRESENTATIVE));
    assert.equal(stored.registeredAt, FROM);
    assert.equal(stored.revokedAt, null);

    assert.equal(await store.revoke('M-1', at('2026-06-01T00:00:00.000Z')), 'REVOKED');
    assert.equal(await store.revoke('M-1', at('2026-07-01T00:00:00.000Z')), 'ALREADY_REVOKED');
    assert.equal((await store.get('M-1'))!.revokedAt, '2026-06-01T00:00:00.000Z', 'the first revocation time stays');
    assert.deepEqual(await store.register(ombud()), { status: 'exists', sameContent: true, revoked: true }, 'a revoked id is never used again');
    assert.equal(await store.revoke('NO-SUCH', new Date()), 'NOT_FOUND');
    assert.equal(await store.get('NO-SUCH'), undefined);
  });

  it('two instances registering one id at once: one inserts, the other finds it', async () => {
    const { db, openAnother, keys } = await setup();
    const other = db.engine === 'postgres' ? await openAnother() : db;
    const results = await Promise.all([new MandateStore(db, keys).register(ombud()), new MandateStore(other, keys).register(ombud())]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['exists', 'inserted']);
    assert.deepEqual(results.find((r) => r.status === 'exists'), { status: 'exists', sameContent: true, revoked: false });
  });

  it('is in effect from validFrom up to (not including) the effective end, unless revoked, at each call', async () => {
    const { store, keys } = await setup();
    await store.register(ombud());
    const g = keys.subjectHash(COMPANY);
    const r = keys.subjectHash(REPRESENTATIVE);
    const ids = async (iso: string) => (await store.inEffect(g, r, at(iso))).map((m) => m.mandate.mandateId);
    assert.deepEqual(await ids('2025-12-31T23:59:59.999Z'), []);
    assert.deepEqual(await ids(FROM), ['M-1']);
    assert.deepEqual(await ids('2026-12-31T23:59:59.999Z'), ['M-1']);
    assert.deepEqual(await ids(TO), [], 'the end is exclusive');
    await store.revoke('M-1', at('2026-05-01T00:00:00.000Z'));
    assert.deepEqual(await ids('2026-03-01T00:00:00.000Z'), [], 'a revocation ends it at the next call');
  });

  it('a guardian’s mandate ends at 00:00 Swedish time on the child’s 13th birthday, or at an earlier validTo', async () => {
    const { store, keys } = await setup();
    const child = childAged(8);
    const birthday = thirteenthBirthday(child).toISOString();
    const guardian = (over: Partial<MandateInput>): MandateInput =>
      ombud({ grantor: { kind: 'personalIdentityNumber', id: child }, role: 'GUARDIAN', scope: undefined, validTo: undefined, ...over });
    assert.equal(mandateEffectiveEnd(guardian({})), birthday);
    assert.equal(mandateEffectiveEnd(guardian({ validTo: '2099-01-01T00:00:00.000Z' })), birthday);
    assert.equal(mandateEffectiveEnd(guardian({ validTo: TO })), TO);
    await store.register(guardian({ mandateId: 'G-1' }));
    const g = keys.subjectHash(child);
    const r = keys.subjectHash(REPRESENTATIVE);
    assert.equal((await store.get('G-1'))!.mandate.effectiveEnd, birthday);
    assert.deepEqual((await store.inEffect(g, r, new Date(Date.parse(birthday) - 1))).map((m) => m.mandate.mandateId), ['G-1']);
    assert.deepEqual(await store.inEffect(g, r, at(birthday)), [], 'ended on the birthday');
  });

  it('finds mandates by the pair, by representative and by grantor with notification, only those in effect', async () => {
    const { store, keys } = await setup();
    const municipality = '2120000142';
    await store.register(ombud({ mandateId: 'A' }));
    await store.register(ombud({ mandateId: 'B', scope: { committee: ['SN'] }, notifyRepresentative: false }));
    await store.register(ombud({ mandateId: 'C', grantor: { kind: 'organisationNumber', id: municipality }, role: 'REPORTER' }));
    await store.register(ombud({ mandateId: 'D', representative: OTHER_REPRESENTATIVE }));
    await store.register(ombud({ mandateId: 'E', validFrom: '2030-01-01T00:00:00.000Z', validTo: '2031-01-01T00:00:00.000Z' }));
    await store.register(ombud({ mandateId: 'F' }));
    await store.revoke('F', at(FROM));
    const now = at('2026-02-01T00:00:00.000Z');
    const ids = (list: Array<{ mandate: { mandateId: string } }>) => list.map((m) => m.mandate.mandateId);
    const company = keys.subjectHash(COMPANY);
    assert.deepEqual(ids(await store.inEffect(company, keys.subjectHash(REPRESENTATIVE), now)), ['A', 'B'], 'they add up');
    assert.deepEqual(ids(await store.byRepresentative(keys.subjectHash(REPRESENTATIVE), now)), ['A', 'B', 'C']);
    assert.deepEqual(ids(await store.byGrantorNotifying(company, now)), ['A', 'D']);
    const c = (await store.byRepresentative(keys.subjectHash(REPRESENTATIVE), now)).find((m) => m.mandate.mandateId === 'C')!;
    assert.deepEqual(c.mandate.grantor, { kind: 'organisationNumber', id: municipality }, 'decrypted: the view needs the grantor');
    assert.equal(c.mandate.representative, REPRESENTATIVE);
  });

  it('refuses times that would compare wrongly as text, and a non-guardian without validTo', async () => {
    const { store } = await setup();
    await assert.rejects(store.register(ombud({ validFrom: '2026-01-01T01:00:00+01:00' })), RangeError);
    await assert.rejects(store.register(ombud({ validTo: '2027-01-01T00:00:00Z' })), RangeError);
    await assert.rejects(store.register(ombud({ validTo: undefined })), RangeError);
    await assert.rejects(store.register(ombud({ role: 'GUARDIAN', validTo: undefined })), RangeError, 'a guardian needs a person grantor');
  });

  it('keeps no identity number or scope value in clear, and a sealed mandate opens only under its own id', async () => {
    const { db, store } = await setup();
    await store.register(ombud({ mandateId: 'M-1' }));
    await store.register(ombud({ mandateId: 'M-2' }));
    const rows = (await db.read((m) => m.query(`SELECT * FROM ${CASE_TABLES.mandate}`))) as Array<Record<string, unknown>>;
    const text = JSON.stringify(rows);
    for (const secret of [COMPANY, REPRESENTATIVE, 'Exempelbolaget', 'Bygglov']) assert.ok(!text.includes(secret), secret);
    // another row's blob on M-1: authentication fails rather than showing M-2's content as M-1's
    const m2 = rows.find((r) => r.mandate_id === 'M-2')!;
    await db.transaction((m) =>
      m.query(db.engine === 'postgres' ? `UPDATE ${CASE_TABLES.mandate} SET content = $1 WHERE mandate_id = 'M-1'` : `UPDATE ${CASE_TABLES.mandate} SET content = ? WHERE mandate_id = 'M-1'`, [m2.content]),
    );
    await assert.rejects(store.get('M-1'));
  });
});
