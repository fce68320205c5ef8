/**
 * The SearchPersonnel handler (README, "Licensed personnel"): validates criteria, applies the caller's access profile,
 * pages with opaque continuation tokens, and audits every call. It never builds SQL; the store does,
 * with bound parameters only.
 *
 * Order of checks
 *  1. The effective consumer's category must have an access profile, else ERROR ACCESS_DENIED.
 *  2. Criteria syntax (identity numbers via `personnummer`, dates, codes, name wildcards), at least
 *     one criterion and at most `maxCriteria` professionCode occurrences, else ERROR VALIDATION_ERROR.
 *  3. A criterion on a field the profile withholds (e.g. countyCode for a category that cannot see
 *     addresses) is ERROR ACCESS_DENIED: matching on it would reveal the field.
 *  4. maxResults (default 100; < 1 invalid; > 1000 clamped with INFO) and the continuation token
 *     (bound to these criteria and this consumer; anything else is VALIDATION_ERROR).
 * Every outcome, refusals included, is written to the audit trail before the answer leaves.
 *
 * Protected identity: when the profile may not show protected persons' identity numbers, a search by
 * identity number never matches a protected person. The store leaves them out of the page and the
 * count alike, so the answer is the one for a number nobody has (README, "Licensed personnel").
 * Messages name criteria, never their values (README, "No echo").
 */
import { validIdentityNumber } from '../identity-numbers.js';
import { checkCriteria, InvalidCriterion, type CriterionRule } from '../soap/criteria.js';
import { auditFromContext } from '../soap/audit-context.js';
import type { RequestContext } from '../soap/context.js';
import type { AuditLog } from '../storage/audit.js';
import { applyProfile, profileFor, type AccessProfile, type AccessProfiles, type FieldGroup, type VisiblePerson } from './access-profiles.js';
import { isProfessionCode, type ProfessionCode } from './codes.js';
import { decodeContinuation, encodeContinuation, queryBinding } from './continuation.js';
import { parseNameCriterion } from './name-key.js';
import type { PersonnelStore, SearchCriteria, SortKey } from './personnel-store.js';
import type {
  ErrorCodeEnum as ErrorCode,
  PersonType,
  ProfessionCodeEnum,
  RestrictionCodeEnum,
  ResultType,
} from '../../contracts/_types/urn_riv_masterdata_organisationalresources_licensetopractice_1.js';
import type {
  SearchPersonnelResponderInterface,
  SearchPersonnelResponseType as SearchPersonnelResponse,
  SearchPersonnelType as SearchPersonnelRequest,
} from '../../contracts/masterdata/organisationalresources/licensetopractice/SearchPersonnelInteraction.js';

const DEFAULT_MAX_RESULTS = 100;
const MAX_RESULTS_LIMIT = 1000;

export interface SearchPersonnelDeps {
  readonly store: PersonnelStore;
  readonly profiles: AccessProfiles;
  /** The audit trail; every call, refusals included, is appended before the answer leaves. */
  readonly audit: Pick<AuditLog, 'append'>;
  /** One-way hash for identity numbers in audit criteria (the shared audit module's identifier hashing). */
  readonly hashIdentifier: (id: string) => string;
  /** Occurrences a repeated criterion (professionCode) may have (config limits.maxCriteria). */
  readonly maxCriteria: number;
}

class Refusal extends Error {
  constructor(
    readonly errorCode: Extract<ErrorCode, 'VALIDATION_ERROR' | 'ACCESS_DENIED'>,
    message: string,
  ) {
    super(message);
  }
}

const present = (v: string | undefined): string | undefined => {
  if (v === undefined || v === null) return undefined;
  const t = String(v).trim();
  return t === '' ? undefined : t;
};

