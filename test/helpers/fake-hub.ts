/**
 * A fake hub for the case view's tests (test-only): GetCaseOverview 2, GetMandates,
 * UpdateCaseOverviewConsent and PushCaseStatus 2 implemented in memory (fake-hub-state.ts) and served by
 * the project's own producer runtime over real mutual TLS with the development PKI, so the view talks to
 * it exactly as it will talk to the producer. Notifications go out through the producer's own webhook
 * notifier (signed, trusting the PKI's CA), one per recipient, with `recipient`.
 *
 * It starts with the demo data of caseoverview/demo-persons.ts: the demo mandates (with a child chosen
 * now), and the sample citizen with consent and two cases. Replace it by the real application with
 * startRealHub in view-harness.ts once the producer serves these contracts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  getCaseOverviewV2Contract,
  getMandatesContract,
  pushCaseStatusV2Contract,
  updateCaseOverviewConsentContract,
  type GetCaseOverviewV2ResponderInterface,
  type GetMandatesResponderInterface,
  type PushCaseStatusV2ResponderInterface,
  type UpdateCaseOverviewConsentResponderInterface,
} from '../../contracts/index.js';
import type { CaseStatusType, ResultType } from '../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import { DEV_ROLES } from '../../certs/dev-pki.js';
import { DEMO_CITIZEN, demoMandates, newDemoChild } from '../../src/caseoverview/demo-persons.js';
import type { NotificationPayload } from '../../src/caseoverview/case-rows.js';
import { webhookNotifier, type Notifier } from '../../src/caseoverview/notifier.js';
import { validateSubject, CaseRefusal } from '../../src/caseoverview/validation.js';
import { loadConfig } from '../../src/config.js';
import { validIdentityNumber } from '../../src/identity-numbers.js';
import { createLogger } from '../../src/log.js';
import type { RequestContext } from '../../src/soap/context.js';
import { createProducer } from '../../src/transport/producer.js';
import { findProjectRoot } from '../../src/project-root.js';
import { FakeHubState, isPerson, subjectId, type Refusal } from './fake-hub-state.js';

/** What a view test needs of "the hub", fake or real. */
export interface HubUnderTest {
  readonly url: string;
  readonly logicalAddress: string;
  close(): Promise<void>;
}

interface StartHubOptions {
  readonly certsDir: string;
  readonly dataDir: string;
  /** Where notices go (the view's /webhook), signed with webhookSecret. */
  readonly webhookUrl: string;
  readonly webhookSecret: string;
}

export type StartHub = (options: StartHubOptions) => Promise<HubUnderTest>;

const LA = 'TEST-PRODUCER';
const ok = (ctx: RequestContext, message?: string): ResultType => ({ resultCode: message ? 'INFO' : 'OK', logId: ctx.logId, ...(message ? { message } : {}) });
const error = (ctx: RequestContext, r: Refusal): ResultType => ({ resultCode: 'ERROR', errorCode: r.errorCode, logId: ctx.logId, message: r.message });
const isRefusal = (x: unknown): x is Refusal => typeof x === 'object' && x !== null && 'errorCode' in x;

/** CASE_VIEW only, as on the hub; a valid person number for `representative`. */
function viewerCheck(ctx: RequestContext, representative?: string): Refusal | undefined {
  if (ctx.consumer?.category !== 'CASE_VIEW') return { errorCode: 'ACCESS_DENIED', message: 'only CASE_VIEW consumers may call this' };
  if (representative !== undefined && !validIdentityNumber(representative, false)) {
    return { errorCode: 'VALIDATION_ERROR', message: 'representative is not a valid personal identity number' };
  }
  return undefined;
}

function subjectRefusal(s: Parameters<typeof validateSubject>[0]): Refusal | undefined {
  try {
    validateSubject(s);
    return undefined;
  } catch (err) {
    if (err instanceof CaseRefusal) return { errorCode: err.errorCode, message: err.message };
    throw err;
  }
}

