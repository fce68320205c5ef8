/**
 * The FMB import format (docs/fmb-import-format.md): reads a parsed JSON import file, checks every
 * field and normalises it into the model's content (model.ts), or lists every problem found. Pure: no I/O.
 */
import { ICD10_SE_OID, normaliseIcd10 } from './icd10.js';
import {
  DURATION_UNITS,
  type CodedValue,
  type Conditions,
  type DecisionSupportContent,
  type DescribedCodes,
  type DiagnosisContent,
  type DurationUnit,
  type Recommendation,
  type SickLeaveDegree,
  type SickLeaveDuration,
  type SickLeaveExtent,
  type SickLeavePercent,
  type Validity,
} from './model.js';

const IMPORT_FORMAT = 'fmb-import/1';
/** The code systems an ICF or Snomed CT code of the file belongs to when it names none. */
const ICF_OID = '1.2.752.116.1.1.3';
const SNOMED_CT_SE_OID = '1.2.752.116.2.1.1';

export interface ImportFile {
  readonly format: typeof IMPORT_FORMAT;
  readonly notice?: string;
  readonly source?: string;
  /** merge (default): only the listed items are touched. replace: current items missing from the file are archived. */
  readonly mode: 'merge' | 'replace';
  readonly diagnoses: readonly DiagnosisContent[];
  readonly decisionSupports: readonly DecisionSupportContent[];
}

