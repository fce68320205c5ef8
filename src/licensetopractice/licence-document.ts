/**
 * The licence document on each person row (migration PersonnelLicenceDocument1767225604000): the
 * person's licences with their specialities and restrictions, exactly as a search returns them, so
 * that a page of persons is read with one row per person.
 *
 * Compact positional JSON, because it is stored once per person (500k rows in the benchmark):
 *   licence     = [professionCode, licenceDate, valid 0|1, education|null, prescriptionRight 0|1,
 *                  prescriberCode|null, [speciality…], [restriction…]]
 *   speciality  = [code, name]
 *   restriction = [code, description, fromDate, toDate|null]
 * In the order of the normalised query: licences by profession code, specialities by code,
 * restrictions by from date then code (code-unit order; every one of these values is ASCII, so
 * SQLite's BINARY and any PostgreSQL collation agree).
 */
import type { ProfessionCode, RestrictionCode } from './codes.js';
import type { LicenceRecord, RestrictionRecord } from './personnel-records.js';

type SpecialityTuple = [string, string];
type RestrictionTuple = [string, string, string, string | null];
type LicenceTuple = [string, string, 0 | 1, string | null, 0 | 1, string | null, SpecialityTuple[], RestrictionTuple[]];

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A licence as the loader has it (LicenceRecord, or the generator's record with nulls). */
export interface LicenceInput {
  readonly professionCode: string;
  readonly licenceDate: string;
  readonly valid: boolean;
  readonly education?: string | null | undefined;
  readonly prescriptionRight: boolean;
  readonly prescriberCode?: string | null | undefined;
  readonly specialities: ReadonlyArray<{ readonly code: string; readonly name: string }>;
  readonly restrictions: ReadonlyArray<{ readonly code: string; readonly description: string; readonly fromDate: string; readonly toDate?: string | null | undefined }>;
}

/** The document for a person's licences (the register loader writes it). */
export function encodeLicenceDocument(licences: readonly LicenceInput[]): string {
  const tuples: LicenceTuple[] = [...licences]
    .sort((a, b) => byText(a.professionCode, b.professionCode))
    .map((l) => [
      l.professionCode,
      l.licenceDate,
      l.valid ? 1 : 0,
      l.education ?? null,
      l.prescriptionRight ? 1 : 0,
      l.prescriberCode ?? null,
      [...l.specialities].sort((a, b) => byText(a.code, b.code)).map((s): SpecialityTuple => [s.code, s.name]),
      [...l.restrictions]
        .sort((a, b) => byText(a.fromDate, b.fromDate) || byText(a.code, b.code))
        .map((r): RestrictionTuple => [r.code, r.description, r.fromDate, r.toDate ?? null]),
    ]);
  return JSON.stringify(tuples);
}

/** The licences a document holds. */
export function decodeLicenceDocument(text: string): LicenceRecord[] {
  return (JSON.parse(text) as LicenceTuple[]).map(([professionCode, licenceDate, valid, education, prescriptionRight, prescriberCode, specialities, restrictions]) => ({
    professionCode: professionCode as ProfessionCode,
    licenceDate,
    valid: valid === 1,
    education: education ?? undefined,
    prescriptionRight: prescriptionRight === 1,
    prescriberCode: prescriberCode ?? undefined,
    specialities: specialities.map(([code, name]) => ({ code, name })),
    restrictions: restrictions.map(
      ([code, description, fromDate, toDate]): RestrictionRecord => ({ code: code as RestrictionCode, description, fromDate, toDate: toDate ?? undefined }),
    ),
  }));
}
