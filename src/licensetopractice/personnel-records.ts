/**
 * A licensed person as the register holds it and a search returns it: the records the store reads
 * (personnel-store.ts), the licence document encodes (licence-document.ts) and the access profiles and
 * the response builder see. Types only, so every one of those can use them without importing the others.
 */
import type { ProfessionCode, RestrictionCode } from './codes.js';

export interface RestrictionRecord {
  readonly code: RestrictionCode;
  readonly description: string;
  readonly fromDate: string;
  readonly toDate: string | undefined;
}

export interface LicenceRecord {
  readonly professionCode: ProfessionCode;
  readonly licenceDate: string;
  readonly valid: boolean;
  readonly education: string | undefined;
  readonly prescriptionRight: boolean;
  readonly prescriberCode: string | undefined;
  readonly specialities: ReadonlyArray<{ readonly code: string; readonly name: string }>;
  readonly restrictions: readonly RestrictionRecord[];
}

export interface PersonRecord {
  readonly id: number;
  readonly personId: string;
  readonly identityNumber: string;
  readonly coordination: boolean;
  readonly givenName: string;
  readonly familyName: string;
  readonly birthDate: string;
  readonly countyCode: string | undefined;
  readonly municipalityCode: string | undefined;
  readonly protectedIdentity: boolean;
  readonly deceased: boolean;
  readonly licences: readonly LicenceRecord[];
}
