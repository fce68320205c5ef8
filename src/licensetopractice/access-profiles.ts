/**
 * Field visibility per consumer category for SearchPersonnel (docs/design.md#access-profiles).
 *
 * A profile is a set of field groups. Default matrix (✓ visible):
 *
 * | Field group               | Fields                                               | SUPERVISORY_AUTHORITY | PUBLIC_CARE_PROVIDER | TRANSPORT_AUTHORITY |
 * |---------------------------|------------------------------------------------------|:---:|:---:|:---:|
 * | `identity`                | personId, names, birthDate, protectedIdentity, deceased | ✓ | ✓ | ✓ |
 * | `identityNumber`          | personal identity / coordination number               | ✓ | ✓ | ✓ |
 * | `protectedIdentityNumber` | … also of persons with protected identity             | ✓ |   |   |
 * | `address`                 | countyCode, municipalityCode (never for protected identity) | ✓ |   |   |
 * | `licenceStatus`           | licence: professionCode, licenceDate, valid           | ✓ | ✓ | ✓ |
 * | `licenceDetails`          | licence: education                                    | ✓ | ✓ |   |
 * | `specialities`            | licence: speciality                                   | ✓ | ✓ |   |
 * | `prescription`            | licence: prescriptionRight, prescriberCode            | ✓ | ✓ |   |
 * | `restrictions`            | licence: restriction (001/002/003 with dates)         | ✓ | ✓ |   |
 *
 * CASE_SYSTEM, CASE_VIEW and consumers without a registry entry: no profile → ACCESS_DENIED.
 * Rule above every profile: a person with protected identity never reveals address-derived fields.
 *
 * Override: config key `personnel.accessProfiles` (env `PRODUCER_PERSONNEL_ACCESS_PROFILES`, JSON):
 * `{ "<CATEGORY>": ["identity", …] | null }`; each listed category replaces its default row, `null`
 * or `[]` denies the category.
 */
import type { ConsumerCategory } from '../config.js';
import type { LicenceRecord, PersonRecord } from './personnel-records.js';

const FIELD_GROUPS = [
  'identity',
  'identityNumber',
  'protectedIdentityNumber',
  'address',
  'licenceStatus',
  'licenceDetails',
  'specialities',
  'prescription',
  'restrictions',
] as const;
export type FieldGroup = (typeof FIELD_GROUPS)[number];

export type AccessProfile = ReadonlySet<FieldGroup>;
export type AccessProfiles = Readonly<Partial<Record<ConsumerCategory, AccessProfile>>>;
export type AccessProfilesConfig = Readonly<Partial<Record<ConsumerCategory, readonly string[] | null>>>;

const CATEGORIES: readonly ConsumerCategory[] = ['PUBLIC_CARE_PROVIDER', 'SUPERVISORY_AUTHORITY', 'TRANSPORT_AUTHORITY', 'CASE_SYSTEM', 'CASE_VIEW'];

export const DEFAULT_ACCESS_PROFILES: AccessProfiles = {
  SUPERVISORY_AUTHORITY: new Set(FIELD_GROUPS),
  PUBLIC_CARE_PROVIDER: new Set<FieldGroup>(['identity', 'identityNumber', 'licenceStatus', 'licenceDetails', 'specialities', 'prescription', 'restrictions']),
  TRANSPORT_AUTHORITY: new Set<FieldGroup>(['identity', 'identityNumber', 'licenceStatus']),
};

