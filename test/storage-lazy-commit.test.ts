/**
 * Writes whose commit need not be synced (WriteOptions.durable false, src/storage/database.ts): only the
 * outbox's bookkeeping uses them (a lost claim or delivery mark only means delivering again), so a push,
 * which is acknowledged, still commits synced. On SQLite such a group commits with synchronous=NORMAL and
 * the connection goes back to FULL after it; a group that holds any durable write commits FULL. On
 * PostgreSQL only that transaction gets synchronous_commit=off, and never an enclosing one.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import type { Database, WriteOptions } from '../src/storage/database.js';
import type { DbProgram } from '../src/storage/sqlite-thread.js';
import { CaseStore } from '../src/caseoverview/case-store.js';
import { CaseKeyRing, ensureCaseKeys } from '../src/caseoverview/keys.js';
import { ensureAuditKeys } from '../src/storage/audit-keys.js';
import { forEachEngine } from './helpers/engines.js';
import { HOLD, SYNC_SETTING } from './helpers/sync-setting-program.js';

forEachEngine('writes that need not be synced', (engine) => {
  const [durable, relaxed] = engine.engine === 'sqlite' ? ['2', '1'] : ['on', 'off'];

  it('commit unsynced only themselves; the next write is synced again', async () => {
    const { db } = await engine.open();
    assert.equal(await db.write(SYNC_SETTING, engine.engine), durable);
    assert.equal(await db.write(SYNC_SETTING, engine.engine, { durable: false }), relaxed);
    assert.equal(await db.write(SYNC_SETTING, engine.engine), durable);
    assert.equal(await db.write(SYNC_SETTING, engine.engine, { durable: true }), durable);
  });

  it('take the durability of a transaction they join', async () => {
    const { db } = await engine.open();
    const inner = await db.transaction(async () => {
      const seen = await db.write(SYNC_SETTING, engine.engine, { durable: false });
      return { seen, after: await db.write(SYNC_SETTING, engine.engine) };
    });
    assert.deepEqual(inner, { seen: durable, after: durable });
  });

  if (engine.engine === 'sqlite') {
    it('commit synced when they share a group with a durable write', async () => {
      const { db } = await engine.open();
      // While the first write holds the database thread, the next two queue and commit as one group.
      const held = db.write(HOLD, 200);
      await new Promise((r) => setTimeout(r, 50));
      const [lazy, synced] = await Promise.all([db.write(SYNC_SETTING, 'sqlite', { durable: false }), db.write(SYNC_SETTING, 'sqlite')]);
      await held;
      assert.deepEqual([lazy, synced], [durable, durable]);
    });
  }
});

forEachEngine('the outbox bookkeeping is the only write that is not synced', (engine) => {
  it('claims and delivery marks are written with durable false, pushes with the default', async () => {
    const { db } = await engine.open();
    const calls: Array<[string, boolean]> = [];
    const recording: Database = Object.create(db) as Database;
    (recording as { write: Database['write'] }).write = <I, O>(program: DbProgram<I, O>, input: I, options?: WriteOptions) => {
      calls.push([program.name, options?.durable !== false]);
      return db.write(program, input, options);
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-lazy-'));
    try {
      const file = path.join(dir, 'keys.json');
      ensureCaseKeys(file);
      ensureAuditKeys(file); // the push's audit entry is chained in its transaction
      const store = new CaseStore(recording, new CaseKeyRing(file), { appendInTransaction: async () => [] });
      const now = new Date().toISOString();
      await store.push({
        content: {
          caseId: 'lazy-1',
          subject: { kind: 'organisationNumber', id: '5599999991' },
          senderOrganisation: { organisationNumber: '5599999991', name: 'Testkommunen' },
          title: 'Ansökan',
          status: 'RECEIVED',
          statusDate: now,
          caseCreated: now,
          caseUpdated: now,
        },
        notify: true,
        consent: 'required', // an organisation needs none
        audit: { actor: 'SE5599999991-1005', peer: 'SE5599999991-1005', contract: 'PushCaseStatus', action: 'write', criteria: {}, recordCount: 0 },
      });
      const { claimed } = await store.claimDue(10, 60_000);
      assert.equal(claimed.length, 1);
      assert.deepEqual([...(await store.markDelivered(claimed))], [claimed[0]!.id]);
      assert.deepEqual(calls, [
        ['applyPushesProgram', true],
        ['claimOutboxProgram', false],
        ['markDeliveredProgram', false],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
