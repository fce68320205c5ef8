/**
 * The rules a mandate must meet to be registered (docs/hub-people.md#mandates), beyond what the XSD checks.
 * Turns a decoded `register` into the MandateInput the store keeps: identity numbers checked to the check digit,
 * times in UTC, scope lists capped and deduplicated (src/soap/criteria.ts). Every refusal is a CaseRefusal
 * VALIDATION_ERROR whose message names the element and the rule, never a value (README, "No echo").
 */
import { validIdentityNumber } from '../identity-numbers.js';
import { checkCriteria, InvalidCriterion, type CriterionRule } from '../soap/criteria.js';
import type { MandateType } from '../../contracts/casemanagement/caseoverview/UpdateMandateInteraction.js';
import { isUnder13, thirteenthBirthday } from './age.js';
import type { MandateScope } from './coverage.js';
import type { MandateInput, MandateRole } from './mandate-store.js';
import { CaseRefusal, isSenderOrganisationNumber, parseDateTime, toUtc, validateSubject } from './validation.js';

const invalid = (message: string): never => {
  throw new CaseRefusal('VALIDATION_ERROR', message);
};

const ROLES: ReadonlySet<string> = new Set<MandateRole>(['OMBUD', 'GUARDIAN', 'MAIN_REPORTER', 'REPORTER']);
const SERVICE_AREAS: ReadonlySet<string> = new Set(['SOL_IFO', 'SOL_DISABILITY', 'LSS_DISABILITY', 'SOL_ELDERLY', 'OTHER']);

/** The longest validity of a mandate that has a validTo, in calendar years (UTC) from validFrom. */
const MAX_VALIDITY_YEARS = 3;

/** A mandate id, 1–64 characters, as the register gave it (ids are compared exactly). */
export function validateMandateId(value: string | undefined, element: string): string {
  const id = value === undefined || value === null ? '' : String(value);
  if (id.trim().length === 0) invalid(`${element} is required`);
  if ([...id].length > 64) invalid(`${element} is longer than 64 characters`);
  return id;
}

/** A representative: a valid personal identity number (not a coordination number), 12 digits with check digit. */
export function validateRepresentative(value: string | undefined, element = 'representative'): string {
  const id = String(value ?? '').trim();
  if (!validIdentityNumber(id, false)) invalid(`${element} is not a valid personal identity number (format or check digit)`);
  return id;
}

/** A scope text (category): exact, as a case's value is matched exactly; 1–`max` characters, not only spaces. */
const textItem = (max: number) => (item: string) => {
  const s = String(item ?? '');
  if (s.trim().length === 0) return new InvalidCriterion('must not be empty');
  if ([...s].length > max) return new InvalidCriterion(`is longer than ${max} characters`);
  return s;
};

const SCOPE_RULES: { readonly [K in keyof MandateScope]-?: CriterionRule<string, string> } = {
  senderOrganisationNumber: {
    element: 'scope.senderOrganisationNumber',
    normalise: (s) => {
      const v = String(s ?? '').trim();
      return isSenderOrganisationNumber(v) ? v : new InvalidCriterion('is not an organisation number of 10 digits');
    },
  },
  category: { element: 'scope.category', normalise: textItem(200) },
  committee: { element: 'scope.committee', normalise: textItem(32) },
  serviceArea: {
    element: 'scope.serviceArea',
    normalise: (s) => (SERVICE_AREAS.has(s) ? s : new InvalidCriterion('is not one of SOL_IFO, SOL_DISABILITY, LSS_DISABILITY, SOL_ELDERLY, OTHER')),
  },
};

function validateScope(scope: MandateType['scope'], maxCriteria: number): MandateScope | undefined {
  if (!scope) return undefined;
  const out: Record<string, string[]> = {};
  for (const list of Object.keys(SCOPE_RULES) as Array<keyof MandateScope>) {
    const checked = checkCriteria(scope[list] as string[] | undefined, maxCriteria, SCOPE_RULES[list]);
    if ('error' in checked) invalid(checked.error);
    else if (checked.values.length > 0) out[list] = checked.values;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function time(value: string | undefined, element: string): number {
  if (value === undefined || value === null) return invalid(`${element} is required`);
  return parseDateTime(value) ?? invalid(`${element} is not a valid dateTime`);
}

/** validFrom plus MAX_VALIDITY_YEARS calendar years, in UTC (29 February moves to 1 March). */
function latestValidTo(validFrom: number): number {
  const d = new Date(validFrom);
  d.setUTCFullYear(d.getUTCFullYear() + MAX_VALIDITY_YEARS);
  return d.getTime();
}

/** Validates a `register` at server time `now`; returns what the store registers. */
export function validateMandate(m: MandateType, now: Date, maxCriteria: number): MandateInput {
  const mandateId = validateMandateId(m.mandateId, 'register.mandateId');
  const grantor = validateSubject(m.grantor);
  let grantorName: string | undefined;
  if (m.grantorName !== undefined && m.grantorName !== null && String(m.grantorName).trim() !== '') {
    grantorName = String(m.grantorName);
    if ([...grantorName].length > 200) invalid('grantorName is longer than 200 characters');
  }
  const representative = validateRepresentative(m.representative);
  if (representative === grantor.id) invalid('representative must not be the grantor');
  if (!ROLES.has(m.role)) invalid('role is not one of OMBUD, GUARDIAN, MAIN_REPORTER, REPORTER');
  const role = m.role;

  const validFrom = time(m.validFrom, 'validFrom');
  const validTo = m.validTo === undefined || m.validTo === null ? undefined : time(m.validTo, 'validTo');
  if (validTo === undefined && role !== 'GUARDIAN') invalid('validTo is required for every role but GUARDIAN');
  if (validTo !== undefined) {
    if (validTo <= validFrom) invalid('validTo must be after validFrom');
    if (validTo > latestValidTo(validFrom)) invalid(`validTo must be at most ${MAX_VALIDITY_YEARS} years after validFrom`);
  }

  if (role === 'GUARDIAN') {
    if (grantor.kind === 'organisationNumber') invalid('a GUARDIAN mandate needs a grantor who is a person (personal identity or coordination number)');
    if (!isUnder13(grantor.id, now)) invalid('a GUARDIAN mandate needs a grantor under 13 when it is registered');
    // A guardian's mandate ends at the 13th birthday whatever validTo says: one that would start only then is never in effect.
    if (validFrom >= thirteenthBirthday(grantor.id).getTime()) invalid('validFrom of a GUARDIAN mandate must be before the grantor turns 13');
  }
  if ((role === 'MAIN_REPORTER' || role === 'REPORTER') && grantor.kind !== 'organisationNumber') {
    invalid(`a ${role} mandate needs a grantor that is an organisation`);
  }
  if (typeof m.notifyRepresentative !== 'boolean') invalid('notifyRepresentative must be true or false');

  const scope = validateScope(m.scope, maxCriteria);
  return {
    mandateId,
    grantor,
    ...(grantorName === undefined ? {} : { grantorName }),
    representative,
    role,
    ...(scope ? { scope } : {}),
    validFrom: toUtc(validFrom),
    ...(validTo === undefined ? {} : { validTo: toUtc(validTo) }),
    notifyRepresentative: m.notifyRepresentative,
  };
}
