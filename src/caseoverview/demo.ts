/**
 * The case hub's demo data (README, "Case hub", Demo data; docs/hub-people.md#demo-data), seeded at every start
 * with PRODUCER_DEMO_DATA through the hub's own stores, never raw case SQL: consent through the consent store,
 * mandates through the mandate store, cases through CaseStore.push (validated like a push, audited, consent checked
 * inside the push's transaction). Every step is idempotent, so restarts and several instances starting at once
 * agree: a mandate id already registered is left as it is, a case pushed again with the same content is UNCHANGED.
 *
 * Consent is given only to a person with NO consent record: a revocation made while trying the demo survives a
 * restart, and the demo pushes for that person are then not stored (no consent), so the person stays without cases.
 *
 * What must stay the same across restarts (the seeding date, which the mandates' validity and the cases' times
 * derive from, and the demo child) is chosen once and stored in one settings row, sealed with the case keys
 * (the child's number is an identity number: never in clear at rest). A new child, with a new GUARDIAN mandate id,
 * is chosen only when the stored child has turned 13.
 */
import type { CaseStatusType, MandateType } from '../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import type { Database } from '../storage/database.js';
import { sqlFor } from '../storage/sql.js';
import { thirteenthBirthday } from './age.js';
import type { CaseStore } from './case-store.js';
import { readConsent, saveConsent } from './consent-store.js';
import {
  DEMO_CITIZEN,
  DEMO_COMPANY,
  DEMO_MUNICIPALITY,
  demoMandates,
  newDemoChild,
} from './demo-persons.js';
import type { CaseKeyRing } from './keys.js';
import type { MandateInput, MandateStore } from './mandate-store.js';
import { validateCaseStatus, type Subject } from './validation.js';

/** The producer's settings table (name → value); the demo state is one row of it. */
const SETTINGS_TABLE = 'personnel_setting';
const STATE_SETTING = 'casehub_demo_state';
const STATE_AAD = `${SETTINGS_TABLE}:${STATE_SETTING}`;

/** Who the audit trail names for the demo pushes (there is no TLS peer). */
const DEMO_ACTOR = 'riv-producer:demo-data';
/** The version of the case view's information text (src/view), so the view does not ask the demo citizen again. */
const DEMO_CONSENT_VERSION = 'ärendevy-2026-1';
/** The id of a mandate that is registered in every demo state: whether the demo data is there (/health/ready). */
const PROBE_MANDATE = 'DEMO-HUVUDRAPPORTOR-SN';

interface DemoChild {
  readonly personalIdentityNumber: string;
  readonly name: string;
}

export interface DemoState {
  /** UTC ISO: the first seeding; the demo mandates' validity and the demo cases' times derive from it. */
  readonly seededAt: string;
  readonly child: DemoChild;
  /** UTC ISO: when this child was chosen (its GUARDIAN mandate starts then, and its id names that day). */
  readonly childChosenAt: string;
}

export interface DemoSeedResult {
  readonly state: DemoState;
  /** Whether the citizen got consent now (false: a record existed, given or revoked). */
  readonly consentGiven: boolean;
  readonly mandatesRegistered: number;
  /** Push outcomes, e.g. { CREATED: 10 } at the first start, { UNCHANGED: 10 } after. */
  readonly pushes: Readonly<Record<string, number>>;
}

async function readState(db: Database, keys: CaseKeyRing): Promise<{ raw: string; state: DemoState } | undefined> {
  const rows: Array<{ value: string }> = await db.read((sql) => sql.query(sqlFor(db.engine)(`SELECT value FROM ${SETTINGS_TABLE} WHERE name = ?`), [STATE_SETTING]));
  const raw = rows[0]?.value;
  if (raw === undefined) return undefined;
  return { raw, state: JSON.parse(keys.open(JSON.parse(raw), STATE_AAD)) as DemoState };
}

const sealState = (keys: CaseKeyRing, state: DemoState) => JSON.stringify(keys.seal(JSON.stringify(state), STATE_AAD));

/**
 * The stored demo state, created at the first seeding. When the child has turned 13 a new one is chosen; the row is
 * replaced only if nobody replaced it meanwhile, and what is stored afterwards is what every instance uses.
 */
