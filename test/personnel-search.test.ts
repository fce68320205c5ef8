/** SearchPersonnel handler + store on both engines (SQLite always, PostgreSQL when TEST_DATABASE_URL is set). */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, it } from 'node:test';
import { createLogger } from '../src/log.js';
import { generatePersons } from '../src/licensetopractice/generate.js';
import { nameKey } from '../src/licensetopractice/name-key.js';
import { PersonnelStore } from '../src/licensetopractice/personnel-store.js';
import type { RequestContext } from '../src/soap/context.js';
import { createIdentifierHasher, type AuditEntryInput, type AuditTrail } from '../src/storage/audit.js';
import type { Database } from '../src/storage/database.js';
import { forEachEngine, withBothEngines } from './helpers/engines.js';
import { ctx, openSearch, walk, type Search, type SearchPersonnelRequest } from './helpers/personnel-search.js';

const COUNT = 6000;
/** limits.maxCriteria for this suite: small, so the edge is cheap to reach. */
const CAP = 3;
const register = [...generatePersons(1, COUNT)];

forEachEngine('SearchPersonnel', (testEngine) => {
  const engine = testEngine.engine;
  let database: Database;
  let events: AuditEntryInput[];
  let trail: AuditTrail;
  let search: Search;
  let close: (() => Promise<void>) | undefined;
  const hash = createIdentifierHasher(crypto.randomBytes(32));
  const walkAll = (request: SearchPersonnelRequest, c?: RequestContext) => walk(search, request, c);

  before(async () => {
    ({ database, events, trail, search, close } = await openSearch(testEngine, { count: COUNT, maxCriteria: CAP, hash }));
  });
  after(async () => {
    await close?.();
  });

  const expected = (pred: (p: (typeof register)[number]) => boolean) =>
    register
      .filter(pred)
      .sort((a, b) => {
        const ka = [nameKey(a.familyName), nameKey(a.givenName)];
        const kb = [nameKey(b.familyName), nameKey(b.givenName)];
        return ka[0]! < kb[0]! ? -1 : ka[0]! > kb[0]! ? 1 : ka[1]! < kb[1]! ? -1 : ka[1]! > kb[1]! ? 1 : a.id - b.id;
      })
      .map((p) => p.personId);

  it('rejects a request without criteria, and garbage criteria, with VALIDATION_ERROR', async () => {
    for (const r of [
      {},
      { maxResults: 10 },
      { familyName: '   ' },
      { familyName: '*' },
      { familyName: 'An*ders' },
      { personalIdentityNumber: '197501019901' },
      { personalIdentityNumber: '7501019900' },
      { personalIdentityNumber: register.find((p) => p.coordination)!.identityNumber },
      { coordinationNumber: register.find((p) => !p.coordination)!.identityNumber },
      { birthDate: '1975-02-30' },
      { professionCode: ['XX'] },
      { countyCode: '1' },
      { familyName: 'Andersson', maxResults: 0 },
    ] as SearchPersonnelRequest[]) {
      const res = await search(r);
      assert.equal(res.result.resultCode, 'ERROR', JSON.stringify(r));
      assert.equal(res.result.errorCode, 'VALIDATION_ERROR', JSON.stringify(r));
      assert.equal(res.person, undefined);
    }
  });

  it('finds by personal identity number and by coordination number', async () => {
    const pnr = register.find((p) => !p.coordination)!;
    const res = await search({ personalIdentityNumber: pnr.identityNumber });
    assert.deepEqual(res.person?.map((p) => p.personId), [pnr.personId]);
    assert.equal(res.person?.[0]?.personalIdentityNumber, pnr.identityNumber);
    const samn = register.find((p) => p.coordination)!;
    const res2 = await search({ coordinationNumber: samn.identityNumber });
    assert.deepEqual(res2.person?.map((p) => p.personId), [samn.personId]);
    assert.equal(res2.person?.[0]?.coordinationNumber, samn.identityNumber);
    // The identity number is hashed in the audit trail.
    const ev = events.at(-1)!;
    assert.equal(ev.criteria.coordinationNumberHash, hash(samn.identityNumber));
    assert.ok(!JSON.stringify(ev).includes(samn.identityNumber));
  });

  it('matches names case-insensitively, prefix with *, exact without', async () => {
    const exact = await walkAll({ familyName: 'ANDERSSON', maxResults: 1000 });
    assert.deepEqual(exact.ids, expected((p) => p.familyName === 'Andersson'));
    const prefix = await walkAll({ familyName: 'and*', maxResults: 1000 });
    assert.deepEqual(prefix.ids, expected((p) => nameKey(p.familyName).startsWith('and')));
    assert.ok(prefix.total > exact.total);
    const given = await walkAll({ givenName: 'Anna', familyName: 'Jo*', maxResults: 1000 });
    assert.deepEqual(given.ids, expected((p) => p.givenName === 'Anna' && nameKey(p.familyName).startsWith('jo')));
  });

  it('treats Å, Ä, Ö as distinct letters sorted after Z', async () => {
    const a = await walkAll({ familyName: 'Å*', maxResults: 1000 });
    assert.ok(a.total > 0);
    assert.deepEqual(a.ids, expected((p) => p.familyName.startsWith('Å')));
    const plainA = await walkAll({ familyName: 'Aberg', maxResults: 1000 });
    assert.equal(plainA.total, 0, 'Aberg does not match Åberg');
    const oe = await walkAll({ familyName: 'öberg', maxResults: 1000 });
    assert.deepEqual(oe.ids, expected((p) => p.familyName === 'Öberg'));
    // Whole-register order for a profession: Z… before Å… before Ä… before Ö…
    const all = await walkAll({ professionCode: ['LK'], maxResults: 1000 });
    assert.deepEqual(all.ids, expected((p) => p.licences.some((l) => l.professionCode === 'LK')));
    const initials = all.ids.map((id) => register[Number(id.slice(4)) - 1]!.familyName[0]!);
    const firstOf = (ch: string) => initials.indexOf(ch);
    const lastOf = (ch: string) => initials.lastIndexOf(ch);
    assert.ok(lastOf('Z') < firstOf('Å') && lastOf('Å') < firstOf('Ä') && lastOf('Ä') < firstOf('Ö'), initials.join(''));
  });

  it('filters by each remaining criterion and by combinations', async () => {
    const cases: Array<[SearchPersonnelRequest, (p: (typeof register)[number]) => boolean]> = [
      [{ professionCode: ['LK'], familyName: 'Ander*' }, (p) => nameKey(p.familyName).startsWith('ander') && p.licences.some((l) => l.professionCode === 'LK')],
      [{ professionCode: ['LK', 'TL'], familyName: 'K*' }, (p) => nameKey(p.familyName).startsWith('k') && p.licences.some((l) => ['LK', 'TL'].includes(l.professionCode))],
      [{ professionCode: ['BA', 'PT'] }, (p) => p.licences.some((l) => ['BA', 'PT'].includes(l.professionCode))],
      [{ specialityCode: '1010' }, (p) => p.licences.some((l) => l.specialities.some((s) => s.code === '1010'))],
      [{ specialityCode: '1010', professionCode: ['LK'] }, (p) => p.licences.some((l) => l.specialities.some((s) => s.code === '1010'))],
      [{ countyCode: '09' }, (p) => p.countyCode === '09' && !p.protectedIdentity],
      [{ municipalityCode: '1480', familyName: 'Nilsson' }, (p) => p.municipalityCode === '1480' && p.familyName === 'Nilsson' && !p.protectedIdentity],
      [{ birthDate: register[10]!.birthDate }, (p) => p.birthDate === register[10]!.birthDate],
      [{ birthDate: register[10]!.birthDate, familyName: register[10]!.familyName }, (p) => p.birthDate === register[10]!.birthDate && p.familyName === register[10]!.familyName],
    ];
    const prescriber = register.flatMap((p) => p.licences.map((l) => [p, l.prescriberCode] as const)).find(([, c]) => c)!;
    cases.push([{ prescriberCode: prescriber[1]! }, (p) => p.id === prescriber[0].id]);
    for (const [request, pred] of cases) {
      const want = expected(pred);
      assert.ok(want.length > 0, `fixture has hits for ${JSON.stringify(request)}`);
      const got = await walkAll({ ...request, maxResults: 1000 });
      assert.deepEqual(got.ids, want, JSON.stringify(request));
      assert.equal(got.total, want.length);
    }
  });

  it('answers the same licences from the person rows\' licence documents and from the licence tables', async () => {
    const request: SearchPersonnelRequest = { familyName: 'a*', maxResults: 1000 };
    const fromDocuments = await search(request);
    const persons = fromDocuments.person ?? [];
    assert.ok(persons.length > 100);
    const licences = persons.flatMap((p) => p.licence ?? []);
    assert.ok(licences.some((l) => (l.speciality ?? []).length > 0), 'the sample has specialities');
    assert.ok(licences.some((l) => (l.restriction ?? []).length > 0), 'the sample has restrictions');
    assert.ok(persons.some((p) => (p.licence ?? []).length > 1), 'the sample has persons with several licences');
    const saved: Array<{ id: number; licence_document: string }> = await database.read((sql) =>
      sql.query('SELECT id, licence_document FROM personnel_person WHERE licence_document IS NOT NULL'),
    );
    assert.equal(saved.length, COUNT, 'the loader writes a document for every person');
    await database.transaction((sql) => sql.query('UPDATE personnel_person SET licence_document = NULL'));
    try {
      const fromTables = await search(request);
      assert.deepEqual(fromTables.person, fromDocuments.person);
    } finally {
      await database.transaction(async (sql) => {
        const update = engine === 'postgres' ? 'UPDATE personnel_person SET licence_document = $1 WHERE id = $2' : 'UPDATE personnel_person SET licence_document = ? WHERE id = ?';
        for (const row of saved) await sql.query(update, [row.licence_document, row.id]);
      });
    }
  });

  it('pages: every hit exactly once, stable order, totalCount and truncated', async () => {
    const want = expected((p) => p.licences.some((l) => l.professionCode === 'SJ') && nameKey(p.familyName) < 'l');
    const full = await walkAll({ professionCode: ['SJ'], familyName: 'a*', maxResults: 1000 });
    assert.ok(full.ids.length > 0);
    const paged = await walkAll({ professionCode: ['SJ'], familyName: 'a*', maxResults: 37 });
    assert.deepEqual(paged.ids, full.ids);
    assert.equal(new Set(paged.ids).size, paged.ids.length);
    assert.equal(paged.pages, Math.ceil(full.ids.length / 37));
    assert.ok(want.length >= full.ids.length);
    const first = await search({ professionCode: ['SJ'], familyName: 'a*' });
    assert.equal(first.person?.length, 100, 'default maxResults is 100');
    assert.equal(first.truncated, first.totalCount > 100);
  });

  it('rejects a tampered token, a token of another query and of another consumer', async () => {
    const first = await search({ familyName: 'Andersson', maxResults: 5 });
    const token = first.continuation!;
    assert.ok(token);
    const raw = Buffer.from(token, 'base64url');
    raw[raw.length - 3] = raw[raw.length - 3]! ^ 0x40;
    for (const [r, c] of [
      [{ familyName: 'Andersson', continuation: raw.toString('base64url') }, undefined],
      [{ familyName: 'Johansson', continuation: token }, undefined],
      [{ familyName: 'Andersson', professionCode: ['LK'], continuation: token }, undefined],
      [{ familyName: 'Andersson', continuation: token }, ctx('PUBLIC_CARE_PROVIDER', 'SE5599999991-1001')],
      [{ familyName: 'Andersson', continuation: 'garbage' }, undefined],
    ] as Array<[SearchPersonnelRequest, RequestContext | undefined]>) {
      const res = await search(r, c);
      assert.equal(res.result.errorCode, 'VALIDATION_ERROR', JSON.stringify(r));
    }
    const ok = await search({ familyName: 'ANDERSSON', continuation: token, maxResults: 5 });
    assert.equal(ok.result.resultCode, 'OK', 'same query (case differs) accepts the token');
  });

  it('clamps maxResults over 1000 with INFO', async () => {
    const res = await search({ professionCode: ['SJ'], maxResults: 5000 });
    assert.equal(res.result.resultCode, 'INFO');
    assert.match(res.result.message ?? '', /clamped to 1000/);
    assert.equal(res.person?.length, 1000);
    assert.equal(res.truncated, true);
  });

  it('applies access profiles per category; denies others; protected identity', async () => {
    const prot = register.find((p) => p.protectedIdentity && !p.coordination)!;
    const normal = register.find((p) => !p.protectedIdentity && !p.coordination && p.licences.some((l) => l.specialities.length > 0))!;
    const sup = await search({ personalIdentityNumber: normal.identityNumber });
    const sp = sup.person![0]!;
    assert.equal(sp.countyCode, normal.countyCode);
    assert.equal(sp.municipalityCode, normal.municipalityCode);
    assert.ok(sp.licence![0]!.education);
    assert.ok(sp.licence!.some((l) => l.speciality?.length));

    const pub = (await search({ personalIdentityNumber: normal.identityNumber }, ctx('PUBLIC_CARE_PROVIDER', 'SE5599999991-1001'))).person![0]!;
    assert.equal(pub.personalIdentityNumber, normal.identityNumber);
    assert.equal(pub.countyCode, undefined);
    assert.ok(pub.licence!.some((l) => l.speciality?.length));

    const tra = (await search({ personalIdentityNumber: normal.identityNumber }, ctx('TRANSPORT_AUTHORITY', 'SE5599999991-1003'))).person![0]!;
    assert.equal(tra.familyName, normal.familyName);
    assert.equal(tra.countyCode, undefined);
    for (const l of tra.licence!) assert.deepEqual(Object.keys(l).sort(), ['licenceDate', 'professionCode', 'valid']);

    const protSup = (await search({ personalIdentityNumber: prot.identityNumber })).person![0]!;
    assert.equal(protSup.protectedIdentity, true);
    assert.equal(protSup.personalIdentityNumber, prot.identityNumber);
    assert.equal(protSup.countyCode, undefined);
    assert.equal(protSup.municipalityCode, undefined);
    const protPub = (await search({ familyName: prot.familyName, birthDate: prot.birthDate }, ctx('PUBLIC_CARE_PROVIDER', 'SE5599999991-1001'))).person!;
    const hit = protPub.find((p) => p.personId === prot.personId)!;
    assert.equal(hit.personalIdentityNumber, undefined);
    assert.equal(hit.countyCode, undefined);
    // A county criterion never matches a protected identity, for anyone.
    const byCounty = await walkAll({ countyCode: prot.countyCode, familyName: prot.familyName, maxResults: 1000 });
    assert.ok(!byCounty.ids.includes(prot.personId));

    // Criteria on withheld fields are refused.
    const denied = await search({ countyCode: '01' }, ctx('PUBLIC_CARE_PROVIDER', 'SE5599999991-1001'));
    assert.equal(denied.result.errorCode, 'ACCESS_DENIED');
    const denied2 = await search({ specialityCode: '1010' }, ctx('TRANSPORT_AUTHORITY', 'SE5599999991-1003'));
    assert.equal(denied2.result.errorCode, 'ACCESS_DENIED');

    for (const c of [ctx('CASE_SYSTEM', 'SE5599999991-1005'), ctx('CASE_VIEW', 'SE5599999991-1006'), ctx(undefined, 'SE5599999991-1007')]) {
      const res = await search({ familyName: 'Andersson' }, c);
      assert.equal(res.result.resultCode, 'ERROR');
      assert.equal(res.result.errorCode, 'ACCESS_DENIED');
      assert.equal(res.person, undefined);
      assert.equal(events.at(-1)!.outcome, 'ACCESS_DENIED');
    }
  });

  it('caps professionCode at maxCriteria; a code sent twice is the same search', async () => {
    const once = await search({ familyName: 'Andersson', professionCode: ['LK'], maxResults: 1000 });
    assert.ok((once.person ?? []).length > 0);
    const atCap = await search({ familyName: 'Andersson', professionCode: ['LK', ' LK', 'LK'] as unknown as SearchPersonnelRequest['professionCode'], maxResults: 1000 });
    assert.equal(atCap.result.resultCode, 'OK');
    assert.deepEqual(atCap.person, once.person);
    const over = await search({ familyName: 'Andersson', professionCode: ['LK', 'SJ', 'TL', 'LK'] as SearchPersonnelRequest['professionCode'] });
    assert.equal(over.result.errorCode, 'VALIDATION_ERROR');
    assert.equal(over.result.message, `professionCode is repeated more than ${CAP} times; at most ${CAP} are accepted`);
    assert.deepEqual(events.at(-1)!.criteria.professionCodeOccurrences, 4, 'a refused list is counted, not copied, in the audit');
  });

  it('no echo: messages and log lines name the criterion and its position, never the value', async () => {
    const lines: string[] = [];
    const log = createLogger('debug', { write: (l: string) => void lines.push(l) });
    const c = ctx('SUPERVISORY_AUTHORITY', 'SE5599999991-1002', { log });
    const valid = register.find((p) => !p.coordination)!.identityNumber;
    const badNumber = valid.slice(0, 11) + String((Number(valid[11]) + 1) % 10);
    const cases: Array<[SearchPersonnelRequest, string, RegExp]> = [
      [{ professionCode: ['LK', 'XQMARK'] as unknown as SearchPersonnelRequest['professionCode'] }, 'XQMARK', /^professionCode\[2\] /],
      [{ personalIdentityNumber: badNumber }, badNumber, /^personalIdentityNumber /],
      [{ familyName: 'Qz*marker' }, 'marker', /^familyName/],
      [{ countyCode: 'C9MARK' }, 'C9MARK', /^countyCode/],
      [{ familyName: 'Andersson', maxResults: 1987654321 }, '1987654321', /^maxResults exceeds 1000/],
    ];
    for (const [request, marker, message] of cases) {
      const res = await search(request, c);
      assert.notEqual(res.result.resultCode, 'OK', JSON.stringify(request));
      assert.match(res.result.message ?? '', message);
      assert.ok(!(res.result.message ?? '').includes(marker), res.result.message);
    }
    assert.ok(lines.length > 0, 'refusals are logged');
    for (const [, marker] of cases) assert.ok(!lines.join('').includes(marker), `a log line repeats ${marker}`);
  });

  it('a number search never matches a protected person for a caller without protectedIdentityNumber: page and count', async () => {
    const store = new PersonnelStore(database);
    for (const prot of [register.find((p) => p.protectedIdentity && !p.coordination)!, register.find((p) => !p.protectedIdentity && !p.coordination)!]) {
      const identity = { number: prot.identityNumber, coordination: false };
      // `after` before every key: the page is a later one, so the count query runs too (not the page's own length).
      const from = { limit: 1, after: { familyKey: '', givenKey: '', id: 0 } };
      const hidden = await store.search({ identity: { ...identity, excludeProtected: true } }, from);
      const shown = await store.search({ identity: { ...identity, excludeProtected: false } }, from);
      assert.deepEqual(shown.persons.map((p) => p.personId), [prot.personId]);
      assert.equal(shown.totalCount, 1);
      assert.deepEqual(hidden.persons.map((p) => p.personId), prot.protectedIdentity ? [] : [prot.personId]);
      assert.equal(hidden.totalCount, prot.protectedIdentity ? 0 : 1, 'the count leaves them out too');
    }
    const prot = register.find((p) => p.protectedIdentity && !p.coordination)!;
    const pub = await search({ personalIdentityNumber: prot.identityNumber, familyName: prot.familyName }, ctx('PUBLIC_CARE_PROVIDER', 'SE5599999991-1001'));
    assert.deepEqual([pub.person, pub.totalCount, pub.result.resultCode], [undefined, 0, 'OK']);
    const sup = await search({ personalIdentityNumber: prot.identityNumber, familyName: prot.familyName });
    assert.deepEqual(sup.person?.map((p) => p.personId), [prot.personId]);
  });

  it('audits every search in the shared hash-chained trail, on behalf of the effective consumer', async () => {
    await trail.flush();
    const before = Number(((await database.dataSource.query('SELECT COUNT(*) AS n FROM audit_entry')) as Array<{ n: unknown }>)[0]!.n);
    const c = ctx('PUBLIC_CARE_PROVIDER', 'SE5599999991-1001', { peerHsaId: 'SE5599999991-1004', viaRoutingNode: true });
    const res = await search({ familyName: 'Karlsson', professionCode: ['LK'], maxResults: 3 }, c);
    await trail.flush();
    const rows = (await database.dataSource.query('SELECT * FROM audit_entry ORDER BY seq DESC')) as Array<Record<string, unknown>>;
    assert.equal(rows.length, before + 1);
    const row = rows[0]!;
    assert.equal(row.actor, 'SE5599999991-1001');
    assert.equal(row.peer, 'SE5599999991-1004');
    assert.equal(row.contract, 'SearchPersonnel');
    assert.equal(row.correlation_id, c.correlationId);
    assert.equal(Number(row.record_count), res.person?.length ?? 0);
    const criteria = JSON.parse(String(row.criteria)) as Record<string, unknown>;
    assert.equal(criteria.familyName, 'Karlsson');
    assert.equal(criteria.totalCount, res.totalCount);
    assert.equal(criteria.viaRoutingNode, true);
  });
});

