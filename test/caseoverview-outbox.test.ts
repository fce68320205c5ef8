/**
 * Case-hub notifications (docs/design.md#outbox, #scale-out): the outbox written with each push, delivered by the webhook
 * notifier at least once through failures (same notificationId on every retry), the log notifier's
 * privacy, and — on PostgreSQL — two producer instances sharing one database: push through one, read
 * through the other, every change delivered exactly once.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DataSource } from 'typeorm';
import { createLogger } from '../src/log.js';
import { logNotifier } from '../src/caseoverview/notifier.js';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';
import { hasPostgres } from './helpers/engines.js';
import { giveConsent } from './helpers/consent.js';
import { OVERVIEW_ACTION, PUSH_ACTION, identityNumber, overviewEnvelope, pathOf, pushEnvelope, texts, type CaseFields } from './helpers/case-envelopes.js';
import { eventually } from './helpers/eventually.js';

interface Received {
  readonly body: Record<string, unknown>;
  readonly status: number;
}

/** A local webhook receiver; `failFirst` requests get 503, the rest 204. */
async function webhook(failFirst: number): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = received.length < failFirst ? 503 : 204;
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const delivered = (rs: readonly Received[]) => rs.filter((r) => r.status === 204).map((r) => String(r.body.notificationId));

describe('case hub outbox and webhook [sqlite]', () => {
  let t: TestApp;
  let hook: Awaited<ReturnType<typeof webhook>>;
  const subject = identityNumber('19900315', 271);

  before(async () => {
    hook = await webhook(3);
    t = await startTestApp({ PRODUCER_DEMO_DATA: 'false', PRODUCER_NOTIFIER: 'webhook', PRODUCER_WEBHOOK_URL: hook.url });
    await giveConsent(t.db, t.config.keysFile, subject);
  });
  after(async () => {
    await t?.close();
    await hook?.close();
  });

  it('delivers each new case and status change once the failing webhook recovers, with a stable notificationId and no case content', async () => {
    const push = (f: CaseFields) => t.post('case-system', pathOf('PushCaseStatus'), PUSH_ACTION, pushEnvelope(f));
    const base: CaseFields = { caseId: 'hook-1', subject, caseUpdated: '2025-03-18T08:00:00Z', title: 'Secret title' };
    const expectOutcome = async (f: CaseFields, outcome: string) => assert.deepEqual(texts((await push(f)).body, 'outcome'), [outcome]);
    await expectOutcome(base, 'CREATED'); // notification 1
    await expectOutcome({ ...base, caseUpdated: '2025-03-18T09:00:00Z', freeText: 'more' }, 'UPDATED'); // same status: none
    await expectOutcome({ ...base, caseUpdated: '2025-03-18T10:00:00Z', status: 'IN_PROGRESS' }, 'UPDATED'); // notification 2
    await expectOutcome({ ...base, caseUpdated: '2025-03-18T11:00:00Z', status: 'CLOSED', notify: false }, 'UPDATED'); // notify=false: none
    await expectOutcome({ ...base, caseId: 'hook-2', caseUpdated: '2025-03-18T08:00:00Z' }, 'CREATED'); // notification 3

    await eventually(() => new Set(delivered(hook.received)).size === 3, 'three deliveries');
    await eventually(async () => (await t.app.db.read((m) => m.query("SELECT COUNT(*) AS n FROM case_outbox WHERE delivered_at IS NULL")))[0].n === 0, 'an empty outbox');

    const ok = delivered(hook.received);
    assert.equal(ok.length, 3, 'each change delivered once');
    assert.equal(hook.received.filter((r) => r.status === 503).length, 3);
    for (const failed of hook.received.filter((r) => r.status === 503)) {
      assert.ok(ok.includes(String(failed.body.notificationId)), 'a retry carries the notificationId of the failed attempt');
    }
    for (const r of hook.received) {
      assert.deepEqual(Object.keys(r.body).sort(), ['createdAt', 'notificationId', 'recipient', 'senderOrganisation', 'subject']);
      assert.deepEqual(r.body.subject, { personalIdentityNumber: subject });
      assert.deepEqual(r.body.recipient, { personalIdentityNumber: subject }, 'no representative: the subject is the recipient');
      assert.doesNotMatch(JSON.stringify(r.body), /Secret title|IN_PROGRESS|hook-1/);
    }
    const rows: Array<{ attempts: number; last_error: string | null }> = await t.db.read((m) => m.query('SELECT attempts, last_error FROM case_outbox ORDER BY id'));
    assert.equal(rows.reduce((s, r) => s + Number(r.attempts), 0), 3);
    assert.ok(rows.some((r) => r.last_error === 'webhook answered HTTP 503'));
  });
});