export class ImportFormatError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid FMB import file:\n  ${problems.slice(0, 50).join('\n  ')}${problems.length > 50 ? `\n  … and ${problems.length - 50} more` : ''}`);
    this.name = 'ImportFormatError';
  }
}

type Obj = Record<string, unknown>;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

class Reader {
  readonly problems: string[] = [];
  fail(path: string, msg: string): undefined {
    this.problems.push(`${path}: ${msg}`);
    return undefined;
  }
  obj(v: unknown, path: string): Obj | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.fail(path, 'must be an object');
    return v as Obj;
  }
  str(o: Obj, key: string, path: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return opts.required ? this.fail(`${path}.${key}`, 'is required') : undefined;
    if (typeof v !== 'string') return this.fail(`${path}.${key}`, 'must be a string');
    const t = v.trim();
    if (t.length === 0) return opts.required ? this.fail(`${path}.${key}`, 'must not be empty') : undefined;
    if (opts.max !== undefined && t.length > opts.max) return this.fail(`${path}.${key}`, `longer than ${opts.max} characters`);
    return t;
  }
  arr(o: Obj, key: string, path: string): unknown[] | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return this.fail(`${path}.${key}`, 'must be an array');
    return v;
  }
}

function checkKeys(r: Reader, o: Obj, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) r.fail(`${path}.${k}`, 'unknown field');
}

function readValidity(r: Reader, v: unknown, path: string): Validity | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  checkKeys(r, o, ['from', 'to'], path);
  const from = r.str(o, 'from', path, { required: true });
  const to = r.str(o, 'to', path);
  if (from !== undefined && !DATE.test(from)) r.fail(`${path}.from`, 'must be a date YYYY-MM-DD');
  if (to !== undefined && !DATE.test(to)) r.fail(`${path}.to`, 'must be a date YYYY-MM-DD');
  if (from && to && to < from) r.fail(path, '"to" is before "from"');
  if (from === undefined) return undefined;
  return to === undefined ? { from } : { from, to };
}

function readCoded(r: Reader, v: unknown, path: string, kind: 'icf' | 'snomed' | 'icd10' | 'any'): CodedValue | undefined {
  if (typeof v === 'string') v = kind === 'icd10' ? { code: v } : { text: v };
  const o = r.obj(v, path);
  if (!o) return undefined;
  checkKeys(r, o, ['code', 'codeSystem', 'displayName', 'text'], path);
  let code = r.str(o, 'code', path, { max: 64 });
  const codeSystem = r.str(o, 'codeSystem', path, { max: 64 });
  const displayName = r.str(o, 'displayName', path, { max: 512 });
  const text = r.str(o, 'text', path, { max: 4000 });
  if (code === undefined && text === undefined) return r.fail(path, 'needs a code or a text');
  if (code !== undefined && kind === 'icd10') {
    const n = normaliseIcd10(code);
    if (!n) return r.fail(`${path}.code`, `"${code}" is not an ICD-10-SE code`);
    code = n;
  }
  const dfltSystem = kind === 'icf' ? ICF_OID : kind === 'snomed' ? SNOMED_CT_SE_OID : kind === 'icd10' ? ICD10_SE_OID : undefined;
  const out: { -readonly [K in keyof CodedValue]: CodedValue[K] } = {};
  if (code !== undefined) {
    out.code = code;
    const system = codeSystem ?? dfltSystem;
    if (system === undefined) return r.fail(`${path}.codeSystem`, 'is required with a code');
    out.codeSystem = system;
  }
  if (displayName !== undefined) out.displayName = displayName;
  if (text !== undefined) out.text = text;
  return out;
}

function readCodedList(r: Reader, o: Obj, key: string, path: string, kind: 'icf' | 'snomed' | 'icd10' | 'any'): CodedValue[] | undefined {
  const a = r.arr(o, key, path);
  if (!a || a.length === 0) return undefined;
  const out = a.map((x, i) => readCoded(r, x, `${path}.${key}[${i}]`, kind)).filter((x): x is CodedValue => x !== undefined);
  return out;
}

function readDescribed(r: Reader, v: unknown, path: string): DescribedCodes | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') v = { text: v };
  const o = r.obj(v, path);
  if (!o) return undefined;
  checkKeys(r, o, ['text', 'icfCodes'], path);
  const text = r.str(o, 'text', path, { max: 20000 });
  const icfCodes = readCodedList(r, o, 'icfCodes', path, 'icf');
  if (text === undefined && icfCodes === undefined) return undefined;
  return { ...(text !== undefined ? { text } : {}), ...(icfCodes ? { icfCodes } : {}) };
}

const TEXT_FIELDS = [
  'symptomsPrognosisTreatment',
  'generalInformation',
  'observandum',
  'patientInformation',
  'differentialDiagnosis',
  'rehabilitation',
] as const;

function readDiagnosis(r: Reader, v: unknown, path: string): DiagnosisContent | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  checkKeys(r, o, ['code', 'displayName', 'status', 'validity', 'functionalImpairment', 'activityLimitation', ...TEXT_FIELDS], path);
  const rawCode = r.str(o, 'code', path, { required: true });
  const code = rawCode !== undefined ? normaliseIcd10(rawCode) : undefined;
  if (rawCode !== undefined && !code) r.fail(`${path}.code`, `"${rawCode}" is not an ICD-10-SE code`);
  const displayName = r.str(o, 'displayName', path, { required: true, max: 512 });
  const status = r.str(o, 'status', path) ?? 'active';
  if (status !== 'active' && status !== 'inactive') r.fail(`${path}.status`, 'must be active or inactive');
  const validity = readValidity(r, o.validity, `${path}.validity`);
  const fi = readDescribed(r, o.functionalImpairment, `${path}.functionalImpairment`);
  const al = readDescribed(r, o.activityLimitation, `${path}.activityLimitation`);
  const texts: Record<string, string> = {};
  for (const f of TEXT_FIELDS) {
    const t = r.str(o, f, path, { max: 20000 });
    if (t !== undefined) texts[f] = t;
  }
  if (!code || !displayName || !validity || (status !== 'active' && status !== 'inactive')) return undefined;
  return {
    code,
    displayName,
    status,
    validity,
    ...(fi ? { functionalImpairment: fi } : {}),
    ...(al ? { activityLimitation: al } : {}),
    ...texts,
  };
}

function readDuration(r: Reader, v: unknown, path: string): SickLeaveDuration | undefined {
  if (v === undefined || v === null) return undefined;
  const o = r.obj(v, path);
  if (!o) return undefined;
  checkKeys(r, o, ['value', 'unit', 'min', 'max'], path);
  const num = (k: string, required: boolean): number | undefined => {
    const x = o[k];
    if (x === undefined || x === null) return required ? r.fail(`${path}.${k}`, 'is required') : undefined;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 3650) return r.fail(`${path}.${k}`, 'must be an integer 0..3650');
    return x;
  };
  const value = num('value', true);
  const min = num('min', false);
  const max = num('max', false);
  const unit = o.unit;
  if (typeof unit !== 'string' || !(DURATION_UNITS as readonly string[]).includes(unit)) r.fail(`${path}.unit`, 'must be d, wk or mo (UCUM)');
  if (value === undefined || typeof unit !== 'string' || !(DURATION_UNITS as readonly string[]).includes(unit)) return undefined;
  if (min !== undefined && min > value) r.fail(`${path}.min`, 'is greater than value');
  if (max !== undefined && max < value) r.fail(`${path}.max`, 'is less than value');
  return { value, unit: unit as DurationUnit, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

function readDegree(r: Reader, v: unknown, path: string): SickLeaveDegree | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') v = { percent: v };
  else if (typeof v === 'string') v = { extent: v };
  const o = r.obj(v, path);
  if (!o) return undefined;
  checkKeys(r, o, ['percent', 'extent'], path);
  const percent = o.percent;
  const extent = o.extent;
  if (percent !== undefined && ![25, 50, 75, 100].includes(percent as number)) return r.fail(`${path}.percent`, 'must be 25, 50, 75 or 100');
  if (extent !== undefined && extent !== 'FULL_TIME' && extent !== 'PART_TIME') return r.fail(`${path}.extent`, 'must be FULL_TIME or PART_TIME');
  if (percent === undefined && extent === undefined) return r.fail(path, 'needs percent or extent');
  const derived: SickLeaveExtent = percent === undefined ? (extent as SickLeaveExtent) : percent === 100 ? 'FULL_TIME' : 'PART_TIME';
  if (extent !== undefined && extent !== derived) return r.fail(path, `percent ${String(percent)} contradicts extent ${String(extent)}`);
  return percent === undefined ? { extent: derived } : { percent: percent as SickLeavePercent, extent: derived };
}

const CONDITION_LISTS: ReadonlyArray<[keyof Conditions, 'snomed' | 'icd10' | 'any']> = [
  ['severity', 'snomed'],
  ['course', 'snomed'],
  ['comorbidity', 'icd10'],
  ['complicatingFactors', 'snomed'],
  ['workDemands', 'any'],
  ['plannedInterventions', 'any'],
  ['ongoingInterventions', 'any'],
  ['completedInterventions', 'any'],
];

function readConditions(r: Reader, v: unknown, path: string): Conditions | undefined {
  if (v === undefined || v === null) return undefined;
  const o = r.obj(v, path);
  if (!o) return undefined;
  checkKeys(r, o, [...CONDITION_LISTS.map(([k]) => k), 'text'], path);
  const out: Record<string, unknown> = {};
  for (const [k, kind] of CONDITION_LISTS) {
    const list = readCodedList(r, o, k, path, kind);
    if (list && list.length > 0) out[k] = list;
  }
  const text = r.str(o, 'text', path, { max: 4000 });
  if (text !== undefined) out.text = text;
  return Object.keys(out).length > 0 ? (out as Conditions) : undefined;
}

function readRecommendation(r: Reader, v: unknown, path: string): Recommendation | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  checkKeys(r, o, ['conditions', 'sickLeaveDuration', 'sickLeaveDegree', 'text'], path);
  const conditions = readConditions(r, o.conditions, `${path}.conditions`);
  const sickLeaveDuration = readDuration(r, o.sickLeaveDuration, `${path}.sickLeaveDuration`);
  const sickLeaveDegree = readDegree(r, o.sickLeaveDegree, `${path}.sickLeaveDegree`);
  const text = r.str(o, 'text', path, { max: 20000 });
  if (!sickLeaveDuration && text === undefined) return r.fail(path, 'needs a sickLeaveDuration or a text');
  return {
    ...(conditions ? { conditions } : {}),
    ...(sickLeaveDuration ? { sickLeaveDuration } : {}),
    ...(sickLeaveDegree ? { sickLeaveDegree } : {}),
    ...(text !== undefined ? { text } : {}),
  };
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function readDecisionSupport(r: Reader, v: unknown, path: string): DecisionSupportContent | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  checkKeys(r, o, ['id', 'title', 'status', 'validity', 'diagnosisCodes', 'summary', 'recommendations', 'rehabilitation'], path);
  const id = r.str(o, 'id', path, { required: true });
  if (id !== undefined && !ID.test(id)) r.fail(`${path}.id`, 'must be 1..64 of A-Z a-z 0-9 . _ : - (starting with a letter or digit)');
  const title = r.str(o, 'title', path, { required: true, max: 512 });
  const status = r.str(o, 'status', path) ?? 'active';
  if (status !== 'active' && status !== 'archived') r.fail(`${path}.status`, 'must be active or archived');
  const validity = readValidity(r, o.validity, `${path}.validity`);
  const rawCodes = r.arr(o, 'diagnosisCodes', path) ?? [];
  if (rawCodes.length === 0) r.fail(`${path}.diagnosisCodes`, 'needs at least one ICD-10-SE code');
  const codes: string[] = [];
  rawCodes.forEach((c, i) => {
    const n = typeof c === 'string' ? normaliseIcd10(c) : undefined;
    if (!n) r.fail(`${path}.diagnosisCodes[${i}]`, `${JSON.stringify(c)} is not an ICD-10-SE code`);
    else if (!codes.includes(n)) codes.push(n);
  });
  const recs = r.arr(o, 'recommendations', path) ?? [];
  if (recs.length < 1 || recs.length > 6) r.fail(`${path}.recommendations`, 'needs 1 to 6 recommendations');
  const recommendations = recs.map((x, i) => readRecommendation(r, x, `${path}.recommendations[${i}]`)).filter((x): x is Recommendation => !!x);
  const summary = r.str(o, 'summary', path, { max: 20000 });
  const rehabilitation = r.str(o, 'rehabilitation', path, { max: 20000 });
  if (!id || !title || !validity || (status !== 'active' && status !== 'archived') || codes.length === 0 || recommendations.length !== recs.length) return undefined;
  return {
    id,
    title,
    status,
    validity,
    diagnosisCodes: codes,
    ...(summary !== undefined ? { summary } : {}),
    recommendations,
    ...(rehabilitation !== undefined ? { rehabilitation } : {}),
  };
}

/** Validates and normalises an import file (parsed JSON). Throws ImportFormatError listing every problem. */
export function parseImportFile(data: unknown): ImportFile {
  const r = new Reader();
  const o = r.obj(data, '$');
  if (!o) throw new ImportFormatError(r.problems);
  checkKeys(r, o, ['format', 'notice', 'source', 'mode', 'diagnoses', 'decisionSupports', '$comment'], '$');
  if (o.format !== IMPORT_FORMAT) r.fail('$.format', `must be "${IMPORT_FORMAT}"`);
  const notice = r.str(o, 'notice', '$', { max: 4000 });
  const source = r.str(o, 'source', '$', { max: 255 });
  const mode = r.str(o, 'mode', '$') ?? 'merge';
  if (mode !== 'merge' && mode !== 'replace') r.fail('$.mode', 'must be merge or replace');
  const diagnoses = (r.arr(o, 'diagnoses', '$') ?? []).map((d, i) => readDiagnosis(r, d, `$.diagnoses[${i}]`));
  const decisionSupports = (r.arr(o, 'decisionSupports', '$') ?? []).map((d, i) => readDecisionSupport(r, d, `$.decisionSupports[${i}]`));
  const seenCodes = new Set<string>();
  diagnoses.forEach((d, i) => {
    if (!d) return;
    if (seenCodes.has(d.code)) r.fail(`$.diagnoses[${i}].code`, `${d.code} appears twice`);
    seenCodes.add(d.code);
  });
  const seenIds = new Set<string>();
  decisionSupports.forEach((d, i) => {
    if (!d) return;
    if (seenIds.has(d.id)) r.fail(`$.decisionSupports[${i}].id`, `${d.id} appears twice`);
    seenIds.add(d.id);
  });
  if (r.problems.length > 0) throw new ImportFormatError(r.problems);
  return {
    format: IMPORT_FORMAT,
    ...(notice !== undefined ? { notice } : {}),
    ...(source !== undefined ? { source } : {}),
    mode: mode as 'merge' | 'replace',
    diagnoses: diagnoses as DiagnosisContent[],
    decisionSupports: decisionSupports as DecisionSupportContent[],
  };
}
