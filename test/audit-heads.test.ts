/**
 * The audit chain head published outside the database (docs/audit.md): at every 1,000th entry, by the
 * timer, as the producer's log line and metric, and read back by `npm run audit:verify -- --heads`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { prepare, startApplication, type Application } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { AuditTrail, type AuditHead } from '../src/storage/audit.js';
import { auditEntry, chainRows, newAuditKeysFile, tamper } from './helpers/audit-chain.js';
import { forEachEngine } from './helpers/engines.js';
import { runEntry } from './helpers/run-tool.js';
import { makePki } from './fixtures/pki.js';

async function until(what: string, ok: () => boolean, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!ok()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

forEachEngine('audit chain head publication', (engine) => {
  it('publishes the entry at every 1,000th seq, with the hash the chain holds', async () => {
    const { db } = await engine.open();
    const published: AuditHead[] = [];
    const pollMs = 10;
    // the timer would publish too; an hour keeps this test about the 1,000-entry rule
    const trail = new AuditTrail(db, { keysFile: newAuditKeysFile(), head: { publish: (h) => published.push(h), pollMs, intervalMs: 3_600_000 } });
    await until('the head at start', () => published.length === 1, 1000 * pollMs);
    assert.deepEqual(published[0], { seq: 0, hash: '0'.repeat(64), keyId: null });
    await Promise.all(Array.from({ length: 999 }, (_, i) => trail.append(auditEntry(i))));
    await new Promise((r) => setTimeout(r, 20 * pollMs));
    assert.equal(published.length, 1, 'nothing due before the 1,000th entry');
    await Promise.all(Array.from({ length: 1002 }, (_, i) => trail.append(auditEntry(i))));
    await until('the 1,000th and 2,000th entries', () => published.some((h) => h.seq === 2000), 1000 * pollMs);
    const rows = await chainRows(db);
    for (const seq of [1000, 2000]) {
      const h = published.find((p) => p.seq === seq);
      assert.deepEqual(h, { seq, hash: rows[seq - 1]!.hash, keyId: rows[seq - 1]!.keyId });
    }
    assert.ok(!published.some((h) => h.seq !== 0 && h.seq % 1000 !== 0), 'only milestones while the timer is not due');
    await trail.close();
    assert.deepEqual(published.at(-1), { seq: 2001, hash: rows[2000]!.hash, keyId: rows[2000]!.keyId }, 'the head at close');
  });

  it('publishes the head by the timer, with no new entries, not more often than the interval', async () => {
    const { db } = await engine.open();
    const published: Array<AuditHead & { at: number }> = [];
    const intervalMs = 100;
    const trail = new AuditTrail(db, { keysFile: newAuditKeysFile(), head: { publish: (h) => published.push({ ...h, at: Date.now() }), pollMs: 5, intervalMs } });
    for (let i = 0; i < 3; i++) await trail.append(auditEntry(i));
    await until('three timer publications of seq 3', () => published.filter((h) => h.seq === 3).length >= 3, 100 * intervalMs);
    await trail.close();
    const timed = published.filter((h) => h.seq === 3).slice(0, 3);
    for (let i = 1; i < timed.length; i++) assert.ok(timed[i]!.at - timed[i - 1]!.at >= intervalMs - 1, 'spaced by the interval');
  });
});

it('the producer logs and exports the head; audit:verify --heads reads its log and catches a cut-off tail', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-heads-'));
  const dataDir = path.join(dir, 'data');
  const config = loadConfig({
    PRODUCER_CERTS_DIR: await makePki(path.join(dir, 'certs')),
    PRODUCER_DATA_DIR: dataDir,
    PRODUCER_PORT: '0',
    PRODUCER_HOST: '127.0.0.1',
    PRODUCER_DEMO_DATA: 'false',
  });
  const lines: string[] = [];
  // warn: the head lines must still be written (they are the copy of the head outside the database)
  const logger = createLogger('warn', { write: (line: string) => void lines.push(line) });
  const db = await prepare(config, logger);
  let app: Application | undefined;
  try {
    app = await startApplication(config, logger, db);
    assert.match(await app.metrics.registry.metrics(), new RegExp(`audit_chain_head_info\\{seq="0",hash="${'0'.repeat(64)}",key_id=""\\} 1`));
    const other = new AuditTrail(db, { keysFile: config.keysFile }); // another process writing
    for (let i = 0; i < 5; i++) await other.append(auditEntry(i));
    await other.close();
    const closing = app;
    app = undefined;
    await closing.close(); // publishes the head (seq 5) a last time
    const rows = await chainRows(db);
    assert.match(await closing.metrics.registry.metrics(), new RegExp(`audit_chain_head_info\\{seq="5",hash="${rows[4]!.hash}",key_id="${rows[4]!.keyId}"\\} 1`));
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'audit chain head');
    assert.deepEqual(logged.at(-1), { ...logged.at(-1), seq: 5, hash: rows[4]!.hash, keyId: rows[4]!.keyId });

    const heads = path.join(dir, 'producer.log');
    fs.writeFileSync(heads, ['not json', '{"msg":"other"}', ...lines].join('\n'));
    const env = { PRODUCER_DATA_DIR: dataDir, PRODUCER_LOG_LEVEL: 'silent' };
    const intact = await runEntry('src/ops/audit-verify-cli.ts', ['--heads', heads], env);
    assert.equal(intact.code, 0, intact.stdout + intact.stderr);
    assert.match(intact.stdout, /audit chain intact: 5 entries/);
    await tamper(db, 'DELETE FROM audit_entry WHERE seq > 3', 'UPDATE audit_chain_head SET seq = 3, hash = (SELECT hash FROM audit_entry WHERE seq = 3) WHERE id = 1');
    const cut = await runEntry('src/ops/audit-verify-cli.ts', ['--heads', heads], env);
    assert.equal(cut.code, 1, cut.stdout + cut.stderr);
    assert.match(cut.stdout, /AUDIT CHAIN BROKEN at seq 4 \(missing-entry\)/);
  } finally {
    await app?.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
