/**
 * The GetDiagnosis / GetDecisionSupport query logic over a snapshot: validation of requested codes,
 * ICD-10 hierarchy fallback, status and changedSince filters, and the result code. Pure functions;
 * the handlers only translate between these shapes and the generated contract types.
 */
import { checkCriteria, InvalidCriterion, type CriterionRule } from '../soap/criteria.js';
import type { DataSetVersion, FmbSnapshot } from './fmb-store.js';
import { ICD10_SE_OIDS, icd10LookupChain, isAcceptedIcd10CodeSystem, normaliseIcd10 } from './icd10.js';
import type { DecisionSupportRecord, DiagnosisRecord } from './model.js';

type ResultCode = 'OK' | 'INFO' | 'ERROR';
type ErrorCode = 'VALIDATION_ERROR' | 'NOT_FOUND' | 'ACCESS_DENIED' | 'CONFLICT' | 'APPLICATION_ERROR';

export interface ResultInfo {
  readonly resultCode: ResultCode;
  readonly errorCode?: ErrorCode;
  readonly message?: string;
}

interface RequestedCode {
  readonly code: string;
  readonly codeSystem?: string | undefined;
}

export interface DiagnosisQuery {
  readonly diagnosisCodes: readonly RequestedCode[];
  /** Occurrences a repeated criterion may have (config limits.maxCriteria). */
  readonly maxCriteria: number;
  readonly includeInactive: boolean;
  readonly changedSince?: Date | undefined;
}

export interface DiagnosisAnswer {
  readonly record: DiagnosisRecord;
  /** The caller's code, normalised (absent when listing all). */
  readonly requestedCode?: string;
  readonly status: 'active' | 'inactive';
  readonly relatedDecisionSupportIds: readonly string[];
}

export interface DiagnosisQueryResult {
  readonly diagnoses: readonly DiagnosisAnswer[];
  readonly unknownCodes: readonly string[];
  readonly result: ResultInfo;
  readonly versionInfo: DataSetVersion;
}

export interface DecisionSupportQuery {
  readonly decisionSupportIds: readonly string[];
  readonly diagnosisCodes: readonly RequestedCode[];
  /** Occurrences a repeated criterion may have (config limits.maxCriteria). */
  readonly maxCriteria: number;
  readonly includeArchived: boolean;
  readonly changedSince?: Date | undefined;
}

export interface DecisionSupportAnswer {
  readonly record: DecisionSupportRecord;
  readonly status: 'active' | 'archived';
  /** The caller's normalised codes this support answers (empty when looked up by id or listing all). */
  readonly requestedCodes: readonly string[];
}

export interface DecisionSupportQueryResult {
  readonly decisionSupports: readonly DecisionSupportAnswer[];
  readonly unknownCodes: readonly string[];
  readonly unknownIds: readonly string[];
  readonly result: ResultInfo;
  readonly versionInfo: DataSetVersion;
}

const CODE_SYNTAX_HELP =
  'an ICD-10-SE code is a letter, two digits and optionally a dot followed by a digit and up to three digits or letters, e.g. F32, F32.1, F43.8A';

/** A requested ICD-10-SE code: normalised (f321 → F32.1), so spellings of one code are one criterion. */
const DIAGNOSIS_CODE: CriterionRule<RequestedCode, string> = {
  element: 'diagnosisCode',
  normalise: (c) => {
    const code = normaliseIcd10(String(c.code ?? ''));
    if (code === undefined) return new InvalidCriterion(`is not a valid ICD-10-SE code: ${CODE_SYNTAX_HELP}`, 'code');
    if (!isAcceptedIcd10CodeSystem(c.codeSystem)) {
      return new InvalidCriterion(`is not ICD-10-SE: expected ${ICD10_SE_OIDS.join(' or ')}, or no codeSystem`, 'codeSystem');
    }
    return code;
  },
};

const DECISION_SUPPORT_ID: CriterionRule<string, string> = {
  element: 'decisionSupportId',
  normalise: (id) => {
    const trimmed = String(id ?? '').trim();
    return trimmed === '' ? new InvalidCriterion('is empty') : trimmed;
  },
};

const validationError = (message: string): ResultInfo => ({ resultCode: 'ERROR', errorCode: 'VALIDATION_ERROR', message });

/** The distinct normalised codes in request order, or a VALIDATION_ERROR (too many, or the first invalid one by position). */
function validateRequestedCodes(codes: readonly RequestedCode[], maxCriteria: number): { codes: string[] } | { error: ResultInfo } {
  const checked = checkCriteria(codes, maxCriteria, DIAGNOSIS_CODE);
  return 'error' in checked ? { error: validationError(checked.error) } : { codes: checked.values };
}

function changedSinceOk(lastChanged: string, since: Date | undefined): boolean {
  return since === undefined || Date.parse(lastChanged) >= since.getTime();
}

function versionOf(s: FmbSnapshot): DataSetVersion {
  return { version: s.version, lastChanged: s.lastChanged };
}

function infoOrOk(messages: string[]): ResultInfo {
  return messages.length > 0 ? { resultCode: 'INFO', message: messages.join(' ') } : { resultCode: 'OK' };
}