function fakeHubHandlers(state: FakeHubState, notify: (payload: NotificationPayload) => void) {
  const overview: GetCaseOverviewV2ResponderInterface<RequestContext> = {
    async GetCaseOverview(r, ctx) {
      const refused = viewerCheck(ctx, r.representative) ?? subjectRefusal(r.subject);
      if (refused) return { result: error(ctx, refused) };
      const a = state.overview({ consumer: ctx.consumerHsaId, subject: r.subject, representative: r.representative, sender: r.senderOrganisationNumber, status: r.status, updatedSince: r.updatedSince, maxResults: r.maxResults, continuation: r.continuation });
      if (isRefusal(a)) return { result: error(ctx, a) };
      return {
        case: a.cases,
        ...(a.continuation ? { continuation: a.continuation } : {}),
        ...(a.consentStatus ? { consentStatus: a.consentStatus } : {}),
        result: ok(ctx, a.clamped ? 'maxResults was over 200; at most 200 are returned' : undefined),
      };
    },
  };
  const mandates: GetMandatesResponderInterface<RequestContext> = {
    async GetMandates(r, ctx) {
      const refused = viewerCheck(ctx, r.representative);
      if (refused) return { result: error(ctx, refused) };
      return { mandate: state.mandatesInEffect(r.representative), result: ok(ctx) };
    },
  };
  const consent: UpdateCaseOverviewConsentResponderInterface<RequestContext> = {
    async UpdateCaseOverviewConsent(r, ctx) {
      const refused = viewerCheck(ctx, r.representative) ?? subjectRefusal(r.subject);
      if (refused) return { result: error(ctx, refused) };
      const c = state.updateConsent(r.subject, r.action, r.consentVersion, r.representative);
      if (isRefusal(c)) return { result: error(ctx, c) };
      return { consentStatus: c.status, consentVersion: c.version, since: c.since, result: ok(ctx) };
    },
  };
  const push: PushCaseStatusV2ResponderInterface<RequestContext> = {
    async PushCaseStatus(r, ctx) {
      const cs = r.caseStatus;
      if (ctx.consumer?.category !== 'CASE_SYSTEM' || !ctx.consumer.organisations?.includes(cs.senderOrganisation.organisationNumber)) {
        return { result: error(ctx, { errorCode: 'ACCESS_DENIED', message: 'not a sender for this organisation' }) };
      }
      const refused = subjectRefusal(cs.subject);
      if (refused) return { result: error(ctx, refused) };
      const a = state.push(cs);
      if (isRefusal(a)) return { result: error(ctx, a) };
      const createdAt = new Date().toISOString();
      for (const recipient of a.recipients) {
        const kind = recipient.length === 10 ? 'organisationNumber' : 'personalIdentityNumber';
        notify({
          notificationId: crypto.randomUUID(),
          subject: { [isPerson(cs.subject) ? (cs.subject.coordinationNumber ? 'coordinationNumber' : 'personalIdentityNumber') : 'organisationNumber']: subjectId(cs.subject) },
          ...({ recipient: { [kind]: recipient } } as object),
          senderOrganisation: { ...cs.senderOrganisation },
          createdAt,
        } as NotificationPayload);
      }
      const stored = a.outcome === undefined ? 'not stored: the subject has not consented' : a.outcome === 'STALE' ? 'an older caseUpdated; not applied' : undefined;
      return { ...(a.outcome ? { outcome: a.outcome, revision: a.revision } : {}), ...(a.consentStatus ? { consentStatus: a.consentStatus } : {}), result: ok(ctx, stored) };
    },
  };
  return { overview, mandates, consent, push };
}

/** Delivers in the background with a few retries, like the outbox (at least once; the view deduplicates). */
function backgroundDelivery(notifier: Notifier): { send(p: NotificationPayload): void; drain(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  return {
    send(p) {
      const attempt = async () => {
        for (let i = 0; i < 5; i++) {
          try {
            return await notifier.deliver(p);
          } catch {
            await new Promise((r) => setTimeout(r, 100 * 2 ** i));
          }
        }
      };
      const run = attempt().finally(() => pending.delete(run));
      pending.add(run);
    },
    drain: async () => void (await Promise.all(pending)),
  };
}

/** A development TAK with the version-2 and new contracts for case-view and case-system. */
function takWithNewContracts(): unknown[] {
  const view = DEV_ROLES['case-view'].hsaId;
  const system = DEV_ROLES['case-system'].hsaId;
  return [
    ...[getCaseOverviewV2Contract, getMandatesContract, updateCaseOverviewConsentContract].map((c) => ({ consumer: view, contract: c.namespace, logicalAddress: '*' })),
    { consumer: system, contract: pushCaseStatusV2Contract.namespace, logicalAddress: '*' },
  ];
}

/** Pushes a case straight into the state (demo seeding), as case-system would. */
function seedCase(state: FakeHubState, cs: CaseStatusType): void {
  const r = state.push(cs);
  if (isRefusal(r)) throw new Error(`seeding: ${r.message}`);
}

export const startFakeHub: StartHub = async (options) => {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const config = loadConfig({
    PRODUCER_CERTS_DIR: options.certsDir,
    PRODUCER_DATA_DIR: options.dataDir,
    PRODUCER_PORT: '0',
    PRODUCER_HOST: '127.0.0.1',
    PRODUCER_TAK: JSON.stringify(takWithNewContracts()),
  });
  const logger = createLogger(process.env.FAKE_HUB_LOG ?? 'silent');
  const state = new FakeHubState();
  const now = new Date();
  for (const m of demoMandates(now, newDemoChild(now))) state.registerMandate(m);
  state.updateConsent({ personalIdentityNumber: DEMO_CITIZEN.personalIdentityNumber }, 'GIVE', 'ärendevy-2026-1', undefined);
  for (const [caseId, title, status] of [
    ['DEMO-1', 'Ansökan om bygglov för tillbyggnad av enbostadshus', 'ACTION_REQUIRED'],
    ['DEMO-2', 'Anmälan om installation av värmepump', 'CLOSED'],
  ] as const) {
    const t = new Date(now.getTime() - (caseId === 'DEMO-1' ? 1 : 2) * 86_400_000).toISOString();
    seedCase(state, {
      caseId,
      subject: { personalIdentityNumber: DEMO_CITIZEN.personalIdentityNumber },
      senderOrganisation: { organisationNumber: '5599999991', name: 'Testkommunen, samhällsbyggnadsförvaltningen' },
      title,
      category: 'Bygglov',
      status,
      statusDate: t,
      caseCreated: t,
      caseUpdated: t,
    });
  }
  const notifier = webhookNotifier(options.webhookUrl, { secret: options.webhookSecret, ca: fs.readFileSync(path.join(options.certsDir, 'ca.crt')) });
  const delivery = backgroundDelivery(notifier);
  const producer = createProducer({ config, logger, contractRoot: findProjectRoot() });
  const h = fakeHubHandlers(state, (p) => delivery.send(p));
  producer.addService(getCaseOverviewV2Contract, h.overview);
  producer.addService(getMandatesContract, h.mandates);
  producer.addService(updateCaseOverviewConsentContract, h.consent);
  producer.addService(pushCaseStatusV2Contract, h.push);
  await producer.listen();
  return {
    url: `https://localhost:${producer.address()!.port}`,
    logicalAddress: LA,
    async close() {
      await delivery.drain();
      await producer.close();
    },
  };
};
