/**
 * Case-hub maintenance against a serving producer: key rotation re-encrypts every row while reads go
 * on, and `npm run purge` (the CLI, in its own process) deletes only CLOSED cases past retention, with
 * audit entries.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { rotateCaseKeys } from '../src/caseoverview/maintenance.js';
import { AuditTrail, verifyAuditChain } from '../src/storage/audit.js';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';
import { giveConsent } from './helpers/consent.js';
import { OVERVIEW_ACTION, PUSH_ACTION, identityNumber, overviewEnvelope, pathOf, pushEnvelope, texts, type CaseFields } from './helpers/case-envelopes.js';
import { runEntry, type ToolRun } from './helpers/run-tool.js';

/** What `npm run purge` runs (the built CLI under npm test). */
const runPurge = (env: Record<string, string>): Promise<ToolRun> => runEntry('src/caseoverview/purge-cli.ts', [], env);

describe('case hub maintenance [sqlite]', () => {
  let t: TestApp;
  const subject = identityNumber('19620228', 415);
  const push = async (f: CaseFields) => texts((await t.post('case-system', pathOf('PushCaseStatus'), PUSH_ACTION, pushEnvelope(f))).body, 'outcome')[0];
  const caseIds = async () => {
    const r = await t.post('case-view', pathOf('GetCaseOverview'), OVERVIEW_ACTION, overviewEnvelope({ subject }));
    assert.deepEqual(texts(r.body, 'resultCode'), ['OK'], r.body);
    return texts(r.body, 'caseId').sort();
  };
  const keyIds = async () => {
    const rows: Array<{ key_id: string }> = await t.db.read((m) =>
      m.query('SELECT key_id FROM case_record UNION SELECT key_id FROM case_history UNION SELECT key_id FROM case_outbox'),
    );
    return rows.map((r) => r.key_id).sort();
  };

  before(async () => {
    t = await startTestApp({ PRODUCER_DEMO_DATA: 'false' });
    await giveConsent(t.db, t.config.keysFile, subject); // consent is required by default
    const recent = new Date(Date.now() - 60_000).toISOString();
    assert.equal(await push({ caseId: 'old-closed', subject, caseCreated: '2024-01-01T00:00:00Z', caseUpdated: '2024-01-01T00:00:00Z' }), 'CREATED');
    assert.equal(await push({ caseId: 'old-closed', subject, caseCreated: '2024-01-01T00:00:00Z', caseUpdated: '2024-02-01T00:00:00Z', status: 'CLOSED' }), 'UPDATED');
    assert.equal(await push({ caseId: 'old-open', subject, caseCreated: '2024-01-01T00:00:00Z', caseUpdated: '2024-02-01T00:00:00Z', status: 'IN_PROGRESS' }), 'CREATED');
    assert.equal(await push({ caseId: 'recent-closed', subject, caseUpdated: recent, status: 'CLOSED' }), 'CREATED');
  });
  after(async () => {
    await t?.close();
  });

  it('keys:rotate re-encrypts every row under a new key while reads keep working', async () => {
    const before = await keyIds();
    assert.equal(before.length, 1);
    const audit = new AuditTrail(t.db, { keysFile: t.config.keysFile });
    let reads = 0;
    let rotating = true;
    const reader = (async () => {
      while (rotating) {
        assert.deepEqual(await caseIds(), ['old-closed', 'old-open', 'recent-closed']);
        reads++;
      }
    })();
    const r = await rotateCaseKeys(t.db, t.config.keysFile, audit, { graceMs: 200, batch: 2 });
    rotating = false;
    await reader;
    await audit.close();
    assert.ok(reads > 0);
    assert.notEqual(r.keyId, before[0]);
    assert.ok(r.reencrypted >= 3 + 4 + 3, `${r.reencrypted} rows`); // cases, history entries, notifications
    assert.deepEqual(await keyIds(), [r.keyId]);
    const file = JSON.parse(fs.readFileSync(t.config.keysFile, 'utf8')) as { current: string; encryptionKeys: Record<string, unknown> };
    assert.equal(file.current, r.keyId);
    assert.deepEqual(Object.keys(file.encryptionKeys).sort(), [before[0], r.keyId].sort(), 'the old key stays for decryption');
    assert.deepEqual(await caseIds(), ['old-closed', 'old-open', 'recent-closed']);
  });

  it('purge deletes only CLOSED cases past retention, and audits each deletion', async () => {
    const env = { PRODUCER_DATA_DIR: t.config.dataDir, PRODUCER_CERTS_DIR: t.certsDir, PRODUCER_DEMO_DATA: 'false' };
    const keep = await runPurge(env);
    assert.equal(keep.code, 0, keep.stderr);
    assert.match(keep.stdout, /every case is kept/);
    assert.deepEqual(await caseIds(), ['old-closed', 'old-open', 'recent-closed']);

    const run = await runPurge({ ...env, PRODUCER_CASE_RETENTION_DAYS: '30' });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /purged 1 closed cases/);
    assert.deepEqual(await caseIds(), ['old-open', 'recent-closed']);
    const history: Array<{ n: number }> = await t.db.read((m) =>
      m.query("SELECT COUNT(*) AS n FROM case_history h JOIN case_record c ON c.id = h.case_row_id WHERE c.case_id = 'old-closed'"),
    );
    assert.equal(Number(history[0]!.n), 0);
    const audits: Array<{ criteria: string }> = await t.db.read((m) => m.query("SELECT criteria FROM audit_entry WHERE action = 'purge'"));
    assert.equal(audits.length, 1);
    assert.match(audits[0]!.criteria, /"caseId":"old-closed"/);
    assert.equal((await verifyAuditChain(t.db, { keysFile: t.config.keysFile })).ok, true);
  });
});
