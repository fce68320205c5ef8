/**
 * The whole application (every registered service, demo data, SQLite or PostgreSQL) started
 * in-process on a free port over real mutual TLS, plus a raw mTLS SOAP poster. For end-to-end tests.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { prepare, startApplication, type Application } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import type { Database } from '../../src/storage/database.js';
import { makePki } from '../fixtures/pki.js';
import { httpsCall, type HttpsReply } from './https-call.js';

export type SoapReply = HttpsReply;

export interface TestApp {
  readonly config: Config;
  readonly app: Application;
  readonly db: Database;
  readonly port: number;
  readonly certsDir: string;
  /** POSTs an envelope as `role` (a dev PKI role, e.g. "journal-system") to `endpointPath`. */
  post(role: string, endpointPath: string, soapAction: string, envelope: string, headers?: Record<string, string>): Promise<SoapReply>;
  close(): Promise<void>;
}

/** `logDestination` receives the application's log lines (set PRODUCER_LOG_LEVEL in `env`; the default is silent). */
export async function startTestApp(env: Record<string, string> = {}, options: { logDestination?: DestinationStream } = {}): Promise<TestApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-app-'));
  const certsDir = await makePki(path.join(dir, 'certs'));
  const config = loadConfig({
    PRODUCER_CERTS_DIR: certsDir,
    PRODUCER_DATA_DIR: path.join(dir, 'data'),
    PRODUCER_PORT: '0',
    PRODUCER_HOST: '127.0.0.1',
    PRODUCER_LOG_LEVEL: 'silent',
    ...env,
  });
  const logger = createLogger(config.logLevel, options.logDestination);
  const db = await prepare(config, logger);
  const app = await startApplication(config, logger, db);
  const port = app.producer.address()!.port;
  const agents = new Map<string, https.Agent>();
  const agentFor = (role: string) => {
    let agent = agents.get(role);
    if (!agent) {
      agent = new https.Agent({
        keepAlive: true,
        key: fs.readFileSync(path.join(certsDir, `${role}.key`)),
        cert: fs.readFileSync(path.join(certsDir, `${role}.crt`)),
        ca: fs.readFileSync(path.join(certsDir, 'ca.crt')),
      });
      agents.set(role, agent);
    }
    return agent;
  };
  return {
    config,
    app,
    db,
    port,
    certsDir,
    post: (role, endpointPath, soapAction, envelope, headers = {}) =>
      httpsCall(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port,
          path: endpointPath,
          method: 'POST',
          agent: agentFor(role),
          headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${soapAction}"`, ...headers },
        },
        envelope,
      ),
    async close() {
      for (const a of agents.values()) a.destroy();
      await app.close();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
