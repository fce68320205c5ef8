/**
 * The deterministic synthetic register generator: pure, no I/O (register-loader.ts writes its output
 * to the database; README, "Licensed personnel").
 *
 * - Person `i` depends only on (seed, i): a register of N persons is the first N persons of any larger
 *   register with the same seed. The demo slice (5,000) is therefore a prefix of the benchmark
 *   register (500,000).
 * - Identity numbers. Birth dates 1950-01-01 … 2001-12-31, birth numbers (the three-digit serial)
 *   900–999 only, so every number is in one recognisable synthetic block. Each (date, serial) slot is
 *   used at most once: person i takes slot (a·i + b) mod N, an affine permutation of the slot space
 *   chosen from the seed. About 2 % get a coordination number instead (day + 60). The check digit is
 *   found by trying the ten candidates and keeping the one `personnummer` accepts — no check-digit
 *   code of our own. The format cannot mark a number as "never assigned"; the register is synthetic
 *   (names and everything else drawn independently), so a coincidence with a real number links
 *   nothing to a real person. (Open item: optionally draw from Skatteverket's published
 *   test-number list instead.)
 * - Distributions: frequency-weighted surnames with a long tail, gender-consistent given names,
 *   professions weighted by the approximate size of each licensed profession (SJ and LK largest),
 *   ~5 % with a speciality, ~0.5 % with a restriction, ~1 % protected identity, ~0.4 % deceased.
 */
import { Personnummer } from '../identity-numbers.js';
import {
  COUNTIES,
  PRESCRIBING_PROFESSIONS,
  PROFESSION_NAMES,
  RESTRICTION_NAMES,
  SPECIALITIES,
  type ProfessionCode,
  type RestrictionCode,
} from './codes.js';
import { FEMALE_GIVEN, MALE_GIVEN, surnameList } from './names.js';

/** 2: person rows carry their licence document (licence-document.ts). */
export const GENERATOR_VERSION = 2;

interface GeneratedRestriction {
  readonly id: number;
  readonly code: RestrictionCode;
  readonly description: string;
  readonly fromDate: string;
  readonly toDate: string | null;
}

interface GeneratedLicence {
  readonly id: number;
  readonly professionCode: ProfessionCode;
  readonly licenceDate: string;
  readonly valid: boolean;
  readonly education: string;
  readonly prescriptionRight: boolean;
  readonly prescriberCode: string | null;
  readonly specialities: ReadonlyArray<{ readonly id: number; readonly code: string; readonly name: string }>;
  readonly restrictions: readonly GeneratedRestriction[];
}

