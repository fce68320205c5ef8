/**
 * The FMB domain model (Försäkringsmedicinskt beslutsstöd, "insurance-medicine decision support"),
 * modelled on Socialstyrelsen's GetDiagnosInformation / GetFmb / GetVersions contracts. Pure: no I/O.
 * The JSON file that loads it is read by import-format.ts.
 */
import { canonicalJson, sha256Hex } from '../storage/canonical.js';

type DiagnosisStatus = 'active' | 'inactive';
type DecisionSupportStatus = 'active' | 'archived';
/** Status of a stored row: the content's status, or `archived` once superseded by a newer version or withdrawn. */
export type RowStatus = 'active' | 'inactive' | 'archived';

export interface Validity {
  /** xs:date, inclusive. */
  readonly from: string;
  /** xs:date, inclusive; absent = open-ended. */
  readonly to?: string;
}

/** A coded value with optional text (ICF, Snomed CT, KVÅ or ICD-10-SE). */
export interface CodedValue {
  readonly code?: string;
  readonly codeSystem?: string;
  readonly displayName?: string;
  readonly text?: string;
}

export interface DescribedCodes {
  readonly text?: string;
  /** ICF codes (codeSystem ICF_OID unless given). */
  readonly icfCodes?: readonly CodedValue[];
}

/** The content of one diagnosis-information item (what an import file holds, normalised). */
export interface DiagnosisContent {
  readonly code: string;
  readonly displayName: string;
  readonly status: DiagnosisStatus;
  readonly validity: Validity;
  readonly functionalImpairment?: DescribedCodes;
  readonly activityLimitation?: DescribedCodes;
  readonly symptomsPrognosisTreatment?: string;
  readonly generalInformation?: string;
  readonly observandum?: string;
  readonly patientInformation?: string;
  readonly differentialDiagnosis?: string;
  readonly rehabilitation?: string;
}

export interface Conditions {
  readonly severity?: readonly CodedValue[];
  readonly course?: readonly CodedValue[];
  /** Comorbidity as ICD-10-SE codes. */
  readonly comorbidity?: readonly CodedValue[];
  readonly complicatingFactors?: readonly CodedValue[];
  readonly workDemands?: readonly CodedValue[];
  readonly plannedInterventions?: readonly CodedValue[];
  readonly ongoingInterventions?: readonly CodedValue[];
  readonly completedInterventions?: readonly CodedValue[];
  readonly text?: string;
}

export type DurationUnit = 'd' | 'wk' | 'mo';
export const DURATION_UNITS: readonly DurationUnit[] = ['d', 'wk', 'mo'];

/** A UCUM quantity with an optional range. */
export interface SickLeaveDuration {
  readonly value: number;
  readonly unit: DurationUnit;
  readonly min?: number;
  readonly max?: number;
}

export type SickLeavePercent = 25 | 50 | 75 | 100;
export type SickLeaveExtent = 'FULL_TIME' | 'PART_TIME';

export interface SickLeaveDegree {
  readonly percent?: SickLeavePercent;
  readonly extent: SickLeaveExtent;
}

export interface Recommendation {
  readonly conditions?: Conditions;
  readonly sickLeaveDuration?: SickLeaveDuration;
  readonly sickLeaveDegree?: SickLeaveDegree;
  readonly text?: string;
}

export interface DecisionSupportContent {
  readonly id: string;
  readonly title: string;
  readonly status: DecisionSupportStatus;
  readonly validity: Validity;
  readonly diagnosisCodes: readonly string[];
  readonly summary?: string;
  /** 1..6. */
  readonly recommendations: readonly Recommendation[];
  readonly rehabilitation?: string;
}

/** A stored version of an item. */
interface Versioned {
  readonly version: number;
  /** ISO 8601 UTC, when this version was imported (or its status last changed). */
  readonly lastChanged: string;
  readonly rowStatus: RowStatus;
  readonly isCurrent: boolean;
}

export type DiagnosisRecord = DiagnosisContent & Versioned;
export type DecisionSupportRecord = DecisionSupportContent & Versioned;

/** Canonical content hash of an item: identical content ⇒ identical hash, whatever the key order or whitespace of the file. */
export function contentHash(content: DiagnosisContent | DecisionSupportContent): string {
  return sha256Hex(canonicalJson(content));
}
