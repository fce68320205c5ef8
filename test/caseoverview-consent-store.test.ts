/**
 * The consent store (src/caseoverview/consent-store.ts, docs/hub-people.md#consent) on both engines: records
 * read and written, erasure of a subject's cases with their history and notifications inside the caller's
 * transaction, the functions inside database programs (SQLite's database thread), and the lock order that
 * keeps a revocation and a push from interleaving, with two instances on one PostgreSQL.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { consentStatusOf, eraseSubject, readConsent, saveConsent, type ConsentRecord } from '../src/caseoverview/consent-store.js';
import { CaseKeyRing, ensureCaseKeys } from '../src/caseoverview/keys.js';
import { CASE_TABLES } from '../src/caseoverview/schema.js';
import type { Database, Engine, SqlRunner } from '../src/storage/database.js';
import { sqlFor } from '../src/storage/sql.js';
import { PEOPLE_READ, REVOKE } from './fixtures/hub-programs.js';
import { forEachEngine } from './helpers/engines.js';

const T = '2026-03-01T09:00:00.000Z';
const hashOf = (c: string) => c.repeat(64);
const X = hashOf('x');
const Y = hashOf('y');
const GUARDIAN = hashOf('g');

const record = (subjectHash: string, over: Partial<ConsentRecord> = {}): ConsentRecord => ({
  subjectHash,
  status: 'ACTIVE',
  consentVersion: 'ärendevy-2026-1',
  authMethod: 'BANKID',
  since: T,
  actedAt: '2026-03-01T08:59:58.000Z',
  updatedAt: T,
  guardianHash: null,
  ...over,
});

/** A case row of `subject` with `history` entries and outbox rows (the subject's own, and representatives'). */
async function seedCase(m: SqlRunner, engine: Engine, subject: string, sender: string, caseId: string, o: { history?: number; representatives?: string[] } = {}): Promise<number> {
  const q = sqlFor(engine);
  const [row] = (await m.query(
    q(
      `INSERT INTO ${CASE_TABLES.case} (sender_org, case_id, subject_hash, status, case_updated, revision, content_mac, key_id, content, stored_at, subject_kind) VALUES (?, ?, ?, 'RECEIVED', ?, 1, 'm', 'k', 'c', ?, 'person') RETURNING id`,
    ),
    [sender, caseId, subject, T, T],
  )) as Array<{ id: number }>;
  const id = Number(row!.id);
  for (let r = 1; r <= (o.history ?? 1); r++) {
    await m.query(q(`INSERT INTO ${CASE_TABLES.history} (case_row_id, revision, recorded_at, key_id, content) VALUES (?, ?, ?, 'k', 'h')`), [id, r, T]);
  }
  const recipients: Array<[string, string | null]> = [['subject', null], ...(o.representatives ?? []).map((h): [string, string] => ['representative', h])];
  for (const [kind, hash] of recipients) {
    await m.query(
      q(
        `INSERT INTO ${CASE_TABLES.outbox} (notification_id, case_row_id, created_at, key_id, content, attempts, next_attempt_at, recipient_kind, recipient_hash) VALUES (?, ?, ?, 'k', 'o', 0, ?, ?, ?)`,
      ),
      [`${caseId}-${kind}-${hash ?? 's'}`.slice(0, 36), id, T, T, kind, hash],
    );
  }
  return id;
}

async function counts(db: Database): Promise<Record<string, number>> {
  const n = async (table: string) => Number(((await db.read((m) => m.query(`SELECT COUNT(*) AS n FROM ${table}`))) as Array<{ n: unknown }>)[0]!.n);
  return { cases: await n(CASE_TABLES.case), history: await n(CASE_TABLES.history), outbox: await n(CASE_TABLES.outbox) };
}