function validDate(value: string): string | undefined {
  // xs:date may carry a time-zone suffix; the register stores plain calendar dates.
  const m = /^(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$/.exec(value);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === iso ? iso : undefined;
}

/** The audit copy of the criteria: identity numbers hashed, names as given (they are the query). */
function auditCriteria(request: SearchPersonnelRequest, hash: (id: string) => string, maxCriteria: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const pnr = present(request.personalIdentityNumber);
  const samn = present(request.coordinationNumber);
  if (pnr) out.personalIdentityNumberHash = hash(pnr);
  if (samn) out.coordinationNumberHash = hash(samn);
  for (const k of ['birthDate', 'familyName', 'givenName', 'specialityCode', 'countyCode', 'municipalityCode', 'prescriberCode'] as const) {
    const v = present(request[k]);
    if (v) out[k] = v;
  }
  const professions = request.professionCode ?? [];
  // Distinct codes; past the cap (a refused request) only how many, so the entry stays small.
  if (professions.length > maxCriteria) out.professionCodeOccurrences = professions.length;
  else if (professions.length > 0) out.professionCode = [...new Set(professions)];
  if (request.maxResults !== undefined) out.maxResults = request.maxResults;
  if (present(request.continuation)) out.continuation = true;
  return out;
}

/** Field group a criterion reveals when it matches. */
const CRITERION_GROUP: ReadonlyArray<readonly [keyof SearchPersonnelRequest, FieldGroup]> = [
  ['familyName', 'identity'],
  ['givenName', 'identity'],
  ['birthDate', 'identity'],
  ['professionCode', 'licenceStatus'],
  ['specialityCode', 'specialities'],
  ['prescriberCode', 'prescription'],
  ['countyCode', 'address'],
  ['municipalityCode', 'address'],
];

const PROFESSION_CODE: CriterionRule<string, ProfessionCode> = {
  element: 'professionCode',
  normalise: (c) => {
    const code = String(c ?? '').trim();
    return isProfessionCode(code) ? code : new InvalidCriterion('is not one of the licence-profession codes');
  },
};

function parseCriteria(request: SearchPersonnelRequest, profile: AccessProfile, maxCriteria: number): SearchCriteria {
  const criteria: { -readonly [K in keyof SearchCriteria]: SearchCriteria[K] } = {};
  const pnr = present(request.personalIdentityNumber);
  const samn = present(request.coordinationNumber);
  // A caller that may not see a protected person's number must not be able to confirm it either.
  const excludeProtected = !profile.has('protectedIdentityNumber');
  if (pnr && samn) throw new Refusal('VALIDATION_ERROR', 'give either personalIdentityNumber or coordinationNumber, not both');
  if (pnr) {
    if (!validIdentityNumber(pnr, false)) throw new Refusal('VALIDATION_ERROR', 'personalIdentityNumber is not a valid personal identity number (YYYYMMDDNNNC)');
    criteria.identity = { number: pnr, coordination: false, excludeProtected };
  }
  if (samn) {
    if (!validIdentityNumber(samn, true)) throw new Refusal('VALIDATION_ERROR', 'coordinationNumber is not a valid coordination number (YYYYMM(DD+60)NNNC)');
    criteria.identity = { number: samn, coordination: true, excludeProtected };
  }
  const birth = present(request.birthDate);
  if (birth) {
    const d = validDate(birth);
    if (!d) throw new Refusal('VALIDATION_ERROR', 'birthDate is not a valid date');
    criteria.birthDate = d;
  }
  for (const field of ['familyName', 'givenName'] as const) {
    const raw = present(request[field]);
    if (!raw) continue;
    if (raw.length > 100) throw new Refusal('VALIDATION_ERROR', `${field} is longer than 100 characters`);
    const parsed = parseNameCriterion(raw);
    if ('error' in parsed) throw new Refusal('VALIDATION_ERROR', `${field}: ${parsed.error}`);
    criteria[field] = parsed;
  }
  const professions = checkCriteria(request.professionCode, maxCriteria, PROFESSION_CODE);
  if ('error' in professions) throw new Refusal('VALIDATION_ERROR', professions.error);
  if (professions.values.length > 0) criteria.professionCodes = professions.values.sort();
  const code = (field: 'specialityCode' | 'prescriberCode' | 'countyCode' | 'municipalityCode', pattern: RegExp, what: string) => {
    const v = present(request[field]);
    if (!v) return;
    if (!pattern.test(v)) throw new Refusal('VALIDATION_ERROR', `${field} must be ${what}`);
    criteria[field] = v;
  };
  code('specialityCode', /^[0-9A-Za-z]{1,16}$/, '1–16 letters or digits');
  code('prescriberCode', /^[0-9]{1,16}$/, '1–16 digits');
  code('countyCode', /^[0-9]{2}$/, 'a two-digit county code');
  code('municipalityCode', /^[0-9]{4}$/, 'a four-digit municipality code');

  if (Object.keys(criteria).length === 0) {
    throw new Refusal('VALIDATION_ERROR', 'at least one search criterion is required');
  }
  // Matching on a field the caller may not see would reveal it.
  if (criteria.identity && !profile.has('identityNumber') && !profile.has('protectedIdentityNumber')) {
    throw new Refusal('ACCESS_DENIED', 'searching by identity number is not permitted for this consumer category');
  }
  for (const [field, group] of CRITERION_GROUP) {
    const v = request[field];
    const given = Array.isArray(v) ? v.length > 0 : present(v as string | undefined) !== undefined;
    if (given && !profile.has(group)) throw new Refusal('ACCESS_DENIED', `searching by ${field} is not permitted for this consumer category`);
  }
  return criteria;
}

function toPersonType(v: VisiblePerson): PersonType {
  const p: PersonType = { personId: v.personId };
  if (v.personalIdentityNumber !== undefined) p.personalIdentityNumber = v.personalIdentityNumber;
  if (v.coordinationNumber !== undefined) p.coordinationNumber = v.coordinationNumber;
  if (v.givenName !== undefined) p.givenName = v.givenName;
  if (v.familyName !== undefined) p.familyName = v.familyName;
  if (v.birthDate !== undefined) p.birthDate = v.birthDate;
  if (v.countyCode !== undefined) p.countyCode = v.countyCode;
  if (v.municipalityCode !== undefined) p.municipalityCode = v.municipalityCode;
  if (v.licences.length > 0) {
    p.licence = v.licences.map((l) => ({
      // The register only holds the contract's codes (codes.ts), so these narrowings are safe.
      professionCode: l.professionCode as ProfessionCodeEnum,
      ...(l.licenceDate !== undefined ? { licenceDate: l.licenceDate } : {}),
      ...(l.valid !== undefined ? { valid: l.valid } : {}),
      ...(l.education !== undefined ? { education: l.education } : {}),
      ...(l.specialities && l.specialities.length > 0 ? { speciality: l.specialities.map((s) => ({ code: s.code, name: s.name })) } : {}),
      ...(l.prescriptionRight !== undefined
        ? { prescriptionRight: { ...(l.prescriberCode !== undefined ? { prescriberCode: l.prescriberCode } : {}), valid: l.prescriptionRight } }
        : {}),
      ...(l.restrictions && l.restrictions.length > 0
        ? {
            restriction: l.restrictions.map((r) => ({
              code: r.code as RestrictionCodeEnum,
              description: r.description,
              from: r.fromDate,
              ...(r.toDate !== undefined ? { to: r.toDate } : {}),
            })),
          }
        : {}),
    }));
  }
  if (v.protectedIdentity !== undefined) p.protectedIdentity = v.protectedIdentity;
  if (v.deceased !== undefined) p.deceased = v.deceased;
  return p;
}

/** The SearchPersonnel handler: the contract's responder over the one RequestContext. */
export function createSearchPersonnelHandler(deps: SearchPersonnelDeps): SearchPersonnelResponderInterface<RequestContext> {
  const { store, profiles, audit, hashIdentifier, maxCriteria } = deps;

  async function SearchPersonnel(request: SearchPersonnelRequest, context: RequestContext): Promise<SearchPersonnelResponse> {
    const at = new Date();
    const category = context.consumer?.category;
    /** Identity numbers in the criteria hashed; `hits` persons in this answer of `totalCount` matching. */
    const audited = (outcome: 'OK' | 'INFO' | 'VALIDATION_ERROR' | 'ACCESS_DENIED', hits: number, totalCount: number) =>
      audit.append(
        auditFromContext(context, {
          action: outcome === 'ACCESS_DENIED' ? 'denied' : 'search',
          outcome,
          criteria: {
            ...auditCriteria(request, hashIdentifier, maxCriteria),
            consumerCategory: category ?? null,
            viaRoutingNode: context.viaRoutingNode,
            totalCount,
          },
          recordCount: hits,
          time: at,
        }),
      );

    const refuse = async (err: Refusal): Promise<SearchPersonnelResponse> => {
      await audited(err.errorCode, 0, 0);
      context.log.info({ outcome: err.errorCode }, `SearchPersonnel refused: ${err.message}`);
      return {
        totalCount: 0,
        truncated: false,
        result: { resultCode: 'ERROR', errorCode: err.errorCode, logId: context.logId, message: err.message },
      };
    };

    const profile = profileFor(profiles, category);
    if (!profile) {
      return refuse(new Refusal('ACCESS_DENIED', `consumer category ${category ?? '(none)'} may not search the personnel register`));
    }

    let criteria: SearchCriteria;
    let limit = DEFAULT_MAX_RESULTS;
    let info: string | undefined;
    let after: SortKey | undefined;
    let binding: Buffer;
    try {
      criteria = parseCriteria(request, profile, maxCriteria);
      if (request.maxResults !== undefined && request.maxResults !== null) {
        const n = Number(request.maxResults);
        if (!Number.isInteger(n) || n < 1) throw new Refusal('VALIDATION_ERROR', 'maxResults must be a positive integer');
        if (n > MAX_RESULTS_LIMIT) {
          limit = MAX_RESULTS_LIMIT;
          info = `maxResults exceeds ${MAX_RESULTS_LIMIT} and was clamped to ${MAX_RESULTS_LIMIT}`;
        } else limit = n;
      }
      binding = queryBinding(criteria, context.consumerHsaId);
      const token = present(request.continuation);
      if (token) {
        after = decodeContinuation(await store.continuationKey(), binding, token);
        if (!after) throw new Refusal('VALIDATION_ERROR', 'continuation is invalid, or belongs to another query');
      }
    } catch (err) {
      if (err instanceof Refusal) return refuse(err);
      throw err;
    }

    const page = await store.search(criteria, { limit, after });
    const continuation = page.next ? encodeContinuation(await store.continuationKey(), binding, page.next) : undefined;
    const persons = page.persons.map((p) => toPersonType(applyProfile(profile, p)));
    const result: ResultType = info
      ? { resultCode: 'INFO', logId: context.logId, message: info }
      : { resultCode: 'OK', logId: context.logId };
    await audited(info ? 'INFO' : 'OK', persons.length, page.totalCount);
    return {
      ...(persons.length > 0 ? { person: persons } : {}),
      totalCount: page.totalCount,
      truncated: continuation !== undefined,
      ...(continuation !== undefined ? { continuation } : {}),
      result,
    };
  }

  return { SearchPersonnel };
}
