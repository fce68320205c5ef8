/**
 * The age rule of the case hub's people (docs/hub-people.md#age): a child under 13 needs a guardian to give or
 * revoke consent, and a GUARDIAN mandate ends at the child's 13th birthday, at 00:00 Swedish time. Pure: the
 * caller passes the instant it asks about.
 *
 * The birth date comes from the number through the `personnummer` package (src/identity-numbers.ts): the
 * date part of a personal identity number, or of a coordination number with 60 taken off the day.
 */
import { Personnummer } from '../identity-numbers.js';
import { parseXsDateTime } from '../soap/datetime.js';

/** The age from which a person decides alone (consent) and a guardian's mandate has ended. */
const AGE_OF_CONSENT = 13;

export interface BirthDate {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  readonly day: number;
}

/**
 * The birth date in a 12-digit personal identity number or coordination number (the package tells them apart:
 * a coordination number's day is 61–91). Throws when it is neither: callers validate first, this only reads.
 */
export function birthDate(number: string): BirthDate {
  if (!/^\d{12}$/.test(number)) throw new RangeError('age: not a 12-digit identity number');
  let parsed: InstanceType<typeof Personnummer>;
  try {
    parsed = Personnummer.parse(number, { allowCoordinationNumber: true, allowInterimNumber: false });
  } catch {
    throw new RangeError('age: not a valid personal identity or coordination number');
  }
  const day = Number(parsed.day) - (parsed.isCoordinationNumber() ? 60 : 0);
  return { year: Number(parsed.fullYear), month: Number(parsed.month), day };
}

const isLeapYear = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * The instant a person turns `years` old: 00:00 Europe/Stockholm on that birthday (CET or CEST, whichever
 * holds that night). Someone born on 29 February has the birthday on 1 March in a year without one: only
 * then have the full years passed.
 */
export function birthdayInstant(born: BirthDate, years: number): Date {
  const year = born.year + years;
  const [month, day] = born.month === 2 && born.day === 29 && !isLeapYear(year) ? [3, 1] : [born.month, born.day];
  const local = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T00:00:00`;
  const ms = parseXsDateTime(local, 'Europe/Stockholm');
  if (ms === undefined) throw new RangeError('age: no such birthday'); // unreachable for a date the package accepted
  return new Date(ms);
}

/** 00:00 Europe/Stockholm on the 13th birthday of the holder of this personal identity or coordination number. */
export function thirteenthBirthday(number: string): Date {
  return birthdayInstant(birthDate(number), AGE_OF_CONSENT);
}

/** Is the holder of this number under 13 at `now`? (Turning 13 at that very instant counts as 13.) */
export function isUnder13(number: string, now: Date): boolean {
  return now.getTime() < thirteenthBirthday(number).getTime();
}