export function queryDiagnoses(snapshot: FmbSnapshot, query: DiagnosisQuery): DiagnosisQueryResult {
  const versionInfo = versionOf(snapshot);
  const checked = validateRequestedCodes(query.diagnosisCodes, query.maxCriteria);
  if ('error' in checked) return { diagnoses: [], unknownCodes: [], result: checked.error, versionInfo };

  const visible = (code: string): DiagnosisRecord | undefined => {
    const d = snapshot.diagnoses.get(code);
    if (!d || d.rowStatus === 'archived') return undefined;
    if (d.rowStatus === 'inactive' && !query.includeInactive) return undefined;
    return d;
  };
  const answer = (d: DiagnosisRecord, requestedCode?: string): DiagnosisAnswer => ({
    record: d,
    ...(requestedCode !== undefined ? { requestedCode } : {}),
    status: d.rowStatus === 'inactive' ? 'inactive' : 'active',
    relatedDecisionSupportIds: snapshot.relatedDecisionSupportIds.get(d.code) ?? [],
  });

  const diagnoses: DiagnosisAnswer[] = [];
  const unknownCodes: string[] = [];
  if (checked.codes.length === 0) {
    const codes = [...snapshot.diagnoses.keys()].sort();
    for (const code of codes) {
      const d = visible(code);
      if (d && changedSinceOk(d.lastChanged, query.changedSince)) diagnoses.push(answer(d));
    }
  } else {
    for (const requested of checked.codes) {
      const hit = resolve(requested, visible);
      if (!hit) unknownCodes.push(requested);
      else if (changedSinceOk(hit.lastChanged, query.changedSince)) diagnoses.push(answer(hit, requested));
    }
  }
  // How many, not which: the codes are in unknownCode (README, "No echo").
  const messages = unknownCodes.length > 0 ? [`${unknownCodes.length} requested diagnosisCode(s) have no FMB diagnosis information; see unknownCode.`] : [];
  return { diagnoses, unknownCodes, result: infoOrOk(messages), versionInfo };
}

function resolve<T>(code: string, lookup: (c: string) => T | undefined): T | undefined {
  for (const c of icd10LookupChain(code)) {
    const v = lookup(c);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function queryDecisionSupports(snapshot: FmbSnapshot, query: DecisionSupportQuery): DecisionSupportQueryResult {
  const versionInfo = versionOf(snapshot);
  const empty = { decisionSupports: [], unknownCodes: [], unknownIds: [], versionInfo };
  if (query.decisionSupportIds.length > 0 && query.diagnosisCodes.length > 0) {
    return {
      ...empty,
      result: validationError('Give decisionSupportId or diagnosisCode, not both.'),
    };
  }
  const ids = checkCriteria(query.decisionSupportIds, query.maxCriteria, DECISION_SUPPORT_ID);
  if ('error' in ids) return { ...empty, result: validationError(ids.error) };
  const checked = validateRequestedCodes(query.diagnosisCodes, query.maxCriteria);
  if ('error' in checked) return { ...empty, result: checked.error };

  const isVisible = (ds: DecisionSupportRecord) =>
    query.includeArchived ? true : ds.isCurrent && ds.rowStatus === 'active';
  const status = (ds: DecisionSupportRecord): 'active' | 'archived' => (ds.isCurrent && ds.rowStatus === 'active' ? 'active' : 'archived');

  // A Set per entry, not a search of its list: many requested codes may land in one support.
  const found = new Map<string, { record: DecisionSupportRecord; requested: Set<string> }>();
  const add = (ds: DecisionSupportRecord, requested?: string) => {
    const key = `${ds.id}\u0000${ds.version}`;
    let entry = found.get(key);
    if (!entry) found.set(key, (entry = { record: ds, requested: new Set() }));
    if (requested !== undefined) entry.requested.add(requested);
  };
  const unknownCodes: string[] = [];
  const unknownIds: string[] = [];

  if (ids.values.length > 0) {
    for (const id of ids.values) {
      const versions = (snapshot.decisionSupportsById.get(id) ?? []).filter(isVisible);
      if (versions.length === 0) unknownIds.push(id);
      versions.forEach((ds) => add(ds));
    }
  } else if (checked.codes.length > 0) {
    for (const requested of checked.codes) {
      const hits = resolve(requested, (c) => {
        const l = (snapshot.decisionSupportsByCode.get(c) ?? []).filter(isVisible);
        return l.length > 0 ? l : undefined;
      });
      if (!hits) unknownCodes.push(requested);
      else hits.forEach((ds) => add(ds, requested));
    }
  } else {
    snapshot.decisionSupports.filter(isVisible).forEach((ds) => add(ds));
  }

  const decisionSupports = [...found.values()]
    .filter((e) => changedSinceOk(e.record.lastChanged, query.changedSince))
    .map((e) => ({ record: e.record, status: status(e.record), requestedCodes: [...e.requested] }));
  const messages: string[] = [];
  if (unknownCodes.length > 0) messages.push(`${unknownCodes.length} requested diagnosisCode(s) have no FMB decision support; see unknownCode.`);
  if (unknownIds.length > 0) messages.push(`${unknownIds.length} requested decisionSupportId(s) are unknown.`);
  return { decisionSupports, unknownCodes, unknownIds, result: infoOrOk(messages), versionInfo };
}
