/**
 * Composition of the case hub for src/app.ts: keys, stores, the handlers of both majors and the outbox dispatcher.
 */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { AuditLog } from '../storage/audit.js';
import type { Database } from '../storage/database.js';
import type { GetCaseOverviewV1ResponderInterface } from '../../contracts/casemanagement/caseoverview/GetCaseOverviewInteraction_1.js';
import type { GetCaseOverviewV2ResponderInterface } from '../../contracts/casemanagement/caseoverview/GetCaseOverviewInteraction_2.js';
import type { PushCaseStatusV1ResponderInterface } from '../../contracts/casemanagement/caseoverview/PushCaseStatusInteraction_1.js';
import type { PushCaseStatusV2ResponderInterface } from '../../contracts/casemanagement/caseoverview/PushCaseStatusInteraction_2.js';
import type { RequestContext } from '../soap/context.js';
import { CaseStore } from './case-store.js';
import { createGetCaseOverviewV1Handler, createGetCaseOverviewV2Handler } from './get-case-overview.js';
import { createGetMandatesHandler } from './get-mandates.js';
import { CaseKeyRing } from './keys.js';
import { createNotifier, OutboxDispatcher, type DispatcherOptions, type Notifier } from './notifier.js';
import { createPushCaseStatusV1Handler, createPushCaseStatusV2Handler, SigningCertificates } from './push-case-status.js';
import { MandateStore } from './mandate-store.js';
import { createUpdateMandateHandler } from './update-mandate.js';
import { createUpdateCaseOverviewConsentHandler } from './update-case-overview-consent.js';
import type { UpdateCaseOverviewConsentResponderInterface } from '../../contracts/casemanagement/caseoverview/UpdateCaseOverviewConsentInteraction.js';
import type { GetMandatesResponderInterface } from '../../contracts/casemanagement/caseoverview/GetMandatesInteraction.js';
import type { UpdateMandateResponderInterface } from '../../contracts/casemanagement/caseoverview/UpdateMandateInteraction.js';

export interface CaseHub {
  /** The hub's one key ring (the demo seeding uses it too). */
  readonly keys: CaseKeyRing;
  readonly store: CaseStore;
  readonly dispatcher: OutboxDispatcher;
  /** PushCaseStatus 1.0 (deprecated) and 2.0. */
  readonly push: PushCaseStatusV1ResponderInterface<RequestContext>;
  readonly pushV2: PushCaseStatusV2ResponderInterface<RequestContext>;
  /** GetCaseOverview 1.0 (deprecated) and 2.0. */
  readonly overview: GetCaseOverviewV1ResponderInterface<RequestContext>;
  readonly mandates: MandateStore;
  readonly updateMandate: UpdateMandateResponderInterface<RequestContext>;
  readonly getMandates: GetMandatesResponderInterface<RequestContext>;
  readonly updateConsent: UpdateCaseOverviewConsentResponderInterface<RequestContext>;
  readonly overviewV2: GetCaseOverviewV2ResponderInterface<RequestContext>;
  /** Called on a configuration reload: the registered signing certificates are read afresh on next use. */
  reload(): void;
  /** Finishes queued pushes and stops the dispatcher. */
  close(): Promise<void>;
}

export interface CaseHubOptions {
  readonly notifier?: Notifier;
  readonly dispatcher?: DispatcherOptions;
}

export function createCaseHub(
  config: Pick<Config, 'keysFile' | 'certsDir' | 'notifier' | 'limits' | 'caseConsent'>,
  logger: Logger,
  db: Database,
  audit: AuditLog,
  hashIdentifier: (id: string) => string,
  options: CaseHubOptions = {},
): CaseHub {
  const keys = new CaseKeyRing(config.keysFile);
  let dispatcher: OutboxDispatcher | undefined;
  const store = new CaseStore(db, keys, audit, { onNotificationQueued: () => dispatcher?.wakeSoon() });
  dispatcher = new OutboxDispatcher(store, options.notifier ?? createNotifier(config, logger), logger, options.dispatcher);
  dispatcher.start();
  const d = dispatcher;
  const certificates = new SigningCertificates(config.certsDir);
  const mandates = new MandateStore(db, keys);
  const overviewDeps = { store, keys, audit, hashIdentifier, maxCriteria: config.limits.maxCriteria, consent: config.caseConsent };
  const pushDeps = { store, audit, hashIdentifier, certificates, consent: config.caseConsent };
  return {
    keys,
    store,
    dispatcher: d,
    push: createPushCaseStatusV1Handler(pushDeps),
    pushV2: createPushCaseStatusV2Handler(pushDeps),
    overview: createGetCaseOverviewV1Handler(overviewDeps),
    overviewV2: createGetCaseOverviewV2Handler(overviewDeps),
    mandates,
    updateMandate: createUpdateMandateHandler({ db, keys, audit, hashIdentifier, maxCriteria: config.limits.maxCriteria }),
    getMandates: createGetMandatesHandler({ mandates, keys, audit, hashIdentifier }),
    updateConsent: createUpdateCaseOverviewConsentHandler({ db, keys, audit, hashIdentifier }),
    reload() {
      certificates.clear();
    },
    async close() {
      await store.drain();
      await d.stop();
    },
  };
}
