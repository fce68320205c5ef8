/**
 * The GetDiagnosis / GetDecisionSupport query logic over a snapshot: validation of requested codes,
 * ICD-10 hierarchy fallback, status and changedSince filters, and the result code. Pure functions;
 * the handlers only translate between these shapes and the generated contract types.
 */
import type { DataSetVersion, FmbSnapshot } from './fmb-store.js';
import { ICD10_SE_OIDS, icd10LookupChain, isAcceptedIcd10CodeSystem, normaliseIcd10 } from './icd10.js';
import type { DecisionSupportRecord, DiagnosisRecord } from './model.js';

export type ResultCode = 'OK' | 'INFO' | 'ERROR';
export type ErrorCode = 'VALIDATION_ERROR' | 'NOT_FOUND' | 'ACCESS_DENIED' | 'CONFLICT' | 'APPLICATION_ERROR';

export interface ResultInfo {
  readonly resultCode: ResultCode;
  readonly errorCode?: ErrorCode;
  readonly message?: string;
}

export interface RequestedCode {
  readonly code: string;
  readonly codeSystem?: string | undefined;
}

export interface DiagnosisQuery {
  readonly diagnosisCodes: readonly RequestedCode[];
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

export const CODE_SYNTAX_HELP =
  'an ICD-10-SE code is a letter, two digits and optionally a dot followed by a digit and up to three digits or letters, e.g. F32, F32.1, F43.8A';

/** Normalises and checks requested codes; returns the distinct normalised codes in request order, or a VALIDATION_ERROR. */
export function validateRequestedCodes(codes: readonly RequestedCode[]): { codes: string[] } | { error: ResultInfo } {
  const invalid: string[] = [];
  const badSystems: string[] = [];
  const out: string[] = [];
  for (const c of codes) {
    if (!isAcceptedIcd10CodeSystem(c.codeSystem)) badSystems.push(String(c.codeSystem));
    const n = normaliseIcd10(c.code);
    if (!n) invalid.push(c.code);
    else if (!out.includes(n)) out.push(n);
  }
  const problems: string[] = [];
  if (invalid.length > 0) problems.push(`Invalid ICD-10-SE code(s): ${invalid.map((c) => JSON.stringify(c)).join(', ')}; ${CODE_SYNTAX_HELP}.`);
  if (badSystems.length > 0) {
    problems.push(`Unsupported codeSystem ${badSystems.map((c) => JSON.stringify(c)).join(', ')}; expected ICD-10-SE (${ICD10_SE_OIDS.join(' or ')}) or none.`);
  }
  if (problems.length > 0) return { error: { resultCode: 'ERROR', errorCode: 'VALIDATION_ERROR', message: problems.join(' ') } };
  return { codes: out };
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
  const checked = validateRequestedCodes(query.diagnosisCodes);
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
  const messages = unknownCodes.length > 0 ? [`No FMB diagnosis information for ICD-10-SE code(s): ${unknownCodes.join(', ')}.`] : [];
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
      result: { resultCode: 'ERROR', errorCode: 'VALIDATION_ERROR', message: 'Give decisionSupportId or diagnosisCode, not both.' },
    };
  }
  const checked = validateRequestedCodes(query.diagnosisCodes);
  if ('error' in checked) return { ...empty, result: checked.error };

  const isVisible = (ds: DecisionSupportRecord) =>
    query.includeArchived ? true : ds.isCurrent && ds.rowStatus === 'active';
  const status = (ds: DecisionSupportRecord): 'active' | 'archived' => (ds.isCurrent && ds.rowStatus === 'active' ? 'active' : 'archived');

  const found = new Map<string, { record: DecisionSupportRecord; requestedCodes: string[] }>();
  const add = (ds: DecisionSupportRecord, requested?: string) => {
    const key = `${ds.id}\u0000${ds.version}`;
    let entry = found.get(key);
    if (!entry) found.set(key, (entry = { record: ds, requestedCodes: [] }));
    if (requested !== undefined && !entry.requestedCodes.includes(requested)) entry.requestedCodes.push(requested);
  };
  const unknownCodes: string[] = [];
  const unknownIds: string[] = [];

  if (query.decisionSupportIds.length > 0) {
    const ids = [...new Set(query.decisionSupportIds.map((s) => s.trim()))];
    for (const id of ids) {
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
    .map((e) => ({ record: e.record, status: status(e.record), requestedCodes: e.requestedCodes }));
  const messages: string[] = [];
  if (unknownCodes.length > 0) messages.push(`No FMB decision support for ICD-10-SE code(s): ${unknownCodes.join(', ')}.`);
  if (unknownIds.length > 0) messages.push(`Unknown decision support id(s): ${unknownIds.join(', ')}.`);
  return { decisionSupports, unknownCodes, unknownIds, result: infoOrOk(messages), versionInfo };
}
