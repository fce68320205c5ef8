/**
 * Swedish words for the contract's codes and Swedish dates, for the templates. Times are shown in Swedish
 * time whatever zone the hub answered in. The templates read this module as `fmt` (render.ts), so an
 * export only they use is marked `@public` for knip, which does not read templates.
 */
import type { CaseStatusEnum, MandateRoleEnum, ServiceAreaEnum, TimeUnitEnum } from '../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';

export const STATUS_LABELS: Readonly<Record<CaseStatusEnum, string>> = {
  RECEIVED: 'Ankommen handling',
  IN_PROGRESS: 'Handläggning pågår',
  ACTION_REQUIRED: 'Åtgärd krävs',
  CLOSED: 'Ärendet avslutat',
};
export const STATUSES = Object.keys(STATUS_LABELS) as CaseStatusEnum[];

export const ROLE_LABELS: Readonly<Record<MandateRoleEnum, string>> = {
  OMBUD: 'ombud',
  GUARDIAN: 'vårdnadshavare',
  MAIN_REPORTER: 'huvudrapportör',
  REPORTER: 'rapportör',
};

/** @public case.eta */
export const SERVICE_AREA_LABELS: Readonly<Record<ServiceAreaEnum, string>> = {
  SOL_IFO: 'individ- och familjeomsorg',
  SOL_DISABILITY: 'omsorg om personer med funktionsnedsättning (SoL)',
  LSS_DISABILITY: 'omsorg om personer med funktionsnedsättning (LSS)',
  SOL_ELDERLY: 'äldreomsorg',
  OTHER: 'annat',
};

const UNITS: Readonly<Record<TimeUnitEnum, [string, string]>> = {
  DAYS: ['dag', 'dagar'],
  WEEKS: ['vecka', 'veckor'],
  MONTHS: ['månad', 'månader'],
};

/** @public case.eta */
export function forecast(value: number, unit: TimeUnitEnum): string {
  const [one, many] = UNITS[unit];
  return `${value} ${value === 1 ? one : many}`;
}

const DATE_TIME = new Intl.DateTimeFormat('sv-SE', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Stockholm' });

/** "2 april 2025 10:15" in Swedish time; the text as given when it is not a time. */
export function dateTime(value: string | undefined): string {
  if (!value) return '';
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? value : DATE_TIME.format(t);
}

/** The machine-readable form for <time datetime>. */
export function isoTime(value: string | undefined): string {
  if (!value) return '';
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? '' : t.toISOString();
}

/** 5566778899 → 556677-8899, 191212121212 → 19121212-1212: how numbers are written for people. */
export function identityNumber(value: string): string {
  return /^\d{10}$/.test(value) ? `${value.slice(0, 6)}-${value.slice(6)}` : /^\d{12}$/.test(value) ? `${value.slice(0, 8)}-${value.slice(8)}` : value;
}

/**
 * Only an https link is ever rendered as a link (the hub checks too; this view does not rely on it).
 * @public case.eta
 */
export function safeHttpsUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
