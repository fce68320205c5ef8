/**
 * The age rule (src/caseoverview/age.ts, docs/hub-people.md#age): the birth date of a personal identity or
 * coordination number, and the 13th birthday at 00:00 Europe/Stockholm, in winter and summer time, across
 * both DST switches and for a 29 February birthday. Numbers are computed from today, so the tests do not age.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { birthDate, birthdayInstant, isUnder13, thirteenthBirthday } from '../src/caseoverview/age.js';
import { validIdentityNumber } from '../src/identity-numbers.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A valid number born on that date (a coordination number when asked: day + 60). */
function numberBornOn(year: number, month: number, day: number, coordination = false): string {
  const date = `${pad(year, 4)}${pad(month)}${pad(coordination ? day + 60 : day)}`;
  for (let serial = 2; serial <= 999; serial++) {
    for (let check = 0; check <= 9; check++) {
      const n = `${date}${pad(serial, 3)}${check}`;
      if (validIdentityNumber(n, coordination)) return n;
    }
  }
  throw new Error(`no valid number for ${date}`);
}

/** Today's date in Sweden, shifted by whole days. */
function swedishDate(offsetDays = 0): { y: number; m: number; d: number } {
  const at = new Date(Date.now() + offsetDays * 86_400_000);
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm' }).format(at).split('-').map(Number) as [number, number, number];
  return { y, m, d };
}

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** Born `years` years before the Swedish date `offsetDays` from today (29 February becomes the 28th in a year without one). */
function bornYearsBefore(years: number, offsetDays: number, coordination = false): string {
  const { y, m, d } = swedishDate(offsetDays);
  return numberBornOn(y - years, m, Math.min(d, daysIn(y - years, m)), coordination);
}

/** The Swedish wall-clock date and time of an instant. */
function stockholm(at: Date): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', dateStyle: 'short', timeStyle: 'medium' }).format(at);
}

describe('age rule', () => {
  it('reads the birth date of a personal identity number and of a coordination number (day − 60)', () => {
    assert.deepEqual(birthDate('191212121212'), { year: 1912, month: 12, day: 12 });
    const coordination = numberBornOn(2012, 3, 30, true);
    assert.equal(coordination.slice(6, 8), '90');
    assert.deepEqual(birthDate(coordination), { year: 2012, month: 3, day: 30 });
    assert.deepEqual(thirteenthBirthday(coordination), thirteenthBirthday(numberBornOn(2012, 3, 30)));
  });

  it('refuses what is not a valid person number', () => {
    for (const bad of ['191212121213', '5566778899', '19121212121', 'abcdefghijkl', '']) {
      assert.throws(() => birthDate(bad), RangeError, bad);
      assert.throws(() => isUnder13(bad, new Date()), RangeError, bad);
    }
  });

  it('the 13th birthday is 00:00 Swedish time: CET in winter, CEST in summer, and on both DST switch days', () => {
    const cases: Array<[[number, number, number], string]> = [
      [[2012, 1, 15], '2025-01-14T23:00:00.000Z'],
      [[2012, 7, 1], '2025-06-30T22:00:00.000Z'],
      [[2012, 3, 30], '2025-03-29T23:00:00.000Z'], // clocks go forward at 02:00 that night: midnight is still CET
      [[2012, 10, 26], '2025-10-25T22:00:00.000Z'], // clocks go back at 03:00 that night: midnight is still CEST
    ];
    for (const [[y, m, d], expected] of cases) {
      assert.equal(thirteenthBirthday(numberBornOn(y, m, d)).toISOString(), expected, `${y}-${m}-${d}`);
    }
  });

  it('every birthday of a year, summer and winter, is midnight on that date in Stockholm', () => {
    for (let m = 1; m <= 12; m++) {
      for (let d = 1; d <= daysIn(2013, m); d++) {
        const at = birthdayInstant({ year: 2013, month: m, day: d }, 13);
        assert.equal(stockholm(at), `2026-${pad(m)}-${pad(d)} 00:00:00`);
      }
    }
  });

  it('a 29 February birthday falls on 1 March in a year without one, and stays in a leap year', () => {
    assert.equal(thirteenthBirthday(numberBornOn(2016, 2, 29)).toISOString(), '2029-02-28T23:00:00.000Z');
    assert.equal(stockholm(thirteenthBirthday(numberBornOn(2012, 2, 29))), '2025-03-01 00:00:00');
    assert.equal(stockholm(thirteenthBirthday(numberBornOn(2000, 2, 29, true))), '2013-03-01 00:00:00');
    assert.equal(stockholm(birthdayInstant({ year: 2016, month: 2, day: 29 }, 4)), '2020-02-29 00:00:00');
    const child = numberBornOn(2016, 2, 29);
    assert.equal(isUnder13(child, new Date('2029-02-28T22:59:59.999Z')), true, 'on 28 February the years are not yet full');
    assert.equal(isUnder13(child, new Date('2029-02-28T23:00:00.000Z')), false);
  });

  it('relative to today: 13 today is not under 13, 13 tomorrow still is; the instant itself is the boundary', () => {
    const now = new Date();
    for (const coordination of [false, true]) {
      const thirteenToday = bornYearsBefore(13, 0, coordination);
      const thirteenTomorrow = bornYearsBefore(13, 1, coordination);
      assert.equal(isUnder13(thirteenToday, now), false, `13 today (${coordination ? 'coordination' : 'personal'} number)`);
      assert.equal(isUnder13(thirteenTomorrow, now), true, '13 tomorrow');
      assert.equal(isUnder13(bornYearsBefore(8, 0, coordination), now), true, 'eight');
      assert.equal(isUnder13(bornYearsBefore(30, 0, coordination), now), false, 'thirty');
      const end = thirteenthBirthday(thirteenTomorrow);
      assert.equal(isUnder13(thirteenTomorrow, new Date(end.getTime() - 1)), true);
      assert.equal(isUnder13(thirteenTomorrow, end), false);
      assert.ok(end.getTime() > now.getTime() && end.getTime() - now.getTime() <= 2 * 86_400_000, 'within two days');
    }
  });
});
