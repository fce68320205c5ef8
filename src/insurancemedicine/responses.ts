/**
 * Maps query results (lookup.ts) to the contract's response types. Pure: the same answer gives the
 * same object. A diagnosis or decision support element is built once per snapshot record and request
 * variant, and marked immutable() so the codec writes its XML once too (docs/performance.md).
 */
import type { GetDecisionSupportResponseType } from '../../contracts/processmanagement/decisionsupport/insurancemedicine/GetDecisionSupportInteraction.js';
import type {
  CodedDescriptionType,
  ConditionType,
  ConditionsType,
  CVType,
  DecisionSupportType,
  DiagnosisType,
  RecommendationType,
  ResultType,
  VersionInfoType,
} from '../../contracts/_types/urn_riv_processmanagement_decisionsupport_insurancemedicine_1.js';
import type { GetDiagnosisResponseType } from '../../contracts/processmanagement/decisionsupport/insurancemedicine/GetDiagnosisInteraction.js';
import type { DataSetVersion } from './fmb-store.js';
import { immutable } from '../soap/codec.js';
import { ICD10_SE_OID } from './icd10.js';
import type { DecisionSupportAnswer, DecisionSupportQueryResult, DiagnosisAnswer, DiagnosisQueryResult, ResultInfo } from './lookup.js';
import type { CodedValue, Conditions, DescribedCodes, Recommendation } from './model.js';

function toResult(r: ResultInfo, logId: string): ResultType {
  return {
    resultCode: r.resultCode,
    ...(r.errorCode ? { errorCode: r.errorCode } : {}),
    logId,
    ...(r.message !== undefined ? { message: r.message } : {}),
  };
}

function toVersionInfo(v: DataSetVersion): VersionInfoType {
  return { lastChanged: v.lastChanged, version: String(v.version) };
}

function cv(c: CodedValue): CVType | undefined {
  if (c.code === undefined) return undefined;
  return { code: c.code, codeSystem: c.codeSystem ?? '', ...(c.displayName !== undefined ? { displayName: c.displayName } : {}) };
}

function described(d: DescribedCodes | undefined): CodedDescriptionType | undefined {
  if (!d) return undefined;
  const codes = (d.icfCodes ?? []).map(cv).filter((x): x is CVType => !!x);
  return { ...(d.text !== undefined ? { text: d.text } : {}), ...(codes.length > 0 ? { icfCode: codes } : {}) };
}

function opt<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

/** Elements already built, per snapshot record (dropped with the snapshot) and request variant. */
const built = new WeakMap<object, Map<string, object>>();
/**
 * Variants kept per record. The variant includes the caller's requested code, and any code under a
 * diagnosis maps to it, so callers could otherwise grow the memo without bound; past this many a
 * variant is built for the one response (the common ones are the first ones asked for).
 */
const MAX_VARIANTS_PER_RECORD = 16;

function memoised<R extends object, T extends object>(record: R, variant: string, build: () => T): T {
  let variants = built.get(record);
  if (!variants) built.set(record, (variants = new Map()));
  const known = variants.get(variant) as T | undefined;
  if (known) return known;
  if (variants.size >= MAX_VARIANTS_PER_RECORD) return build();
  const element = immutable(build());
  variants.set(variant, element);
  return element;
}

export function toDiagnosis(a: DiagnosisAnswer): DiagnosisType {
  const variant = `${a.status}\u0000${a.requestedCode ?? ''}\u0000${a.relatedDecisionSupportIds.join('\u0000')}`;
  return memoised(a.record, variant, () => buildDiagnosis(a));
}

function buildDiagnosis(a: DiagnosisAnswer): DiagnosisType {
  const d = a.record;
  return {
    code: d.code,
    ...opt('requestedCode', a.requestedCode),
    displayName: d.displayName,
    status: a.status,
    validity: { from: d.validity.from, ...opt('to', d.validity.to) },
    version: d.version,
    lastChanged: d.lastChanged,
    ...opt('functionalImpairment', described(d.functionalImpairment)),
    ...opt('activityLimitation', described(d.activityLimitation)),
    ...opt('symptomsPrognosisTreatment', d.symptomsPrognosisTreatment),
    ...opt('generalInformation', d.generalInformation),
    ...opt('observandum', d.observandum),
    ...opt('patientInformation', d.patientInformation),
    ...opt('differentialDiagnosis', d.differentialDiagnosis),
    ...opt('rehabilitation', d.rehabilitation),
    ...(a.relatedDecisionSupportIds.length > 0 ? { relatedDecisionSupportId: [...a.relatedDecisionSupportIds] } : {}),
  };
}