export interface GeneratedPerson {
  readonly id: number;
  readonly personId: string;
  readonly identityNumber: string;
  readonly coordination: boolean;
  readonly givenName: string;
  readonly familyName: string;
  readonly birthDate: string;
  readonly countyCode: string;
  readonly municipalityCode: string;
  readonly protectedIdentity: boolean;
  readonly deceased: boolean;
  readonly licences: readonly GeneratedLicence[];
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** mulberry32: small, fast, good enough for synthetic data. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

class Weighted<T> {
  private readonly cumulative: number[] = [];
  private readonly items: T[] = [];
  private total = 0;
  constructor(entries: ReadonlyArray<readonly [T, number]>) {
    for (const [item, w] of entries) {
      this.total += w;
      this.cumulative.push(this.total);
      this.items.push(item);
    }
  }
  pick(rng: Rng): T {
    const x = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Distributions

const SURNAMES = new Weighted(surnameList());
const FEMALE = new Weighted(FEMALE_GIVEN);
const MALE = new Weighted(MALE_GIVEN);

/** Approximate numbers (thousands) of licensed professionals per profession. */
const PROFESSIONS = new Weighted<ProfessionCode>([
  ['SJ', 130], ['LK', 55], ['FT', 16], ['SG', 3], ['BM', 13], ['AT', 13], ['PS', 11], ['TL', 8],
  ['BA', 9], ['PT', 6], ['AP', 6], ['TH', 4.5], ['RC', 3], ['RS', 3.5], ['DT', 1.8], ['LG', 2.5],
  ['OP', 2.5], ['AU', 1.2], ['KP', 0.5], ['NA', 0.9], ['OT', 0.4], ['SF', 0.6],
]);

const COUNTY_PICK = new Weighted(COUNTIES.map((c) => [c, c.weight] as const));
const MUNICIPALITY_PICK = new Map(COUNTIES.map((c) => [c.code, new Weighted(c.municipalities.map(([m, w]) => [m, w] as const))]));

const UNIVERSITIES = [
  'Karolinska institutet', 'Uppsala universitet', 'Lunds universitet', 'Göteborgs universitet',
  'Linköpings universitet', 'Umeå universitet', 'Örebro universitet', 'Malmö universitet',
  'Sophiahemmet högskola', 'Högskolan i Jönköping', 'Mittuniversitetet', 'Linnéuniversitetet',
];
const FOREIGN = ['Polen', 'Tyskland', 'Danmark', 'Finland', 'Norge', 'Rumänien', 'Grekland', 'Irak', 'Syrien', 'Ungern'];

const EPOCH = Date.UTC(1950, 0, 1);
const DAY_MS = 86_400_000;
const BIRTH_DAYS = Math.round((Date.UTC(2002, 0, 1) - EPOCH) / DAY_MS);
const SERIALS = 100; // birth numbers 900–999
const SLOT_SPACE = BIRTH_DAYS * SERIALS;
const LAST_LICENCE_DATE = '2025-06-30';

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function addYears(date: string, years: number, extraDays = 0): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return isoDate(d.getTime() + extraDays * DAY_MS);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The affine permutation of the identity-number slot space for a seed. */
function slotPermutation(seed: number): { a: number; b: number } {
  const rng = new Rng(mix32(seed ^ 0x5bd1e995));
  let a = 1_000_003 + rng.int(SLOT_SPACE - 2_000_000);
  while (gcd(a, SLOT_SPACE) !== 1) a++;
  return { a, b: rng.int(SLOT_SPACE) };
}

const PERMUTATIONS = new Map<number, { a: number; b: number }>();

const PNR_OPTIONS = { allowCoordinationNumber: true, allowInterimNumber: false };

/** Completes YYYYMMDDNNN with the check digit that `personnummer` accepts. */
function withCheckDigit(first11: string): string {
  const saved = Error.stackTraceLimit;
  Error.stackTraceLimit = 0; // the package signals invalid candidates by throwing; stack traces dominate the cost
  try {
    for (let c = 0; c <= 9; c++) {
      const candidate = first11 + String(c);
      if (Personnummer.valid(candidate, PNR_OPTIONS)) return candidate;
    }
  } finally {
    Error.stackTraceLimit = saved;
  }
  throw new Error(`no valid check digit for ${first11.slice(0, 8)}…`);
}

/** The maximum register size one seed supports (the identity-number slot space). */
export const MAX_REGISTER_SIZE = SLOT_SPACE;

/** Generates person number `index` (0-based) of the register with `seed`. Pure and deterministic. */
export function generatePerson(seed: number, index: number): GeneratedPerson {
  if (!Number.isInteger(index) || index < 0 || index >= SLOT_SPACE) throw new RangeError(`person index ${index} out of range`);
  let perm = PERMUTATIONS.get(seed);
  if (!perm) {
    perm = slotPermutation(seed);
    PERMUTATIONS.set(seed, perm);
  }
  const rng = new Rng(mix32(mix32(seed) ^ Math.imul(index + 1, 0x9e3779b1)));
  const id = index + 1;

  const slot = (perm.a * index + perm.b) % SLOT_SPACE;
  const dayIndex = Math.floor(slot / SERIALS);
  const serial = 900 + (slot % SERIALS);
  const birthDate = isoDate(EPOCH + dayIndex * DAY_MS);
  const male = serial % 2 === 1;
  const coordination = rng.chance(0.02);
  const [y, m, d] = birthDate.split('-') as [string, string, string];
  const dd = coordination ? String(Number(d) + 60) : d;
  const identityNumber = withCheckDigit(`${y}${m}${dd}${serial}`);

  const givenName = (male ? MALE : FEMALE).pick(rng);
  const familyName = SURNAMES.pick(rng);
  const county = COUNTY_PICK.pick(rng);
  const municipalityCode = MUNICIPALITY_PICK.get(county.code)!.pick(rng);
  const protectedIdentity = rng.chance(0.01);
  const birthYear = Number(y);
  const deceased = rng.chance(birthYear < 1960 ? 0.015 : 0.001);

  // Professions: one, sometimes two.
  const professions: ProfessionCode[] = [PROFESSIONS.pick(rng)];
  const first = professions[0]!;
  if (first === 'BA' && rng.chance(0.9)) professions.unshift('SJ');
  else if (first === 'PS' && rng.chance(0.2)) professions.push('PT');
  else if (first === 'SJ' && rng.chance(0.02)) professions.push('RS');
  else if (rng.chance(0.01)) {
    const extra = PROFESSIONS.pick(rng);
    if (!professions.includes(extra)) professions.push(extra);
  }

  const restricted = rng.chance(0.005);
  const restrictedLicence = restricted ? rng.int(professions.length) : -1;

  const licences: GeneratedLicence[] = professions.map((professionCode, k) => {
    const licenceId = id * 4 + k;
    const licenceDate = minDate(addYears(birthDate, 23 + rng.int(8) + k * 2, rng.int(365)), LAST_LICENCE_DATE);
    const foreign = rng.chance(0.08);
    const education = foreign
      ? `Utländsk utbildning (${FOREIGN[rng.int(FOREIGN.length)]!})`
      : `${PROFESSION_NAMES[professionCode]}examen, ${UNIVERSITIES[rng.int(UNIVERSITIES.length)]!}`;
    const prescriptionRight = PRESCRIBING_PROFESSIONS.has(professionCode);
    const specialityList = SPECIALITIES[professionCode];
    const specialityChance = { LK: 0.2, TL: 0.1, PS: 0.1, SJ: 0.015 }[professionCode as 'LK' | 'TL' | 'PS' | 'SJ'] ?? 0;
    const specialities: Array<{ id: number; code: string; name: string }> = [];
    if (specialityList && rng.chance(specialityChance)) {
      const [code, name] = specialityList[rng.int(specialityList.length)]!;
      specialities.push({ id: licenceId * 4, code, name });
      if (rng.chance(0.1)) {
        const [code2, name2] = specialityList[rng.int(specialityList.length)]!;
        if (code2 !== code) specialities.push({ id: licenceId * 4 + 1, code: code2, name: name2 });
      }
    }
    const restrictions: GeneratedRestriction[] = [];
    let valid = true;
    if (k === restrictedLicence) {
      const roll = rng.next();
      const code: RestrictionCode = roll < 0.3 ? '001' : roll < 0.7 || !prescriptionRight ? '002' : '003';
      const fromDate = minDate(addYears(licenceDate, 2 + rng.int(10), rng.int(365)), LAST_LICENCE_DATE);
      const toDate = code === '001' ? null : code === '002' ? addYears(fromDate, 3) : rng.chance(0.5) ? addYears(fromDate, 2) : null;
      if (code === '001') valid = false;
      restrictions.push({ id: licenceId * 4, code, description: RESTRICTION_NAMES[code], fromDate, toDate });
    }
    return {
      id: licenceId,
      professionCode,
      licenceDate,
      valid,
      education,
      prescriptionRight,
      // Förskrivarkod: 7 digits, unique per person (an injective map of the person id).
      prescriberCode: prescriptionRight ? String(1_000_000 + ((id * 7919) % 9_000_000)) : null,
      specialities,
      restrictions,
    };
  });
  // One prescriber code per person: keep it on the first prescribing licence only.
  let seenPrescriber = false;
  const finalLicences = licences.map((l) => {
    if (!l.prescriberCode) return l;
    if (seenPrescriber) return { ...l, prescriberCode: null };
    seenPrescriber = true;
    return l;
  });

  return {
    id,
    personId: `HOSP${String(id).padStart(9, '0')}`,
    identityNumber,
    coordination,
    givenName,
    familyName,
    birthDate,
    countyCode: county.code,
    municipalityCode,
    protectedIdentity,
    deceased,
    licences: finalLicences,
  };
}

function minDate(a: string, b: string): string {
  return a < b ? a : b;
}

/** Persons [start, start + count) of the register with `seed`. */
export function* generatePersons(seed: number, count: number, start = 0): Generator<GeneratedPerson> {
  for (let i = start; i < start + count; i++) yield generatePerson(seed, i);
}

/** The demo seed; the demo slice is a prefix of `generate:personnel --seed 1`. */
export const DEMO_SEED = 1;
