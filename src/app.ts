/**
 * The composition root: opens storage, registers every contract with its handler object, and starts
 * the HTTPS producer and the admin port. `src/main.ts` decides between one process and a cluster.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  allContracts,
  getDecisionSupportContract,
  getCaseOverviewV1Contract,
  getCaseOverviewV2Contract,
  getDiagnosisContract,
  getMandatesContract,
  pingForConfigurationContract,
  pushCaseStatusV1Contract,
  pushCaseStatusV2Contract,
  searchPersonnelContract,
  updateCaseOverviewConsentContract,
  updateMandateContract,
} from '../contracts/index.js';
import { ensureDevPki } from '../certs/generate.js';
import type { Config } from './config.js';
import { createCaseHub } from './caseoverview/case-hub.js';
import { backfillCaseColumns } from './caseoverview/backfill.js';
import { eraseCasesWithoutConsent } from './caseoverview/start-erasure.js';
import { CaseKeyRing, ensureCaseKeys } from './caseoverview/keys.js';
import { isDemoCaseHubSeeded, seedDemoCaseHub } from './caseoverview/demo.js';
import { ensureWebhookSecretFile } from './caseoverview/webhook-signature.js';
import { createGetDecisionSupportHandler } from './insurancemedicine/get-decision-support.js';
import { createGetDiagnosisHandler } from './insurancemedicine/get-diagnosis.js';
import { FmbStore } from './insurancemedicine/fmb-store.js';
import { isDemoFmbLoaded, loadDemoFmb } from './insurancemedicine/demo.js';
import { resolveAccessProfiles } from './licensetopractice/access-profiles.js';
import { isDemoPersonnelLoaded, loadDemoPersonnel } from './licensetopractice/register-loader.js';
import { PersonnelStore } from './licensetopractice/personnel-store.js';
import { createSearchPersonnelHandler } from './licensetopractice/search-personnel.js';
import { createPingForConfigurationHandler } from './monitoring/ping-for-configuration.js';
import { Metrics } from './ops/metrics.js';
import { SCHEMA } from './schema.js';
import { AuditTrail, createIdentifierHasher, loadAuditHmacKey, type AuditHead } from './storage/audit.js';
import { ensureAuditKeys } from './storage/audit-keys.js';
import { HEAD_LOG_MESSAGE } from './storage/audit-verify.js';
import { openDatabase, type Database } from './storage/database.js';
import { createProducer, type Producer } from './transport/producer.js';
import { findProjectRoot } from './project-root.js';
import { ensurePrivateDir } from './private-files.js';


function packageVersion(root: string): string {
  return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * One-time preparation before any worker serves: development PKI, migrations, demo data.
 * Runs in the single process, or in the cluster primary before it forks.
 */
export async function prepare(config: Config, logger: Logger): Promise<Database> {
  const pki = await ensureDevPki(config.certsDir);
  if (pki.generated) logger.info({ certsDir: config.certsDir }, 'generated the development PKI');
  if (pki.added.length > 0) logger.info({ certsDir: config.certsDir, added: pki.added }, 'added missing certificates to the development PKI');
  ensurePrivateDir(config.dataDir, logger);
  if (ensureCaseKeys(config.keysFile)) logger.info({ keysFile: config.keysFile }, 'generated development case-hub keys');
  // The webhook's signing secret when none is configured; `npm run view` reads the same file (README, "The case view").
  if (ensureWebhookSecretFile(config.notifier.webhookSecretFile)) logger.info({ file: config.notifier.webhookSecretFile }, 'generated the development webhook secret');
  const db = await openDatabase(config, logger, SCHEMA);
  // Cases stored before the hub knew its people get their subject kind and scope columns (docs/hub-people.md).
  const caseKeys = new CaseKeyRing(config.keysFile);
  const classified = await backfillCaseColumns(db, caseKeys);
  if (classified > 0) logger.info({ cases: classified }, 'case hub: classified cases stored before the upgrade');
  // With consent required, no person's case is kept without active consent (docs/hub-people.md#before-the-upgrade).
  if (config.caseConsent === 'required') {
    if (ensureAuditKeys(config.keysFile)) logger.info({ keysFile: config.keysFile }, 'added an audit chain key to the keys file');
    const erased = await eraseCasesWithoutConsent(db, caseKeys, createIdentifierHasher(loadAuditHmacKey(config)));
    if (erased.cases > 0) logger.info(erased, 'case hub: erased the cases of persons without active consent');
  }
  if (config.demoData) {
    await loadDemoFmb(db);
    await loadDemoPersonnel(db);
  }
  return db;
}

export interface Application {
  readonly producer: Producer;
  readonly db: Database;
  readonly metrics: Metrics;
  /** True once the HTTPS port listens, the database answers and (when enabled) the demo data is loaded. */
  ready(): Promise<{ ready: boolean; checks: Record<string, boolean> }>;
  /**
   * Applies a re-read configuration without a restart (SIGHUP, POST /admin/reload): TAK, the consumer
   * registry and the TLS files, and the case hub reads the registered signing certificates afresh.
   * Throws, keeping the previous state, when a file cannot be read.
   */
  reload(next: Config): void;
  close(): Promise<void>;
}