export async function demoState(db: Database, keys: CaseKeyRing, now: Date): Promise<DemoState> {
  const q = sqlFor(db.engine);
  let current = await readState(db, keys);
  if (!current) {
    const at = now.toISOString();
    const fresh: DemoState = { seededAt: at, child: newDemoChild(now), childChosenAt: at };
    await db.transaction((sql) => sql.query(q(`INSERT INTO ${SETTINGS_TABLE} (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`), [STATE_SETTING, sealState(keys, fresh)]));
    current = (await readState(db, keys))!;
  }
  if (thirteenthBirthday(current.state.child.personalIdentityNumber).getTime() <= now.getTime()) {
    const previous = current.raw;
    const next: DemoState = { ...current.state, child: newDemoChild(now), childChosenAt: now.toISOString() };
    await db.transaction((sql) => sql.query(q(`UPDATE ${SETTINGS_TABLE} SET value = ? WHERE name = ? AND value = ?`), [sealState(keys, next), STATE_SETTING, previous]));
    current = (await readState(db, keys))!;
  }
  return current.state;
}

function subjectOf(s: MandateType['grantor']): Subject {
  if (s.personalIdentityNumber) return { kind: 'personalIdentityNumber', id: s.personalIdentityNumber };
  if (s.coordinationNumber) return { kind: 'coordinationNumber', id: s.coordinationNumber };
  return { kind: 'organisationNumber', id: s.organisationNumber! };
}

/** A demo mandate as the mandate store takes it (times in the store's UTC form). */
function mandateInput(m: MandateType): MandateInput {
  const utc = (t: string) => new Date(t).toISOString();
  const scope = m.scope && {
    ...(m.scope.senderOrganisationNumber ? { senderOrganisationNumber: m.scope.senderOrganisationNumber } : {}),
    ...(m.scope.category ? { category: m.scope.category } : {}),
    ...(m.scope.committee ? { committee: m.scope.committee } : {}),
    ...(m.scope.serviceArea ? { serviceArea: m.scope.serviceArea } : {}),
  };
  return {
    mandateId: m.mandateId,
    grantor: subjectOf(m.grantor),
    ...(m.grantorName === undefined ? {} : { grantorName: m.grantorName }),
    representative: m.representative,
    role: m.role,
    ...(scope ? { scope } : {}),
    validFrom: utc(m.validFrom),
    ...(m.validTo === undefined ? {} : { validTo: utc(m.validTo) }),
    notifyRepresentative: m.notifyRepresentative,
  };
}

const SENDER_1 = { organisationNumber: '5599999991', name: 'Testkommunen, samhällsbyggnadsförvaltningen' };
const SENDER_2 = { organisationNumber: '5599999992', name: 'Testregionen, vårdadministrationen' };

/**
 * The demo cases, with times a fixed number of days before the first seeding (so a restart pushes the same
 * content again: UNCHANGED). The municipality's cases lie in and out of the reporters' scope: committee SN with
 * service areas SOL_ELDERLY (both reporters), SOL_IFO (the main reporter), LSS_DISABILITY (neither), and another
 * committee (neither). The company's: one its OMBUD mandate covers (Bygglov from 5599999991), two it does not.
 */
