/**
 * xs:dateTime values to instants. One parser for every contract: it checks the calendar (no 30 February,
 * no hour 24), and takes a zone-less value in the zone the caller names, because the contracts differ:
 * FMB keeps UTC, while the case hub's senders are Swedish agencies writing local time (docs/design.md#fmb-times,
 * #case-key).
 */

const DATE_TIME = /^(-?\d{4,})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

export type ZonelessAs = 'UTC' | 'Europe/Stockholm';

/** Epoch ms of a calendar date and time read as UTC; Date.UTC would map years 0–99 onto 1900–1999. */
function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

const STOCKHOLM = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Stockholm',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const HOUR = 3_600_000;
/** Offsets by UTC hour: Stockholm's offset only changes on a whole UTC hour. Bounded; cleared when full. */
const offsets = new Map<number, number>();

/**
 * Offset of Europe/Stockholm from UTC at the given instant, in ms (CET/CEST). One formatter for the
 * process and one lookup per UTC hour: building an Intl formatter per call was a visible share of a push's
 * CPU time (docs/performance-log.md).
 */
function stockholmOffsetMs(instant: number): number {
  const hour = Math.floor(instant / HOUR);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    const at = hour * HOUR;
    const parts = STOCKHOLM.formatToParts(new Date(at));
    const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
    offset = utcMs(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'), 0) - at;
    if (offsets.size >= 4096) offsets.clear();
    offsets.set(hour, offset);
  }
  return offset;
}

/** An xs:dateTime as epoch ms, or undefined when it is not a real instant. */
export function parseXsDateTime(value: string | undefined, zonelessAs: ZonelessAs): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = DATE_TIME.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const [year, month, day, hour, minute, second] = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)];
  if (month > 11 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = utcMs(year, month, day, hour, minute, second, Math.round(Number(frac ?? '0') * 1000));
  if (new Date(local).getUTCDate() !== day) return undefined; // 30 February and the like
  if (zone === 'Z' || (zone === undefined && zonelessAs === 'UTC')) return local;
  if (zone) {
    const sign = zone.startsWith('-') ? -1 : 1;
    return local - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  // Local Stockholm time: the offset at the guessed instant, then again at the corrected one (DST edges).
  const guess = local - stockholmOffsetMs(local);
  return local - stockholmOffsetMs(guess);
}