withBothEngines('SearchPersonnel', (sqliteEngine, postgresEngine) => {
  /** Enough persons for every initial, Å Ä Ö among them, and for several pages. */
  const AGREE_COUNT = 2000;
  const searches = new Map<string, Search>();
  const closers: Array<() => Promise<void>> = [];
  before(async () => {
    for (const e of [sqliteEngine, postgresEngine]) {
      const s = await openSearch(e, { count: AGREE_COUNT, maxCriteria: CAP });
      searches.set(e.engine, s.search);
      closers.push(s.close);
    }
  });
  after(async () => {
    for (const close of closers) await close();
  });

  it('engines agree: SQLite and PostgreSQL match the same persons in the same order, page by page', async () => {
    const sample = register.slice(0, AGREE_COUNT);
    for (const request of [
      { professionCode: ['LK'], maxResults: 97 },
      { familyName: 'Å*', maxResults: 7 },
      { givenName: 'a*', maxResults: 211 },
    ] as SearchPersonnelRequest[]) {
      const [onSqlite, onPostgres] = [await walk(searches.get('sqlite')!, request), await walk(searches.get('postgres')!, request)];
      assert.ok(onSqlite.pages > 1, `${JSON.stringify(request)} spans several pages`);
      assert.deepEqual(onPostgres.ids, onSqlite.ids, JSON.stringify(request));
    }
    // The sample holds names under Z, Å, Ä and Ö, so the order compared above covers the Swedish letters.
    const initials = new Set(sample.map((p) => p.familyName[0]));
    for (const ch of ['Z', 'Å', 'Ä', 'Ö']) assert.ok(initials.has(ch), `the sample has a family name starting with ${ch}`);
  });
});