function conditionList(list: readonly CodedValue[] | undefined): ConditionType[] | undefined {
  if (!list || list.length === 0) return undefined;
  return list.map((c) => ({
    ...opt('code', c.code),
    ...opt('codeSystem', c.code === undefined ? undefined : c.codeSystem),
    ...opt('displayName', c.displayName),
    ...opt('text', c.text),
  }));
}

function conditions(c: Conditions | undefined): ConditionsType | undefined {
  if (!c) return undefined;
  return {
    ...opt('severity', conditionList(c.severity)),
    ...opt('course', conditionList(c.course)),
    ...opt('comorbidity', conditionList(c.comorbidity)),
    ...opt('complicatingFactor', conditionList(c.complicatingFactors)),
    ...opt('workDemand', conditionList(c.workDemands)),
    ...opt('plannedIntervention', conditionList(c.plannedInterventions)),
    ...opt('ongoingIntervention', conditionList(c.ongoingInterventions)),
    ...opt('completedIntervention', conditionList(c.completedInterventions)),
    ...opt('text', c.text),
  };
}

function recommendation(r: Recommendation): RecommendationType {
  return {
    ...opt('conditions', conditions(r.conditions)),
    ...opt('sickLeaveDuration', r.sickLeaveDuration ? { ...r.sickLeaveDuration } : undefined),
    ...opt('sickLeaveDegree', r.sickLeaveDegree ? { ...r.sickLeaveDegree } : undefined),
    ...opt('text', r.text),
  };
}

export function toDecisionSupport(a: DecisionSupportAnswer): DecisionSupportType {
  return memoised(a.record, `${a.status}\u0000${a.requestedCodes.join('\u0000')}`, () => buildDecisionSupport(a));
}

function buildDecisionSupport(a: DecisionSupportAnswer): DecisionSupportType {
  const d = a.record;
  return {
    id: d.id,
    version: d.version,
    status: a.status,
    validity: { from: d.validity.from, ...opt('to', d.validity.to) },
    lastChanged: d.lastChanged,
    title: d.title,
    diagnosisCode: d.diagnosisCodes.map((code) => ({ code, codeSystem: ICD10_SE_OID })),
    ...(a.requestedCodes.length > 0 ? { requestedCode: [...a.requestedCodes] } : {}),
    ...opt('summary', d.summary),
    recommendation: d.recommendations.map(recommendation),
    ...opt('rehabilitation', d.rehabilitation),
  };
}

export function toGetDiagnosisResponse(r: DiagnosisQueryResult, logId: string): GetDiagnosisResponseType {
  return {
    ...(r.diagnoses.length > 0 ? { diagnosis: r.diagnoses.map(toDiagnosis) } : {}),
    ...(r.unknownCodes.length > 0 ? { unknownCode: [...r.unknownCodes] } : {}),
    versionInfo: toVersionInfo(r.versionInfo),
    result: toResult(r.result, logId),
  };
}

export function toGetDecisionSupportResponse(r: DecisionSupportQueryResult, logId: string): GetDecisionSupportResponseType {
  return {
    ...(r.decisionSupports.length > 0 ? { decisionSupport: r.decisionSupports.map(toDecisionSupport) } : {}),
    ...(r.unknownCodes.length > 0 ? { unknownCode: [...r.unknownCodes] } : {}),
    versionInfo: toVersionInfo(r.versionInfo),
    result: toResult(r.result, logId),
  };
}

/** The answer to a request whose changedSince is not a valid xs:dateTime (VALIDATION_ERROR). */
export function invalidChangedSince(v: DataSetVersion, logId: string): { versionInfo: VersionInfoType; result: ResultType } {
  return {
    versionInfo: toVersionInfo(v),
    result: toResult({ resultCode: 'ERROR', errorCode: 'VALIDATION_ERROR', message: 'changedSince is not a valid dateTime.' }, logId),
  };
}
