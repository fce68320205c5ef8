/**
 * Crash consistency (docs/design.md#durability, #reliability): the producer in its own process (what `npm start` runs), under
 * concurrent PushCaseStatus load, is killed with SIGKILL and restarted on the same SQLite files, and then every acknowledged push must be there, and no case half-written:
 * each case's history holds exactly revisions 1..revision, and the audit chain is intact.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { pino } from 'pino';
import { verifyAuditChain } from '../src/storage/audit.js';
import { SCHEMA } from '../src/schema.js';
import { openDatabase } from '../src/storage/database.js';
import { findProjectRoot } from '../src/project-root.js';
import { makePki } from './fixtures/pki.js';
import { httpsCall } from './helpers/https-call.js';
import { entryArgs } from './helpers/run-tool.js';
import { freePort, waitReady } from './helpers/spawned-producer.js';
import { giveConsent } from './helpers/consent.js';
import { OVERVIEW_ACTION, PUSH_ACTION, identityNumber, overviewEnvelope, pathOf, pushEnvelope, texts } from './helpers/case-envelopes.js';

const root = findProjectRoot();

test('kill -9 under push load loses no acknowledged push and leaves no half-written case', { timeout: 60_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-crash-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const certs = await makePki(path.join(dir, 'certs'));
  const [port, adminPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PRODUCER_PORT: String(port),
    PRODUCER_HOST: '127.0.0.1',
    PRODUCER_ADMIN_PORT: String(adminPort),
    PRODUCER_DATA_DIR: path.join(dir, 'data'),
    PRODUCER_CERTS_DIR: certs,
    PRODUCER_DEMO_DATA: 'false',
    PRODUCER_LOG_LEVEL: 'warn',
    // Durability, not consent: with consent required the restart would erase these persons' cases (docs/hub-people.md#before-the-upgrade).
    PRODUCER_CASE_CONSENT: 'off',
  };
  delete env.DATABASE_URL;
  delete env.PRODUCER_CONFIG;
  const start = async () => {
    const child = spawn(process.execPath, entryArgs('src/main.ts'), { cwd: root, env, stdio: 'ignore' });
    t.after(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await waitReady(`http://127.0.0.1:${adminPort}/health/ready`, child);
    return child;
  };

  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 16,
    key: fs.readFileSync(path.join(certs, 'case-system.key')),
    cert: fs.readFileSync(path.join(certs, 'case-system.crt')),
    ca: fs.readFileSync(path.join(certs, 'ca.crt')),
  });
  const viewAgent = new https.Agent({
    key: fs.readFileSync(path.join(certs, 'case-view.key')),
    cert: fs.readFileSync(path.join(certs, 'case-view.crt')),
    ca: fs.readFileSync(path.join(certs, 'ca.crt')),
  });
  t.after(() => {
    agent.destroy();
    viewAgent.destroy();
  });
  const post = async (a: https.Agent, op: 'PushCaseStatus' | 'GetCaseOverview', body: string): Promise<string> => {
    const r = await httpsCall(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path: pathOf(op),
        method: 'POST',
        agent: a,
        headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${op === 'PushCaseStatus' ? PUSH_ACTION : OVERVIEW_ACTION}"` },
      },
      body,
    );
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
    return r.body;
  };

  let child = await start();
  const subjects = Array.from({ length: 4 }, (_, i) => identityNumber('19750605', 300 + i));
  // Consent is required by default: the persons pushed for have given it (written beside the running producer).
  const consentDb = await openDatabase({ dataDir: path.join(dir, 'data'), databaseUrl: undefined }, pino({ level: 'silent' }), { ...SCHEMA, migrate: false });
  await giveConsent(consentDb, path.join(dir, 'data', 'keys.json'), ...subjects);
  await consentDb.close();
  const statuses = ['RECEIVED', 'IN_PROGRESS', 'ACTION_REQUIRED', 'CLOSED'] as const;
  /** caseId → the latest acknowledged caseUpdated and revision. */
  const acked = new Map<string, { caseUpdated: string; revision: number; subject: string }>();
  let stop = false;
  const worker = async (w: number) => {
    for (let c = 0; !stop; c++) {
      const caseId = `crash-${w}-${c}`;
      const subject = subjects[(w + c) % subjects.length]!;
      for (let step = 0; step < 4 && !stop; step++) {
        const caseUpdated = new Date(Date.UTC(2025, 0, 1, 0, step)).toISOString();
        let body: string;
        try {
          body = await post(agent, 'PushCaseStatus', pushEnvelope({ caseId, subject, status: statuses[step], caseUpdated, caseCreated: '2025-01-01T00:00:00Z' }));
        } catch {
          return; // the server is gone: this push was never acknowledged
        }
        assert.deepEqual(texts(body, 'resultCode'), ['OK'], body);
        assert.deepEqual(texts(body, 'outcome'), [step === 0 ? 'CREATED' : 'UPDATED'], body);
        acked.set(caseId, { caseUpdated, revision: Number(texts(body, 'revision')[0]), subject });
      }
    }
  };
  const workers = Array.from({ length: 16 }, (_, w) => worker(w));
  // Kill once a fair amount of load has been acknowledged (a count, not a time).
  while (acked.size < 150 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  stop = true;
  await Promise.all(workers);
  await new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  const acknowledged = new Map(acked);
  assert.ok(acknowledged.size >= 150);

  child = await start();
  const found = new Map<string, { caseUpdated: string; history: string[] }>();
  for (const subject of subjects) {
    const body = await post(viewAgent, 'GetCaseOverview', overviewEnvelope({ subject }));
    // Each <case> holds its caseId, its current caseUpdated and then its history's caseUpdated values.
    for (const block of body.split(/<(?:\w+:)?case>/).slice(1)) {
      const [current, ...history] = texts(block, 'caseUpdated');
      found.set(texts(block, 'caseId')[0]!, { caseUpdated: current!, history });
    }
  }
  for (const [caseId, a] of acknowledged) {
    const f = found.get(caseId);
    assert.ok(f, `acknowledged case ${caseId} survived`);
    assert.ok(f.caseUpdated >= a.caseUpdated, `${caseId}: acknowledged update ${a.caseUpdated} present`);
    assert.ok(f.history.includes(a.caseUpdated), `${caseId}: acknowledged update in its history`);
  }
  child.kill('SIGTERM');
  await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));

  const db = await openDatabase({ dataDir: path.join(dir, 'data'), databaseUrl: undefined }, pino({ level: 'silent' }), { ...SCHEMA, migrate: false });
  try {
    const rows: Array<{ revision: number; n: number; lo: number; hi: number }> = await db.read((m) =>
      m.query('SELECT c.revision AS revision, COUNT(h.id) AS n, MIN(h.revision) AS lo, MAX(h.revision) AS hi FROM case_record c LEFT JOIN case_history h ON h.case_row_id = c.id GROUP BY c.id, c.revision'),
    );
    assert.ok(rows.length >= acknowledged.size);
    for (const r of rows) assert.deepEqual([Number(r.n), Number(r.lo), Number(r.hi)], [Number(r.revision), 1, Number(r.revision)], 'history matches the revision');
    assert.equal((await verifyAuditChain(db, { keysFile: path.join(dir, 'data', 'keys.json') })).ok, true);
  } finally {
    await db.close();
  }
});