/** Merges a configured override over the default matrix; throws on unknown categories or groups. */
export function resolveAccessProfiles(override: AccessProfilesConfig | undefined): AccessProfiles {
  const result: Partial<Record<ConsumerCategory, AccessProfile>> = { ...DEFAULT_ACCESS_PROFILES };
  if (!override) return result;
  if (typeof override !== 'object' || Array.isArray(override)) throw new Error('personnel.accessProfiles must be an object keyed by consumer category');
  for (const [category, groups] of Object.entries(override)) {
    if (!(CATEGORIES as readonly string[]).includes(category)) throw new Error(`personnel.accessProfiles: unknown consumer category ${category}`);
    const cat = category as ConsumerCategory;
    if (groups === null || groups === undefined || (Array.isArray(groups) && groups.length === 0)) {
      delete result[cat];
      continue;
    }
    if (!Array.isArray(groups)) throw new Error(`personnel.accessProfiles.${category} must be a list of field groups or null`);
    for (const g of groups) {
      if (!(FIELD_GROUPS as readonly string[]).includes(g)) throw new Error(`personnel.accessProfiles.${category}: unknown field group ${String(g)}`);
    }
    result[cat] = new Set(groups as FieldGroup[]);
  }
  return result;
}

export function profileFor(profiles: AccessProfiles, category: ConsumerCategory | undefined): AccessProfile | undefined {
  return category ? profiles[category] : undefined;
}

/** A person as one consumer may see it: absent properties are withheld. */
interface VisibleLicence {
  readonly professionCode: string;
  readonly licenceDate?: string;
  readonly valid?: boolean;
  readonly education?: string;
  readonly specialities?: ReadonlyArray<{ readonly code: string; readonly name: string }>;
  readonly prescriptionRight?: boolean;
  readonly prescriberCode?: string;
  readonly restrictions?: LicenceRecord['restrictions'];
}

export interface VisiblePerson {
  readonly personId: string;
  readonly personalIdentityNumber?: string;
  readonly coordinationNumber?: string;
  readonly givenName?: string;
  readonly familyName?: string;
  readonly birthDate?: string;
  readonly countyCode?: string;
  readonly municipalityCode?: string;
  readonly protectedIdentity?: boolean;
  readonly deceased?: boolean;
  readonly licences: readonly VisibleLicence[];
}

/** Applies a profile to one person. `personId` (the register's own key) is always visible. */
export function applyProfile(profile: AccessProfile, p: PersonRecord): VisiblePerson {
  const has = (g: FieldGroup) => profile.has(g);
  const out: { -readonly [K in keyof VisiblePerson]: VisiblePerson[K] } = { personId: p.personId, licences: [] };
  if (has('identity')) {
    out.givenName = p.givenName;
    out.familyName = p.familyName;
    out.birthDate = p.birthDate;
    out.protectedIdentity = p.protectedIdentity;
    out.deceased = p.deceased;
  }
  const numberVisible = p.protectedIdentity ? has('protectedIdentityNumber') : has('identityNumber') || has('protectedIdentityNumber');
  if (numberVisible) {
    if (p.coordination) out.coordinationNumber = p.identityNumber;
    else out.personalIdentityNumber = p.identityNumber;
  }
  // Protected identity: address-derived fields are never revealed, whatever the profile says.
  if (has('address') && !p.protectedIdentity) {
    if (p.countyCode !== undefined) out.countyCode = p.countyCode;
    if (p.municipalityCode !== undefined) out.municipalityCode = p.municipalityCode;
  }
  if (has('licenceStatus') || has('licenceDetails') || has('specialities') || has('prescription') || has('restrictions')) {
    out.licences = p.licences.map((l) => {
      const v: { -readonly [K in keyof VisibleLicence]: VisibleLicence[K] } = { professionCode: l.professionCode };
      if (has('licenceStatus')) {
        v.licenceDate = l.licenceDate;
        v.valid = l.valid;
      }
      if (has('licenceDetails') && l.education !== undefined) v.education = l.education;
      if (has('specialities')) v.specialities = l.specialities;
      if (has('prescription')) {
        v.prescriptionRight = l.prescriptionRight;
        if (l.prescriberCode !== undefined) v.prescriberCode = l.prescriberCode;
      }
      if (has('restrictions')) v.restrictions = l.restrictions;
      return v;
    });
  }
  return out;
}