forEachEngine('consent store', (engine) => {
  it('an absent record is NONE; a record is written whole and replaced whole', async () => {
    const { db } = await engine.open();
    const e = db.engine;
    assert.equal(await db.read((m) => readConsent(m, e, X)), undefined);
    assert.equal(consentStatusOf(undefined), 'NONE');
    await db.transaction((m) => saveConsent(m, e, record(X)));
    assert.deepEqual(await db.read((m) => readConsent(m, e, X, 'none')), record(X));
    const revoked = record(X, { status: 'REVOKED', consentVersion: 'v2', authMethod: 'FREJA_EID', since: '2026-03-02T00:00:00.000Z', updatedAt: '2026-03-02T00:00:00.000Z', guardianHash: GUARDIAN });
    await db.transaction(async (m) => {
      assert.deepEqual(await readConsent(m, e, X, 'update'), record(X));
      await saveConsent(m, e, revoked);
    });
    assert.deepEqual(await db.read((m) => readConsent(m, e, X)), revoked);
    assert.equal(consentStatusOf(revoked), 'REVOKED');
    assert.equal(await db.read((m) => readConsent(m, e, Y)), undefined, 'one record per subject');
  });

  it('erases every case of the subject from every sender, with history and every recipient’s notices; others stay', async () => {
    const { db } = await engine.open();
    const e = db.engine;
    await db.transaction(async (m) => {
      await seedCase(m, e, X, '5599999991', 'A-1', { history: 3, representatives: [GUARDIAN] });
      await seedCase(m, e, Y, '5599999991', 'Y-1', { history: 2, representatives: [X] }); // X as Y's representative
      await seedCase(m, e, X, '5599999992', 'B-1', { history: 1 });
    });
    const erasure = await db.transaction((m) => eraseSubject(m, e, X));
    assert.deepEqual(erasure, {
      cases: [
        { senderOrganisation: '5599999991', caseId: 'A-1' },
        { senderOrganisation: '5599999992', caseId: 'B-1' },
      ],
      historyEntries: 4,
      notifications: 3,
    });
    assert.deepEqual(await counts(db), { cases: 1, history: 2, outbox: 2 }, "Y's case, its history and both its notices (one to X as representative) stay");
    assert.deepEqual(await db.transaction((m) => eraseSubject(m, e, X)), { cases: [], historyEntries: 0, notifications: 0 });
  });

  it('erasure belongs to the caller’s transaction: rolled back with it', async () => {
    const { db } = await engine.open();
    const e = db.engine;
    await db.transaction((m) => seedCase(m, e, X, '5599999991', 'A-1', { history: 2 }));
    await assert.rejects(
      db.transaction(async (m) => {
        assert.equal((await eraseSubject(m, e, X)).cases.length, 1);
        throw new Error('audit failed');
      }),
      /audit failed/,
    );
    assert.deepEqual(await counts(db), { cases: 1, history: 2, outbox: 1 });
  });

  it('erases many cases (more than one IN list)', async () => {
    const { db } = await engine.open();
    const e = db.engine;
    await db.transaction(async (m) => {
      for (let i = 0; i < 450; i++) await seedCase(m, e, X, '5599999991', `C-${i}`);
    });
    const erasure = await db.transaction((m) => eraseSubject(m, e, X));
    assert.equal(erasure.cases.length, 450);
    assert.equal(erasure.historyEntries, 450);
    assert.deepEqual(await counts(db), { cases: 0, history: 0, outbox: 0 });
  });

  it('runs inside database programs (on SQLite, the database thread)', async () => {
    const { db } = await engine.open();
    const e = db.engine;
    const keysFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-keys-')), 'keys.json');
    ensureCaseKeys(keysFile);
    const keys = new CaseKeyRing(keysFile);
    await db.transaction(async (m) => {
      await saveConsent(m, e, record(X));
      await seedCase(m, e, X, '5599999991', 'A-1', { history: 2 });
    });
    const read = (subjectHash: string) => db.readProgram(PEOPLE_READ, { engine: e, keysFile, subjectHash, representativeHash: keys.subjectHash('191212121212'), now: T });
    assert.deepEqual(await read(X), { consent: 'ACTIVE', mandateIds: [] });
    const erasure = await db.write(REVOKE, { engine: e, subjectHash: X, at: T });
    assert.deepEqual(erasure.cases, [{ senderOrganisation: '5599999991', caseId: 'A-1' }]);
    assert.deepEqual(await read(X), { consent: 'REVOKED', mandateIds: [] });
    assert.deepEqual(await counts(db), { cases: 0, history: 0, outbox: 0 });
  });

  it('a revocation and a push do not interleave: a push that read ACTIVE commits first and its case is erased', async () => {
    const { db, openAnother } = await engine.open();
    const e = db.engine;
    // Another instance on PostgreSQL; SQLite is one instance (one writer at a time in any case).
    const other = e === 'postgres' ? await openAnother() : db;
    await db.transaction((m) => saveConsent(m, e, record(X)));
    let pushHasRead!: () => void;
    const read = new Promise<void>((resolve) => (pushHasRead = resolve));
    const push = db.transaction(async (m) => {
      const consent = await readConsent(m, e, X); // FOR SHARE
      pushHasRead();
      await sleep(150); // the revocation is now waiting for this row
      if (consent?.status === 'ACTIVE') await seedCase(m, e, X, '5599999991', 'RACE-1');
      return consent?.status;
    });
    await read;
    const revocation = other.transaction(async (m) => {
      await readConsent(m, e, X, 'update');
      await saveConsent(m, e, record(X, { status: 'REVOKED' }));
      return eraseSubject(m, e, X);
    });
    assert.equal(await push, 'ACTIVE');
    assert.deepEqual((await revocation).cases, [{ senderOrganisation: '5599999991', caseId: 'RACE-1' }], 'the revocation waited and erased the pushed case');
    assert.deepEqual(await counts(db), { cases: 0, history: 0, outbox: 0 });
  });

  it('a revocation and a push do not interleave: a push that starts during a revocation waits and sees REVOKED', async () => {
    const { db, openAnother } = await engine.open();
    const e = db.engine;
    const other = e === 'postgres' ? await openAnother() : db;
    await db.transaction((m) => saveConsent(m, e, record(X)));
    let revocationHasLocked!: () => void;
    const locked = new Promise<void>((resolve) => (revocationHasLocked = resolve));
    const revocation = db.transaction(async (m) => {
      await readConsent(m, e, X, 'update');
      await saveConsent(m, e, record(X, { status: 'REVOKED' }));
      revocationHasLocked();
      await sleep(150);
      return eraseSubject(m, e, X);
    });
    await locked;
    const push = other.transaction(async (m) => {
      const consent = await readConsent(m, e, X);
      if (consent?.status === 'ACTIVE') await seedCase(m, e, X, '5599999991', 'RACE-2');
      return consent?.status;
    });
    await revocation;
    assert.equal(await push, 'REVOKED');
    assert.deepEqual(await counts(db), { cases: 0, history: 0, outbox: 0 });
  });
});
