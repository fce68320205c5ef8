/** Unit tests of the personnel register: name keys, generator, access profiles, continuation tokens. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { applyProfile, DEFAULT_ACCESS_PROFILES, resolveAccessProfiles } from '../src/licensetopractice/access-profiles.js';
import { PROFESSION_CODES } from '../src/licensetopractice/codes.js';
import { decodeContinuation, encodeContinuation, queryBinding } from '../src/licensetopractice/continuation.js';
import { generatePerson, generatePersons } from '../src/licensetopractice/generate.js';
import { nameKey, parseNameCriterion, prefixUpperBound } from '../src/licensetopractice/name-key.js';
import type { PersonRecord } from '../src/licensetopractice/personnel-records.js';
import { Personnummer } from '../src/identity-numbers.js';

describe('name keys', () => {
  it('folds case, keeps Å/Ä/Ö as distinct letters after Z, folds other accents', () => {
    assert.equal(nameKey('ANDERSSON'), nameKey('andersson'));
    assert.equal(nameKey('Åberg'), '{berg');
    assert.equal(nameKey('Ängström'), '|ngstr}m');
    assert.equal(nameKey('Öberg'), '}berg');
    assert.equal(nameKey('Linnéa'), 'linnea');
    assert.equal(nameKey('Müller'), 'muller');
    assert.equal(nameKey('Lund-Eriksson'), 'lund eriksson');
    assert.equal(nameKey('  af  Klint '), 'af klint');
    const sorted = ['Öberg', 'Zetterberg', 'Åberg', 'Ängström', 'Andersson', 'Oberg'].sort((a, b) =>
      nameKey(a) < nameKey(b) ? -1 : nameKey(a) > nameKey(b) ? 1 : 0,
    );
    assert.deepEqual(sorted, ['Andersson', 'Oberg', 'Zetterberg', 'Åberg', 'Ängström', 'Öberg']);
    assert.notEqual(nameKey('Åberg'), nameKey('Aberg'));
  });

  it('parses prefix and exact criteria', () => {
    assert.deepEqual(parseNameCriterion('Ander*'), { kind: 'prefix', key: 'ander' });
    assert.deepEqual(parseNameCriterion('ÖBERG'), { kind: 'exact', key: '}berg' });
    assert.ok('error' in parseNameCriterion('*'));
    assert.ok('error' in parseNameCriterion('An*ders'));
    assert.ok('error' in parseNameCriterion('--'));
    assert.equal(prefixUpperBound('ander'), 'andes');
    assert.equal(prefixUpperBound('}'), '~');
  });
});

describe('generator', () => {
  it('is deterministic: same seed, same register; a smaller register is a prefix of a larger one', () => {
    const hash = (seed: number, n: number) => {
      const h = crypto.createHash('sha256');
      for (const p of generatePersons(seed, n)) h.update(JSON.stringify(p));
      return h.digest('hex');
    };
    assert.equal(hash(1, 500), hash(1, 500));
    assert.notEqual(hash(1, 500), hash(2, 500));
    assert.deepEqual(generatePerson(1, 1234), [...generatePersons(1, 1, 1234)][0]);
  });

  it('produces valid, unique identity numbers and sane distributions', () => {
    const n = 20_000;
    const ids = new Set<string>();
    const professions = new Map<string, number>();
    const surnamesByProfession = new Map<string, Set<string>>();
    let coordination = 0;
    let protectedIds = 0;
    let withSpeciality = 0;
    let restricted = 0;
    let deceased = 0;
    for (const p of generatePersons(1, n)) {
      assert.match(p.identityNumber, /^\d{12}$/);
      assert.ok(Personnummer.valid(p.identityNumber, { allowCoordinationNumber: true, allowInterimNumber: false }), p.identityNumber);
      assert.equal(Personnummer.parse(p.identityNumber, { allowCoordinationNumber: true, allowInterimNumber: false }).isCoordinationNumber(), p.coordination);
      assert.ok(Number(p.identityNumber.slice(8, 11)) >= 900, 'birth numbers are from the synthetic 900–999 block');
      assert.ok(!ids.has(p.identityNumber), 'unique');
      ids.add(p.identityNumber);
      if (p.coordination) coordination++;
      if (p.protectedIdentity) protectedIds++;
      if (p.deceased) deceased++;
      if (p.licences.some((l) => l.specialities.length > 0)) withSpeciality++;
      if (p.licences.some((l) => l.restrictions.length > 0)) restricted++;
      for (const l of p.licences) {
        professions.set(l.professionCode, (professions.get(l.professionCode) ?? 0) + 1);
        let s = surnamesByProfession.get(l.professionCode);
        if (!s) surnamesByProfession.set(l.professionCode, (s = new Set()));
        s.add(p.familyName);
        assert.ok((PROFESSION_CODES as readonly string[]).includes(l.professionCode));
        if (l.restrictions.some((r) => r.code === '001')) assert.equal(l.valid, false);
      }
    }
    const share = (x: number) => x / n;
    assert.ok(share(coordination) > 0.01 && share(coordination) < 0.03, `coordination ${coordination}`);
    assert.ok(share(protectedIds) > 0.005 && share(protectedIds) < 0.015, `protected ${protectedIds}`);
    assert.ok(share(withSpeciality) > 0.035 && share(withSpeciality) < 0.07, `speciality ${withSpeciality}`);
    assert.ok(share(restricted) > 0.002 && share(restricted) < 0.01, `restricted ${restricted}`);
    assert.ok(deceased > 0);
    assert.ok((professions.get('SJ') ?? 0) > (professions.get('LK') ?? 0));
    assert.ok((professions.get('LK') ?? 0) > (professions.get('FT') ?? 0));
    for (const code of ['SJ', 'LK', 'FT', 'BM', 'AT', 'PS']) {
      for (const surname of ['Andersson', 'Johansson', 'Karlsson', 'Nilsson']) {
        assert.ok(surnamesByProfession.get(code)?.has(surname), `${surname} among ${code}`);
      }
    }
    for (const surname of ['Åberg', 'Öberg', 'Åkesson']) assert.ok(surnamesByProfession.get('SJ')?.has(surname), surname);
  });
});

const person = (over: Partial<PersonRecord> = {}): PersonRecord => ({
  id: 1,
  personId: 'HOSP000000001',
  identityNumber: '197501019900',
  coordination: false,
  givenName: 'Anna',
  familyName: 'Åberg',
  birthDate: '1975-01-01',
  countyCode: '01',
  municipalityCode: '0180',
  protectedIdentity: false,
  deceased: false,
  licences: [
    {
      professionCode: 'LK',
      licenceDate: '2001-06-01',
      valid: true,
      education: 'Läkarexamen, Karolinska institutet',
      prescriptionRight: true,
      prescriberCode: '1234567',
      specialities: [{ code: '1010', name: 'Allmänmedicin' }],
      restrictions: [{ code: '002', description: 'Prövotid', fromDate: '2010-01-01', toDate: '2013-01-01' }],
    },
  ],
  ...over,
});

describe('access profiles', () => {
  it('supervisory authority sees everything except addresses of protected identities', () => {
    const v = applyProfile(DEFAULT_ACCESS_PROFILES.SUPERVISORY_AUTHORITY!, person());
    assert.equal(v.personalIdentityNumber, '197501019900');
    assert.equal(v.countyCode, '01');
    assert.equal(v.municipalityCode, '0180');
    assert.equal(v.licences[0]!.prescriberCode, '1234567');
    assert.equal(v.licences[0]!.restrictions!.length, 1);
    const prot = applyProfile(DEFAULT_ACCESS_PROFILES.SUPERVISORY_AUTHORITY!, person({ protectedIdentity: true }));
    assert.equal(prot.personalIdentityNumber, '197501019900');
    assert.equal(prot.countyCode, undefined);
    assert.equal(prot.municipalityCode, undefined);
    assert.equal(prot.protectedIdentity, true);
  });

  it('public care provider: licences, specialities, restrictions; no address; no number of protected identities', () => {
    const profile = DEFAULT_ACCESS_PROFILES.PUBLIC_CARE_PROVIDER!;
    const v = applyProfile(profile, person());
    assert.equal(v.personalIdentityNumber, '197501019900');
    assert.equal(v.countyCode, undefined);
    assert.deepEqual(v.licences[0]!.specialities, [{ code: '1010', name: 'Allmänmedicin' }]);
    assert.equal(v.licences[0]!.restrictions!.length, 1);
    assert.equal(v.licences[0]!.education, 'Läkarexamen, Karolinska institutet');
    const prot = applyProfile(profile, person({ protectedIdentity: true }));
    assert.equal(prot.personalIdentityNumber, undefined);
    assert.equal(prot.familyName, 'Åberg');
    const samn = applyProfile(profile, person({ coordination: true, identityNumber: '197501619907' }));
    assert.equal(samn.coordinationNumber, '197501619907');
    assert.equal(samn.personalIdentityNumber, undefined);
  });

  it('transport authority: identity and licence status only', () => {
    const v = applyProfile(DEFAULT_ACCESS_PROFILES.TRANSPORT_AUTHORITY!, person());
    assert.equal(v.familyName, 'Åberg');
    assert.equal(v.personalIdentityNumber, '197501019900');
    assert.equal(v.countyCode, undefined);
    assert.deepEqual(v.licences, [{ professionCode: 'LK', licenceDate: '2001-06-01', valid: true }]);
  });

  it('other categories have no profile; overrides replace or remove rows and reject unknown names', () => {
    assert.equal(DEFAULT_ACCESS_PROFILES.CASE_SYSTEM, undefined);
    assert.equal(DEFAULT_ACCESS_PROFILES.CASE_VIEW, undefined);
    const p = resolveAccessProfiles({ TRANSPORT_AUTHORITY: null, CASE_VIEW: ['identity'] });
    assert.equal(p.TRANSPORT_AUTHORITY, undefined);
    assert.deepEqual([...p.CASE_VIEW!], ['identity']);
    assert.ok(p.SUPERVISORY_AUTHORITY);
    assert.throws(() => resolveAccessProfiles({ CASE_VIEW: ['everything'] }), /unknown field group/);
    assert.throws(() => resolveAccessProfiles({ NOBODY: ['identity'] } as never), /unknown consumer category/);
  });
});

describe('continuation tokens', () => {
  const key = crypto.randomBytes(32);
  const criteria = { familyName: { kind: 'prefix' as const, key: 'ander' }, professionCodes: ['LK' as const] };
  const binding = queryBinding(criteria, 'SE5599999991-1001');
  const after = { familyKey: 'andersson', givenKey: 'anna', id: 42 };

  it('round-trips and is opaque', () => {
    const token = encodeContinuation(key, binding, after);
    assert.deepEqual(decodeContinuation(key, binding, token), after);
    assert.ok(!Buffer.from(token, 'base64url').toString('latin1').includes('andersson'));
  });

  it('rejects tampering, other criteria, other consumers and other keys', () => {
    const token = encodeContinuation(key, binding, after);
    const raw = Buffer.from(token, 'base64url');
    for (const i of [0, 5, 20, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[i] = bad[i]! ^ 1;
      assert.equal(decodeContinuation(key, binding, bad.toString('base64url')), undefined, `byte ${i}`);
    }
    assert.equal(decodeContinuation(key, queryBinding({ ...criteria, professionCodes: ['SJ'] }, 'SE5599999991-1001'), token), undefined);
    assert.equal(decodeContinuation(key, queryBinding(criteria, 'SE5599999991-1002'), token), undefined);
    assert.equal(decodeContinuation(crypto.randomBytes(32), binding, token), undefined);
    assert.equal(decodeContinuation(key, binding, 'not a token'), undefined);
    assert.equal(decodeContinuation(key, binding, ''), undefined);
  });
});
