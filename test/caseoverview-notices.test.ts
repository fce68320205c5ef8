/**
 * Notices per recipient (docs/hub-people.md#notices), end to end on both engines with a webhook receiver: one
 * outbox row per recipient (the subject, and each representative whose mandate in effect covers the case and asks
 * for notices), `recipient` beside `subject` in the JSON, and a representative's notice skipped at delivery when
 * its mandate was revoked after the push.
 */
import http from 'node:http';
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { CaseKeyRing } from '../src/caseoverview/keys.js';
import { MandateStore, type MandateInput } from '../src/caseoverview/mandate-store.js';
import type { TestApp } from './helpers/app-fixture.js';
import { forEachHubEngine } from './helpers/hub-app.js';
import { PUSH_ACTION_V2, identityNumber, pathOf, pushEnvelope, texts, type CaseFields } from './helpers/case-envelopes.js';
import { eventually } from './helpers/eventually.js';

interface Received {
  readonly body: Record<string, unknown>;
  readonly status: number;
}

/** A local webhook receiver that answers 503 while `failing` is set, else 204. */
async function webhook() {
  const received: Received[] = [];
  const state = { failing: false };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = state.failing ? 503 : 204;
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/notify`,
    received,
    state,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const MUNICIPALITY = '2120000142';
const OTHER_ORG = '2021005489';
const REP_A = identityNumber('19700101', 11);
const REP_B = identityNumber('19700101', 29);
const REP_C = identityNumber('19700101', 37);

forEachHubEngine('notices per recipient', (start) => {
  let t: TestApp;
  let hook: Awaited<ReturnType<typeof webhook>>;
  let mandates: MandateStore;
  before(async () => {
    hook = await webhook();
    t = await start({ PRODUCER_NOTIFIER: 'webhook', PRODUCER_WEBHOOK_URL: hook.url });
    mandates = new MandateStore(t.db, new CaseKeyRing(t.config.keysFile));
  });
  after(async () => {
    await t?.close();
    await hook?.close();
  });

  const mandate = (m: Partial<MandateInput> & Pick<MandateInput, 'mandateId' | 'representative'>): MandateInput => ({
    grantor: { kind: 'organisationNumber', id: MUNICIPALITY },
    role: 'OMBUD',
    validFrom: new Date(Date.now() - 86_400_000).toISOString(),
    validTo: new Date(Date.now() + 86_400_000).toISOString(),
    notifyRepresentative: true,
    ...m,
  });
  const push = async (f: CaseFields) => {
    const r = await t.post('case-system', pathOf('PushCaseStatus', 2), PUSH_ACTION_V2, pushEnvelope(f, 2));
    assert.equal(texts(r.body, 'resultCode')[0], 'OK', r.body);
  };
  const outbox = async (): Promise<Array<{ recipient_kind: string; recipient_hash: string | null; delivered_at: string | null; last_error: string | null }>> =>
    t.db.read((m) => m.query('SELECT recipient_kind, recipient_hash, delivered_at, last_error FROM case_outbox ORDER BY id'));
  const ok = () => hook.received.filter((r) => r.status === 204).map((r) => r.body);

  it('one row per recipient: the subject and each covering representative who asked for notices', async () => {
    await mandates.register(mandate({ mandateId: 'n-a', representative: REP_A, scope: { senderOrganisationNumber: ['5599999991'] } }));
    await mandates.register(mandate({ mandateId: 'n-a2', representative: REP_A, role: 'REPORTER', scope: { category: ['Tillsyn'] } })); // same person: one notice
    await mandates.register(mandate({ mandateId: 'n-b', representative: REP_B, scope: { senderOrganisationNumber: ['5599999992'] } })); // does not cover
    await mandates.register(mandate({ mandateId: 'n-c', representative: REP_C, notifyRepresentative: false })); // covers, did not ask
    await push({ caseId: 'n-1', subject: MUNICIPALITY, subjectKind: 'organisationNumber', caseUpdated: '2025-03-18T08:00:00Z', category: 'Tillsyn', title: 'Secret title' });

    const rows = await outbox();
    assert.deepEqual(rows.map((r) => r.recipient_kind), ['subject', 'representative']);
    assert.equal(rows[0]!.recipient_hash, null);
    assert.equal(rows[1]!.recipient_hash, new CaseKeyRing(t.config.keysFile).subjectHash(REP_A));

    await eventually(() => ok().length === 2, 'two deliveries');
    const bodies = ok();
    assert.equal(new Set(bodies.map((b) => b.notificationId)).size, 2, 'each its own notificationId');
    assert.deepEqual(
      bodies.map((b) => b.recipient).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
      [{ organisationNumber: MUNICIPALITY }, { personalIdentityNumber: REP_A }],
    );
    for (const b of bodies) {
      assert.deepEqual(Object.keys(b).sort(), ['createdAt', 'notificationId', 'recipient', 'senderOrganisation', 'subject']);
      assert.deepEqual(b.subject, { organisationNumber: MUNICIPALITY });
      assert.doesNotMatch(JSON.stringify(b), /Secret title|Tillsyn|n-1/);
    }
  });

  it('skips a representative notice whose mandate was revoked before delivery, and marks it so', async () => {
    await mandates.register(mandate({ mandateId: 'n-d', representative: REP_B, grantor: { kind: 'organisationNumber', id: OTHER_ORG } }));
    const before = hook.received.length;
    hook.state.failing = true;
    await push({ caseId: 'n-2', subject: OTHER_ORG, subjectKind: 'organisationNumber', caseUpdated: '2025-03-18T08:00:00Z' });
    await eventually(() => hook.received.length >= before + 2, 'a first, failed attempt of both notices');
    assert.equal(await mandates.revoke('n-d'), 'REVOKED');
    hook.state.failing = false;

    await eventually(async () => (await outbox()).every((r) => r.delivered_at !== null), 'the outbox closed');
    const rows = (await outbox()).slice(-2);
    assert.deepEqual(rows.map((r) => [r.recipient_kind, r.last_error?.startsWith('skipped') ?? false]), [['subject', false], ['representative', true]]);
    const after = hook.received.slice(before).filter((r) => r.status === 204).map((r) => r.body.recipient);
    assert.deepEqual(after, [{ organisationNumber: OTHER_ORG }], 'only the subject was told');
    assert.equal((await t.app.db.read((m) => m.query("SELECT COUNT(*) AS n FROM case_outbox WHERE last_error LIKE 'skipped%'")))[0].n == 1, true);
  });
});