/** Builds and starts the HTTPS producer on an already prepared database. */
export async function startApplication(config: Config, logger: Logger, db: Database): Promise<Application> {
  const root = findProjectRoot(); // holds wsdl/ and schemas/ (the contract root)
  const metrics = new Metrics();
  const producer = createProducer({ config, logger, contractRoot: root });
  if (ensureAuditKeys(config.keysFile)) logger.info({ keysFile: config.keysFile }, 'added an audit chain key to the keys file');
  const audit = new AuditTrail(db, { logger, keysFile: config.keysFile, head: { publish: auditHeadPublisher(logger, metrics) } });
  await audit.anchor();
  const hashIdentifier = createIdentifierHasher(loadAuditHmacKey(config));
  const fmb = new FmbStore(db);

  producer.addService(
    pingForConfigurationContract,
    createPingForConfigurationHandler({
      version: packageVersion(root),
      build: process.env.PRODUCER_BUILD ?? 'dev',
      startedAt: Date.now(),
      contractCount: () => producer.services.length,
      databaseReachable: () => db.ping(),
    }),
  );
  const { maxCriteria } = config.limits;
  producer.addService(getDiagnosisContract, createGetDiagnosisHandler(fmb, { maxCriteria }));
  producer.addService(getDecisionSupportContract, createGetDecisionSupportHandler(fmb, { maxCriteria }));
  producer.addService(
    searchPersonnelContract,
    createSearchPersonnelHandler({
      store: new PersonnelStore(db),
      profiles: resolveAccessProfiles(config.personnelAccessProfiles),
      audit,
      hashIdentifier,
      maxCriteria,
    }),
  );

  const caseHub = createCaseHub(config, logger, db, audit, hashIdentifier);
  producer.addService(pushCaseStatusV1Contract, caseHub.push); // deprecated (README, "Case hub")
  producer.addService(pushCaseStatusV2Contract, caseHub.pushV2);
  producer.addService(getCaseOverviewV1Contract, caseHub.overview); // deprecated (README, "Case hub")
  producer.addService(getCaseOverviewV2Contract, caseHub.overviewV2);
  producer.addService(updateMandateContract, caseHub.updateMandate);
  producer.addService(getMandatesContract, caseHub.getMandates);
  producer.addService(updateCaseOverviewConsentContract, caseHub.updateConsent);
  // The hub's demo data goes through its stores, so it needs them (and the audit trail): here, not in prepare().
  if (config.demoData) {
    const seeded = await seedDemoCaseHub({ db, keys: caseHub.keys, store: caseHub.store, mandates: caseHub.mandates, consent: config.caseConsent, hashIdentifier });
    logger.info({ consentGiven: seeded.consentGiven, mandatesRegistered: seeded.mandatesRegistered, pushes: seeded.pushes }, 'case hub: demo data checked');
  }

  producer.events.on('request', (o) => metrics.recordRequest(o));
  producer.events.on('tlsRefused', (r) => metrics.recordTlsRefusal(r.reason));
  producer.events.on('connectionDropped', (d) => metrics.recordConnectionDrop(d.reason));
  await producer.listen();

  const served = new Set(producer.services.map((s) => s.namespace)); // the name is shared by an interaction's majors
  const missing = allContracts.filter((c) => !served.has(c.namespace)).map((c) => `${c.name} ${c.major}.${c.minor}`);
  if (missing.length > 0) logger.warn({ contracts: missing }, 'contracts compiled but not served yet');

  return {
    producer,
    db,
    metrics,
    async ready() {
      const listening = producer.address() !== null;
      const database = await db.ping();
      const demo =
        !config.demoData ||
        (database && (await isDemoFmbLoaded(db)) && (await isDemoPersonnelLoaded(db)) && (await isDemoCaseHubSeeded(db, caseHub.keys, caseHub.mandates)));
      return { ready: listening && database && demo, checks: { listening, database, demoData: demo } };
    },
    reload(next) {
      producer.reload(next); // throws on an unreadable file, before anything below changes
      caseHub.reload();
    },
    async close() {
      await producer.close();
      await caseHub.close();
      await audit.close();
    },
  };
}

/**
 * Where the audit chain head goes outside the database (docs/audit.md): a log line, which
 * `npm run audit:verify -- --heads <log>` reads back, and a metric. Logged at info even when the configured
 * level is higher, since the lines are the external copy of the head; `silent` turns them off.
 */
function auditHeadPublisher(logger: Logger, metrics: Metrics): (head: AuditHead) => void {
  const log = logger.isLevelEnabled('info') || logger.level === 'silent' ? logger : logger.child({}, { level: 'info' });
  return (head) => {
    log.info({ seq: head.seq, hash: head.hash, keyId: head.keyId }, HEAD_LOG_MESSAGE);
    metrics.recordAuditHead(head);
  };
}

/** Every endpoint URL, for the start banner. */
export function endpointUrls(config: Config, producer: Producer): string[] {
  const port = producer.address()?.port ?? config.port;
  const base = config.publicUrl ?? `https://localhost:${port}`;
  return producer.services.map((s) => `${base}${s.path}?wsdl`);
}
