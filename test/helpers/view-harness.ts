/**
 * "The hub" and the case view started together for the view's tests: the hub (the producer itself, in
 * process, with its demo data), the view in-process on its own port with its log lines captured, and a
 * case system that pushes through PushCaseStatus 2 over mutual TLS with the case-system certificate.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { getMandatesContract, pushCaseStatusV2Contract } from '../../contracts/index.js';
import type { CaseStatusType, MandateInEffectType } from '../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import type { PushCaseStatusResponseType } from '../../contracts/casemanagement/caseoverview/PushCaseStatusInteraction_2.js';
import { rolePaths } from '../../certs/dev-pki.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { SoapClient } from '../../src/soap/consumer.js';
import type { ViewAppOptions } from '../../src/view/app.js';
import { startView, type RunningView } from '../../src/view/main.js';
import { startTestApp } from './app-fixture.js';


/** What a view test needs of the hub. */
interface HubUnderTest {
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

/** The real application as the hub (in-process, SQLite, demo data), delivering notices to the view. */
async function startHub(o: StartHubOptions): Promise<HubUnderTest> {
  const t = await startTestApp({
    PRODUCER_CERTS_DIR: o.certsDir,
    PRODUCER_DATA_DIR: o.dataDir,
    PRODUCER_NOTIFIER: 'webhook',
    PRODUCER_WEBHOOK_URL: o.webhookUrl,
    PRODUCER_WEBHOOK_SECRET: o.webhookSecret,
  });
  return { url: `https://localhost:${t.port}`, logicalAddress: t.config.logicalAddresses[0]!, close: () => t.close() };
}

/** A port free now (the hub must know the view's webhook URL before the view starts). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface ViewHarness {
  readonly hub: HubUnderTest;
  readonly view: RunningView;
  /** The view's base URL (https://127.0.0.1:<port>). */
  readonly url: string;
  readonly certsDir: string;
  readonly webhookSecret: string;
  /** Every log line the view wrote, as text. */
  readonly logLines: string[];
  /** PushCaseStatus 2 as case-system. */
  push(caseStatus: CaseStatusType): Promise<PushCaseStatusResponseType>;
  /** GetMandates as case-view (to learn the demo child's number, as the view does). */
  mandatesOf(representative: string): Promise<MandateInEffectType[]>;
  close(): Promise<void>;
}

function clientFor(role: 'case-system' | 'case-view', certsDir: string, hub: HubUnderTest): { client: SoapClient; agent: https.Agent } {
  const files = rolePaths(certsDir, role);
  const agent = new https.Agent({ keepAlive: true, key: fs.readFileSync(files.key), cert: fs.readFileSync(files.cert), ca: fs.readFileSync(path.join(certsDir, 'ca.crt')) });
  return { client: new SoapClient({ baseUrl: hub.url, agent, logicalAddress: hub.logicalAddress }), agent };
}

export async function startViewWithHub(certsDir: string, options: { view?: Partial<ViewAppOptions> } = {}): Promise<ViewHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-view-'));
  const webhookSecret = crypto.randomBytes(32).toString('hex');
  const port = await freePort();
  const hub = await startHub({
    certsDir,
    dataDir: path.join(dir, 'hub-data'),
    webhookUrl: `https://127.0.0.1:${port}/webhook`,
    webhookSecret,
  });
  const config = loadConfig({
    PRODUCER_CERTS_DIR: certsDir,
    PRODUCER_DATA_DIR: path.join(dir, 'view-data'),
    VIEW_HOST: '127.0.0.1',
    VIEW_PORT: String(port),
    VIEW_PRODUCER_URL: hub.url,
    VIEW_LOGICAL_ADDRESS: hub.logicalAddress,
    VIEW_WEBHOOK_SECRET: webhookSecret,
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const view = await startView(config, createLogger('info', sink), options.view);
  const system = clientFor('case-system', certsDir, hub);
  const viewer = clientFor('case-view', certsDir, hub);
  return {
    hub,
    view,
    url: `https://127.0.0.1:${port}`,
    certsDir,
    webhookSecret,
    logLines,
    push: (caseStatus) => system.client.call(pushCaseStatusV2Contract, 'PushCaseStatus', { caseStatus }),
    async mandatesOf(representative) {
      return (await viewer.client.call(getMandatesContract, 'GetMandates', { representative })).mandate ?? [];
    },
    async close() {
      system.agent.destroy();
      viewer.agent.destroy();
      await view.close();
      await hub.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A case as case-system (sender 5599999991) sends it; `at` makes caseUpdated (and the other times). */
export function sampleCase(subject: CaseStatusType['subject'], caseId: string, title: string, at: Date, extra: Partial<CaseStatusType> = {}): CaseStatusType {
  const t = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    caseId,
    subject,
    senderOrganisation: { organisationNumber: '5599999991', name: 'Testkommunen, samhällsbyggnadsförvaltningen' },
    title,
    status: 'RECEIVED',
    statusDate: t,
    caseCreated: t,
    caseUpdated: t,
    ...extra,
  };
}
