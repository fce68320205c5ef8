/**
 * The demo persons and organisations of the case hub, in one place: the producer's demo seeding registers
 * their mandates and the case view's development login offers them (README, "The case view"). Every
 * personal identity number is a Skatteverket-style test number whose check digit the `personnummer`
 * package accepts (test/view-demo-persons.test.ts checks them all).
 *
 * The child is not a constant: a GUARDIAN mandate needs a child under 13, so the seeding chooses one with
 * newDemoChild() once, stores it, and chooses a new one (with a new mandateId) only when that child turns
 * 13. The view learns the current child from GetMandates, never from here.
 */
import type { MandateType } from '../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import { validIdentityNumber } from '../identity-numbers.js';

export interface DemoPerson {
  /** Stable key of the login choice (never the number: it goes into a form field). */
  readonly key: string;
  readonly name: string;
  readonly personalIdentityNumber: string;
  /** Who this person is in the demo, in Swedish, for the development login. */
  readonly description: string;
}

export interface DemoOrganisation {
  readonly organisationNumber: string;
  readonly name: string;
}

/** The sample subject of every case-hub sample request; has consent and cases in the demo data. */
export const DEMO_CITIZEN: DemoPerson = {
  key: 'medborgare',
  name: 'Tolvan Tolvansson',
  personalIdentityNumber: '191212121212',
  description: 'Medborgare med egna ärenden',
};

/** The company (the UpdateMandate sample's grantor) and the person it made its OMBUD. */
export const DEMO_COMPANY: DemoOrganisation = { organisationNumber: '5566778899', name: 'Exempelbolaget AB' };
export const DEMO_COMPANY_REPRESENTATIVE: DemoPerson = {
  key: 'ombud',
  name: 'Elsa Exempelsson',
  personalIdentityNumber: '198507099805',
  description: 'Ombud för Exempelbolaget AB',
};

/** The guardian of the demo child (GUARDIAN mandate without scope). */
export const DEMO_GUARDIAN: DemoPerson = {
  key: 'vardnadshavare',
  name: 'Gustav Gustavsson',
  personalIdentityNumber: '196408233234',
  description: 'Vårdnadshavare för ett barn under 13 år',
};
export const DEMO_CHILD_NAME = 'Nora Gustavsson';
/** How old a newly chosen demo child is: young enough to stay under 13 for years. */
export const DEMO_CHILD_AGE_YEARS = 8;

/** The municipality whose reporters read its committee's cases (the inspectorate's reporter register). */
export const DEMO_MUNICIPALITY: DemoOrganisation & { readonly committee: { readonly code: string; readonly name: string } } = {
  organisationNumber: '2120000142',
  name: 'Exempelstads kommun',
  committee: { code: 'SN', name: 'Socialnämnden' },
};
export const DEMO_MAIN_REPORTER: DemoPerson = {
  key: 'huvudrapportor',
  name: 'Maria Mattsson',
  personalIdentityNumber: '197802022389',
  description: 'Huvudrapportör för Socialnämnden i Exempelstads kommun',
};
export const DEMO_REPORTER: DemoPerson = {
  key: 'rapportor',
  name: 'Sara Svensson',
  personalIdentityNumber: '199001012385',
  description: 'Rapportör för Socialnämnden i Exempelstads kommun (äldreomsorg)',
};

/** Everyone the development login offers, in the order it lists them. */
export const DEMO_PERSONS: readonly DemoPerson[] = [DEMO_CITIZEN, DEMO_COMPANY_REPRESENTATIVE, DEMO_GUARDIAN, DEMO_MAIN_REPORTER, DEMO_REPORTER];

/** The sender whose cases the company's OMBUD mandate covers (case-system's organisation), and the category. */
const DEMO_OMBUD_SCOPE = { senderOrganisationNumber: ['5599999991'], category: ['Bygglov'] } as const;

/** YYYYMMDD of `at` in Sweden. */
function swedishDate(at: Date): { y: number; m: number; d: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  const [y, m, d] = parts.split('-').map(Number) as [number, number, number];
  return { y, m, d };
}