describe('case hub log notifier', () => {
  it('logs the notificationId, a masked subject and a masked recipient, never an identity number', async () => {
    const representative = identityNumber('19700101', 11);
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const subject = identityNumber('19900315', 271);
    await logNotifier(createLogger('info', sink)).deliver({
      notificationId: '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b',
      subject: { personalIdentityNumber: subject },
      recipient: { personalIdentityNumber: representative },
      senderOrganisation: { organisationNumber: '5599999991', name: 'Testkommunen' },
      createdAt: new Date().toISOString(),
    });
    const line = JSON.parse(lines.join('')) as Record<string, unknown>;
    assert.equal(line.notificationId, '6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b');
    assert.equal(line.subjectMasked, '*'.repeat(10) + subject.slice(-2));
    assert.equal(line.recipientMasked, '*'.repeat(10) + representative.slice(-2));
    assert.ok(!lines.join('').includes(subject));
    assert.ok(!lines.join('').includes(representative));
  });
});

describe('case hub: two instances on one PostgreSQL', { skip: !hasPostgres() && process.env.CI !== 'true' ? 'TEST_DATABASE_URL not set' : false }, () => {
  const url = process.env.TEST_DATABASE_URL;
  const schema = `t_case_${randomBytes(5).toString('hex')}`;
  const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-case-pg-'));
  let a: TestApp;
  let b: TestApp;
  const subjects = Array.from({ length: 6 }, (_, i) => identityNumber('19800101', 100 + i));
  let hook: Awaited<ReturnType<typeof webhook>>;

  before(async () => {
    assert.ok(url, 'CI=true requires TEST_DATABASE_URL');
    const admin = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
    await admin.initialize();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.destroy();
    hook = await webhook(0);
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    // One database, one keys file, one audit key: what several instances of one deployment share.
    const env = {
      PRODUCER_DEMO_DATA: 'false',
      DATABASE_URL: u.toString(),
      PRODUCER_KEYS_FILE: path.join(shared, 'keys.json'),
      PRODUCER_AUDIT_HMAC_KEY: randomBytes(32).toString('hex'),
      PRODUCER_NOTIFIER: 'webhook',
      PRODUCER_WEBHOOK_URL: hook.url,
    };
    a = await startTestApp(env);
    b = await startTestApp(env);
    await giveConsent(a.db, a.config.keysFile, ...subjects);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await hook?.close();
    if (url) {
      const admin = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
      await admin.initialize();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.destroy();
    }
    fs.rmSync(shared, { recursive: true, force: true });
  });

  it('pushes through one, reads through the other, and delivers every change exactly once', async () => {
    const pushes: Promise<string[]>[] = [];
    let expected = 0;
    for (let i = 0; i < 24; i++) {
      const via = i % 2 === 0 ? a : b;
      const f: CaseFields = { caseId: `pg-${i}`, subject: subjects[i % subjects.length]!, caseUpdated: '2025-03-18T08:00:00Z' };
      expected += 2; // created, then a status change
      pushes.push(
        via
          .post('case-system', pathOf('PushCaseStatus'), PUSH_ACTION, pushEnvelope(f))
          .then(async (r) => [
            ...texts(r.body, 'outcome'),
            ...texts((await via.post('case-system', pathOf('PushCaseStatus'), PUSH_ACTION, pushEnvelope({ ...f, status: 'IN_PROGRESS', caseUpdated: '2025-03-19T08:00:00Z' }))).body, 'outcome'),
          ]),
      );
    }
    for (const outcomes of await Promise.all(pushes)) assert.deepEqual(outcomes, ['CREATED', 'UPDATED']);

    // Read each subject through the instance that did NOT write half of its cases.
    for (const [i, s] of subjects.entries()) {
      const r = await (i % 2 === 0 ? b : a).post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject: s }));
      assert.equal(r.status, 200, r.body);
      assert.equal(texts(r.body, 'caseId').length, 4);
      assert.deepEqual([...new Set(texts(r.body, 'status'))], ['IN_PROGRESS', 'RECEIVED']);
    }

    await eventually(() => hook.received.length >= expected, `${expected} deliveries`);
    // Give both dispatchers more rounds: nothing may come twice.
    await new Promise((r) => setTimeout(r, 1500));
    const ids = hook.received.map((r) => String(r.body.notificationId));
    assert.equal(ids.length, expected);
    assert.equal(new Set(ids).size, expected, 'no notification delivered twice');
  });
});
