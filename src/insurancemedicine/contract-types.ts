/**
 * TEMPORARY local stand-ins for the generated contract types (contracts/processmanagement/decisionsupport/
 * insurancemedicine/Get{Diagnosis,DecisionSupport}Interaction.ts), shaped after the element design in
 * issue 2 and spec §5.1/§5.2, following the compiler's mapping rules (xs:dateTime/xs:date → string,
 * xs:int → number, xs:boolean → boolean, 0..* → optional array). When `npm run contracts` has produced
 * the real modules, delete this file and import the generated types in get-diagnosis.ts and
 * get-decision-support.ts; the mapping functions there are the only code that changes.
 */
export interface ResultType {
  resultCode: 'OK' | 'INFO' | 'ERROR';
  errorCode?: 'VALIDATION_ERROR' | 'NOT_FOUND' | 'ACCESS_DENIED' | 'CONFLICT' | 'APPLICATION_ERROR';
  logId: string;
  message?: string;
}

export interface DiagnosisCodeType {
  code: string;
  codeSystem?: string;
}

export interface CVType {
  code: string;
  codeSystem: string;
  displayName?: string;
}

export interface ValidityType {
  from: string;
  to?: string;
}

export interface VersionInfoType {
  lastChanged: string;
  version: number;
}

export interface DescribedCodesType {
  text?: string;
  code?: CVType[];
}

export interface GetDiagnosisType {
  diagnosisCode?: DiagnosisCodeType[];
  includeInactive?: boolean;
  changedSince?: string;
}

export interface DiagnosisType {
  code: string;
  requestedCode?: string;
  displayName: string;
  status: 'active' | 'inactive';
  validity: ValidityType;
  version: number;
  lastChanged: string;
  functionalImpairment?: DescribedCodesType;
  activityLimitation?: DescribedCodesType;
  symptomsPrognosisTreatment?: string;
  generalInformation?: string;
  observandum?: string;
  patientInformation?: string;
  differentialDiagnosis?: string;
  rehabilitation?: string;
  relatedDecisionSupportId?: string[];
}

export interface GetDiagnosisResponseType {
  diagnosis?: DiagnosisType[];
  unknownCode?: string[];
  versionInfo: VersionInfoType;
  result: ResultType;
}

export interface GetDecisionSupportType {
  decisionSupportId?: string[];
  diagnosisCode?: DiagnosisCodeType[];
  includeArchived?: boolean;
  changedSince?: string;
}

export interface ConditionType {
  code?: CVType;
  text?: string;
}

export interface ConditionsType {
  severity?: ConditionType[];
  course?: ConditionType[];
  comorbidity?: ConditionType[];
  complicatingFactor?: ConditionType[];
  workDemand?: ConditionType[];
  plannedIntervention?: ConditionType[];
  ongoingIntervention?: ConditionType[];
  completedIntervention?: ConditionType[];
  text?: string;
}

export interface QuantityType {
  value: number;
  unit: 'd' | 'wk' | 'mo';
  min?: number;
  max?: number;
}

export interface SickLeaveDegreeType {
  percent?: number;
  extent: 'FULL_TIME' | 'PART_TIME';
}

export interface RecommendationType {
  conditions?: ConditionsType;
  sickLeaveDuration?: QuantityType;
  sickLeaveDegree?: SickLeaveDegreeType;
  text?: string;
}

export interface DecisionSupportType {
  id: string;
  version: number;
  status: 'active' | 'archived';
  validity: ValidityType;
  lastChanged: string;
  title: string;
  diagnosisCode: DiagnosisCodeType[];
  summary?: string;
  recommendation: RecommendationType[];
  rehabilitation?: string;
}

export interface GetDecisionSupportResponseType {
  decisionSupport?: DecisionSupportType[];
  unknownCode?: string[];
  versionInfo: VersionInfoType;
  result: ResultType;
}