/**
 * A new demo child: born DEMO_CHILD_AGE_YEARS years before `now` (Swedish date; 29 February becomes the
 * 28th), with the first birth number from 980 up whose check digit the personnummer package accepts.
 */
export function newDemoChild(now: Date): { readonly personalIdentityNumber: string; readonly name: string } {
  const { y, m, d } = swedishDate(now);
  const year = y - DEMO_CHILD_AGE_YEARS;
  const day = m === 2 && d === 29 ? 28 : d;
  const date = `${year}${String(m).padStart(2, '0')}${String(day).padStart(2, '0')}`;
  for (let serial = 980; serial <= 999; serial++) {
    for (let check = 0; check <= 9; check++) {
      const candidate = `${date}${serial}${check}`;
      if (validIdentityNumber(candidate, false)) return { personalIdentityNumber: candidate, name: DEMO_CHILD_NAME };
    }
  }
  throw new Error('no valid demo child number'); // unreachable: every serial has one valid check digit
}

const iso = (t: Date) => t.toISOString().replace(/\.\d{3}Z$/, 'Z');
const yearsAfter = (t: Date, years: number) => new Date(Date.UTC(t.getUTCFullYear() + years, t.getUTCMonth(), Math.min(t.getUTCDate(), 28), t.getUTCHours(), t.getUTCMinutes()));

/**
 * The demo mandates as registered at `seededAt` (stored by the seeding: a registered mandate is immutable,
 * so the same id must always carry the same content), for the current demo child.
 */
export function demoMandates(seededAt: Date, child: { readonly personalIdentityNumber: string; readonly name: string }): MandateType[] {
  const validFrom = iso(seededAt);
  const validTo = iso(yearsAfter(seededAt, 2));
  const municipality = { organisationNumber: DEMO_MUNICIPALITY.organisationNumber };
  return [
    {
      mandateId: 'DEMO-OMBUD-EXEMPELBOLAGET',
      grantor: { organisationNumber: DEMO_COMPANY.organisationNumber },
      grantorName: DEMO_COMPANY.name,
      representative: DEMO_COMPANY_REPRESENTATIVE.personalIdentityNumber,
      role: 'OMBUD',
      scope: { senderOrganisationNumber: [...DEMO_OMBUD_SCOPE.senderOrganisationNumber], category: [...DEMO_OMBUD_SCOPE.category] },
      validFrom,
      validTo,
      notifyRepresentative: true,
    },
    {
      // a new child gets a new id; the seeding date tells the children apart without naming them
      mandateId: `DEMO-GUARDIAN-${validFrom.slice(0, 10)}`,
      grantor: { personalIdentityNumber: child.personalIdentityNumber },
      grantorName: child.name,
      representative: DEMO_GUARDIAN.personalIdentityNumber,
      role: 'GUARDIAN',
      validFrom,
      notifyRepresentative: true,
    },
    {
      mandateId: 'DEMO-HUVUDRAPPORTOR-SN',
      grantor: municipality,
      grantorName: `${DEMO_MUNICIPALITY.name}, ${DEMO_MUNICIPALITY.committee.name}`,
      representative: DEMO_MAIN_REPORTER.personalIdentityNumber,
      role: 'MAIN_REPORTER',
      scope: { committee: [DEMO_MUNICIPALITY.committee.code], serviceArea: ['SOL_IFO', 'SOL_ELDERLY'] },
      validFrom,
      validTo,
      notifyRepresentative: true,
    },
    {
      mandateId: 'DEMO-RAPPORTOR-SN',
      grantor: municipality,
      grantorName: `${DEMO_MUNICIPALITY.name}, ${DEMO_MUNICIPALITY.committee.name}`,
      representative: DEMO_REPORTER.personalIdentityNumber,
      role: 'REPORTER',
      scope: { committee: [DEMO_MUNICIPALITY.committee.code], serviceArea: ['SOL_ELDERLY'] },
      validFrom,
      validTo,
      notifyRepresentative: false,
    },
  ];
}