function demoCases(seededAt: Date): CaseStatusType[] {
  const daysBefore = (d: number, hour = 9) => {
    const t = new Date(seededAt.getTime() - d * 86_400_000);
    t.setUTCHours(hour, 0, 0, 0);
    return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  const citizen = { personalIdentityNumber: DEMO_CITIZEN.personalIdentityNumber };
  const company = { organisationNumber: DEMO_COMPANY.organisationNumber };
  const municipality = { organisationNumber: DEMO_MUNICIPALITY.organisationNumber };
  const committee = { code: DEMO_MUNICIPALITY.committee.code, name: DEMO_MUNICIPALITY.committee.name };
  const base = (caseId: string, created: number, updated: number) => ({
    caseId,
    caseCreated: daysBefore(created),
    caseUpdated: daysBefore(updated, 14),
    statusDate: daysBefore(updated, 14),
    notify: false,
  });
  return [
    { ...base('DEMO-1001', 40, 3), subject: citizen, senderOrganisation: SENDER_1, title: 'Ansökan om bygglov för carport', category: 'Bygglov', status: 'ACTION_REQUIRED', sourceStatusText: 'Komplettering begärd', freeText: 'Vi behöver en situationsplan.', caseLink: 'https://etjanster.testkommunen.example/arenden/DEMO-1001' },
    { ...base('DEMO-1002', 90, 60), subject: citizen, senderOrganisation: SENDER_1, title: 'Ansökan om parkeringstillstånd', category: 'Parkeringstillstånd', status: 'CLOSED', sourceStatusText: 'Beviljad' },
    { ...base('DEMO-2001', 20, 1), subject: citizen, senderOrganisation: SENDER_2, title: 'Begäran om journalkopia', category: 'Journalkopia', status: 'IN_PROGRESS', processingTimeForecast: { value: 2, unit: 'WEEKS' } },
    { ...base('DEMO-1101', 30, 2), subject: company, senderOrganisation: SENDER_1, title: 'Bygglov för lagerlokal', category: 'Bygglov', status: 'IN_PROGRESS' },
    { ...base('DEMO-1102', 25, 5), subject: company, senderOrganisation: SENDER_1, title: 'Anmälan om miljöfarlig verksamhet', category: 'Miljötillsyn', status: 'RECEIVED' },
    { ...base('DEMO-2101', 15, 4), subject: company, senderOrganisation: SENDER_2, title: 'Bygglov, yttrande från regionen', category: 'Bygglov', status: 'RECEIVED' },
    { ...base('DEMO-1201', 50, 2), subject: municipality, senderOrganisation: SENDER_1, title: 'Rapportering av ej verkställt beslut, äldreomsorg', category: 'Rapportering', status: 'IN_PROGRESS', committee, serviceArea: 'SOL_ELDERLY' },
    { ...base('DEMO-1202', 45, 6), subject: municipality, senderOrganisation: SENDER_1, title: 'Rapportering av ej verkställt beslut, individ- och familjeomsorg', category: 'Rapportering', status: 'ACTION_REQUIRED', committee, serviceArea: 'SOL_IFO' },
    { ...base('DEMO-1203', 35, 7), subject: municipality, senderOrganisation: SENDER_1, title: 'Rapportering av ej verkställt beslut, LSS', category: 'Rapportering', status: 'RECEIVED', committee, serviceArea: 'LSS_DISABILITY' },
    { ...base('DEMO-1204', 60, 10), subject: municipality, senderOrganisation: SENDER_1, title: 'Rapportering, barn- och utbildningsnämnden', category: 'Rapportering', status: 'CLOSED', committee: { code: 'BUN', name: 'Barn- och utbildningsnämnden' }, serviceArea: 'OTHER' },
  ] as CaseStatusType[];
}

export interface DemoSeedDeps {
  readonly db: Database;
  readonly keys: CaseKeyRing;
  readonly store: CaseStore;
  readonly mandates: MandateStore;
  /** PRODUCER_CASE_CONSENT: the demo pushes obey it like any push. */
  readonly consent: 'required' | 'off';
  /** The audit trail's identifier hashing. */
  readonly hashIdentifier: (id: string) => string;
}

/** Seeds (or re-checks) the case hub's demo data; see the module comment. */
export async function seedDemoCaseHub(deps: DemoSeedDeps, now: Date = new Date()): Promise<DemoSeedResult> {
  const { db, keys } = deps;
  const state = await demoState(db, keys, now);

  // consent only where the citizen has no record at all: a revocation made while trying the demo stays
  const consentGiven = await db.transaction(async (sql) => {
    const subjectHash = keys.subjectHash(DEMO_CITIZEN.personalIdentityNumber);
    if (await readConsent(sql, db.engine, subjectHash, 'update')) return false;
    const at = now.toISOString();
    await saveConsent(sql, db.engine, { subjectHash, status: 'ACTIVE', consentVersion: DEMO_CONSENT_VERSION, authMethod: 'DEMO', since: at, actedAt: at, updatedAt: at, guardianHash: null });
    return true;
  });

  // the other demo mandates keep the first seeding's validity; the GUARDIAN one belongs to the current child
  const [ombud, , mainReporter, reporter] = demoMandates(new Date(state.seededAt), state.child);
  const guardian = demoMandates(new Date(state.childChosenAt), state.child)[1]!;
  let mandatesRegistered = 0;
  for (const m of [ombud!, guardian, mainReporter!, reporter!]) {
    const r = await deps.mandates.register(mandateInput(m), now);
    if (r.status === 'inserted') mandatesRegistered++;
  }

  const pushes: Record<string, number> = {};
  const outcomes = await Promise.all(
    demoCases(new Date(state.seededAt)).map((cs) => {
      const subject = cs.subject.personalIdentityNumber ?? cs.subject.organisationNumber!;
      return deps.store.push({
        content: validateCaseStatus(cs, now.getTime()),
        notify: false,
        consent: deps.consent,
        audit: {
          actor: DEMO_ACTOR,
          peer: DEMO_ACTOR,
          contract: 'PushCaseStatus',
          action: 'write',
          criteria: { senderOrganisation: cs.senderOrganisation.organisationNumber, caseId: cs.caseId, subjectHash: deps.hashIdentifier(subject) },
          recordCount: 0,
        },
      });
    }),
  );
  for (const o of outcomes) pushes[o.outcome] = (pushes[o.outcome] ?? 0) + 1;
  return { state, consentGiven, mandatesRegistered, pushes };
}

/** Whether the demo data has been seeded (for /health/ready). */
export async function isDemoCaseHubSeeded(db: Database, keys: CaseKeyRing, mandates: MandateStore): Promise<boolean> {
  return (await readState(db, keys)) !== undefined && (await mandates.get(PROBE_MANDATE)) !== undefined;
}
