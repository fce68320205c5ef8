/**
 * Protected identity through the real transport, on both engines (README, "Licensed personnel"): a
 * consumer that may not see protected persons' identity numbers (journal-system, PUBLIC_CARE_PROVIDER)
 * can never confirm such a number. A search by it, alone or with any other criteria, is answered exactly
 * as a search by a valid number nobody has; the supervisor (SUPERVISORY_AUTHORITY) still finds the person.
 */
import assert from 'node:assert/strict';
import { before, after, it } from 'node:test';
import { searchPersonnelContract } from '../contracts/index.js';
import { endpointPath } from '../src/soap/service.js';
import { validateResponse } from '../src/soap/validator.js';
import { startTestApp, type SoapReply, type TestApp } from './helpers/app-fixture.js';
import { identityNumber, texts } from './helpers/case-envelopes.js';
import { forEachEngine } from './helpers/engines.js';

interface Person {
  id: number;
  person_id: string;
  identity_number: string;
  coordination: number;
  family_name: string;
  given_name: string;
  birth_date: string;
}

const NUMBER_ELEMENT = (p: Pick<Person, 'coordination'>) => (Number(p.coordination) === 1 ? 'coordinationNumber' : 'personalIdentityNumber') as 'coordinationNumber' | 'personalIdentityNumber';

function envelope(inner: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:itr="urn:riv:itintegration:registry:1"` +
    ` xmlns:tjsr="${searchPersonnelContract.namespace}">` +
    `<soapenv:Header><itr:LogicalAddress>TEST-PRODUCER</itr:LogicalAddress></soapenv:Header>` +
    `<soapenv:Body><tjsr:SearchPersonnel>${inner}</tjsr:SearchPersonnel></soapenv:Body></soapenv:Envelope>`
  );
}

/** The request's criteria, written in the schema's element order. */
type Criteria = Partial<Record<(typeof ORDER)[number], string | number | readonly string[]>>;
const ORDER = ['personalIdentityNumber', 'coordinationNumber', 'birthDate', 'familyName', 'givenName', 'professionCode', 'maxResults', 'continuation'] as const;
const body = (c: Criteria) =>
  ORDER.flatMap((name) => {
    const v = c[name];
    return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => `<tjsr:${name}>${x}</tjsr:${name}>`);
  }).join('');
/** Everything but the per-call logId. */
const withoutLogId = (xml: string) => xml.replace(/<((?:\w+:)?logId)>[^<]*</g, '<$1><');

forEachEngine('SearchPersonnel: protected identity numbers cannot be confirmed', (engine) => {
  let t: TestApp;
  const protectedPersons: Person[] = [];

  const search = async (role: string, criteria: Criteria): Promise<SoapReply> => {
    const r = await t.post(role, endpointPath(searchPersonnelContract), searchPersonnelContract.operations[0]!.soapAction, envelope(body(criteria)));
    assert.equal(r.status, 200, r.body);
    assert.equal(validateResponse(searchPersonnelContract, r.body), undefined);
    return r;
  };
  const query = <T>(sql: string) => t.db.read((s) => s.query(sql, [])) as Promise<T[]>;

  /** A valid number of the same kind and birth date as `p` that nobody in the register has. */
  async function unusedNumber(p: Person): Promise<string> {
    for (let serial = 1; serial < 1000; serial++) {
      const n = identityNumber(p.identity_number.slice(0, 8), serial);
      const used = await query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM personnel_person WHERE identity_number = '${n}'`);
      if (Number(used[0]!.n) === 0) return n;
    }
    throw new Error('no unused number');
  }

  before(async () => {
    const env: Record<string, string> = {};
    if (engine.engine === 'postgres') {
      // A fresh schema (the engine helper creates and drops it); the app finds it through search_path.
      const d = await engine.open();
      const url = new URL(d.config.databaseUrl!);
      url.searchParams.set('options', `-c search_path=${d.openOptions.pgSchema}`);
      env.DATABASE_URL = url.toString();
    }
    t = await startTestApp(env);
    const columns = 'id, person_id, identity_number, coordination, family_name, given_name, birth_date';
    for (const coordination of [0, 1]) {
      const pick = `SELECT ${columns} FROM personnel_person WHERE protected_identity = 1 AND coordination = ${coordination} ORDER BY id LIMIT 1`;
      let rows = await query<Person>(pick);
      if (rows.length === 0) {
        // The demo slice may hold no protected person of this kind: make one.
        await t.db.transaction((s) =>
          s.query(`UPDATE personnel_person SET protected_identity = 1 WHERE id = (SELECT MIN(id) FROM personnel_person WHERE coordination = ${coordination})`, []),
        );
        rows = await query<Person>(pick);
      }
      assert.equal(rows.length, 1);
      protectedPersons.push(rows[0]!);
    }
  });
  after(async () => {
    await t?.close();
  });

  it('the supervisor finds a protected person by either number kind', async () => {
    for (const p of protectedPersons) {
      const r = await search('supervisor', { [NUMBER_ELEMENT(p)]: p.identity_number });
      assert.deepEqual(texts(r.body, 'personId'), [p.person_id]);
      assert.deepEqual(texts(r.body, 'totalCount'), ['1']);
      assert.deepEqual(texts(r.body, 'protectedIdentity'), ['true']);
      assert.deepEqual(texts(r.body, NUMBER_ELEMENT(p)), [p.identity_number]);
    }
  });

  it('journal-system: a protected number, with any criteria, is answered as an unused number', async () => {
    for (const p of protectedPersons) {
      const unused = await unusedNumber(p);
      const number = NUMBER_ELEMENT(p);
      const sup = await search('supervisor', { [number]: p.identity_number });
      const profession = texts(sup.body, 'professionCode')[0]!;
      // The person is visible to journal-system by name (without the number): only number searches are affected.
      const byName = await search('journal-system', { birthDate: p.birth_date, familyName: p.family_name, maxResults: 1000 });
      assert.ok(texts(byName.body, 'personId').includes(p.person_id));
      const tokenReply = await search('journal-system', { familyName: p.family_name, maxResults: 1 });
      const token = texts(tokenReply.body, 'continuation')[0];

      const extras: Criteria[] = [
        {},
        { birthDate: p.birth_date },
        { familyName: p.family_name },
        { familyName: `${p.family_name.slice(0, 1)}*` },
        { birthDate: p.birth_date, familyName: p.family_name, givenName: p.given_name },
        { professionCode: [profession] },
        { professionCode: [profession, profession === 'LK' ? 'SJ' : 'LK'] },
        { maxResults: 1 },
        { familyName: p.family_name, maxResults: 1000 },
        ...(token ? [{ familyName: p.family_name, maxResults: 1, continuation: token }] : []),
      ];
      for (const extra of extras) {
        const hidden = await search('journal-system', { [number]: p.identity_number, ...extra });
        const nobody = await search('journal-system', { [number]: unused, ...extra });
        assert.equal(withoutLogId(hidden.body), withoutLogId(nobody.body), `${number} with ${JSON.stringify(extra)}`);
        if (extra.continuation === undefined) {
          assert.deepEqual(texts(hidden.body, 'personId'), [], JSON.stringify(extra));
          assert.deepEqual(texts(hidden.body, 'totalCount'), ['0']);
          assert.deepEqual(texts(hidden.body, 'resultCode'), ['OK']);
        }
      }
    }
  });
});
