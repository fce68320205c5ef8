import { it } from 'node:test';
import assert from 'node:assert/strict';
import { FmbStore } from '../src/insurancemedicine/fmb-store.js';
import { isDemoFmbLoaded, loadDemoFmb } from '../src/insurancemedicine/demo.js';
import { parseImportFile } from '../src/insurancemedicine/import-format.js';
import { createGetDiagnosisHandler } from '../src/insurancemedicine/get-diagnosis.js';
import { createGetDecisionSupportHandler } from '../src/insurancemedicine/get-decision-support.js';
import { forEachEngine } from './helpers/engines.js';
import { handlerContext } from './helpers/request-context.js';
import type { Database } from '../src/storage/database.js';

/** The handlers' limits as the default configuration sets them. */
const LIMITS = { maxCriteria: 100 };
const ctx = handlerContext({ contractName: 'GetDiagnosis' });

function file(overrides: { displayName?: string; dsText?: string; mode?: 'merge' | 'replace'; extra?: boolean } = {}) {
  return parseImportFile({
    format: 'fmb-import/1',
    mode: overrides.mode ?? 'merge',
    diagnoses: [
      { code: 'F32', displayName: overrides.displayName ?? 'Depressiv episod', validity: { from: '2024-01-01' } },
      ...(overrides.extra ? [{ code: 'J11', displayName: 'Influensa', validity: { from: '2024-01-01' } }] : []),
    ],
    decisionSupports: [
      {
        id: 'DS-1',
        title: 'Depression',
        validity: { from: '2024-01-01' },
        diagnosisCodes: ['F32', 'F32.1'],
        recommendations: [{ sickLeaveDuration: { value: 6, unit: 'wk', min: 4, max: 12 }, sickLeaveDegree: 100, text: overrides.dsText ?? 'x' }],
      },
    ],
  });
}

forEachEngine('FMB store', (engine) => {
  it('loads the demo data once (idempotent) and serves it', async () => {
    const { db } = await engine.open();
    assert.equal(await isDemoFmbLoaded(db), false);
    const first = await loadDemoFmb(db);
    assert.ok(first?.changed);
    assert.ok(first!.diagnoses.created >= 40);
    assert.equal(await isDemoFmbLoaded(db), true);
    assert.equal(await loadDemoFmb(db), undefined);
    const store = new FmbStore(db);
    const snap = await store.current();
    assert.equal(snap.version, 1);
    const codes = new Set(snap.decisionSupports.flatMap((d) => d.diagnosisCodes));
    assert.ok(codes.size >= 40);

    const gd = createGetDiagnosisHandler(store, LIMITS);
    const r = await gd.GetDiagnosis({ diagnosisCode: [{ code: ' f321 ' }] }, ctx);
    assert.equal(r.result.resultCode, 'OK');
    assert.equal(r.result.logId, ctx.logId);
    assert.equal(r.diagnosis?.[0]?.requestedCode, 'F32.1');
    assert.equal(r.diagnosis?.[0]?.code, 'F32');
    assert.ok(r.diagnosis?.[0]?.relatedDecisionSupportId?.includes('FMB-F32-1'));
    assert.equal(r.versionInfo.version, '1');

    const gds = createGetDecisionSupportHandler(store, LIMITS);
    const all = await gds.GetDecisionSupport({}, ctx);
    assert.equal(all.result.resultCode, 'OK');
    assert.ok((all.decisionSupport?.length ?? 0) >= 40);
    const m75 = await gds.GetDecisionSupport({ diagnosisCode: [{ code: 'M75.1', codeSystem: '1.2.752.116.1.1.1.3.2' }] }, ctx);
    assert.equal(m75.decisionSupport?.[0]?.id, 'FMB-M75-1');
    assert.ok((m75.decisionSupport?.[0]?.recommendation.length ?? 0) > 1);
    const bad = await gds.GetDecisionSupport({ diagnosisCode: [{ code: 'M7' }] }, ctx);
    assert.equal(bad.result.errorCode, 'VALIDATION_ERROR');
    const badSince = await gds.GetDecisionSupport({ changedSince: 'yesterday' }, ctx);
    assert.equal(badSince.result.errorCode, 'VALIDATION_ERROR');
  });

  it('versions changed items, archives the old version, and leaves identical content alone', async () => {
    const { db } = await engine.open();
    const store = new FmbStore(db);
    const s1 = await store.import(file());
    assert.deepEqual([s1.changed, s1.dataSetVersion, s1.diagnoses.created, s1.decisionSupports.created], [true, 1, 1, 1]);
    const same = await store.import(file());
    assert.deepEqual([same.changed, same.dataSetVersion, same.diagnoses.unchanged, same.decisionSupports.unchanged], [false, 1, 1, 1]);
    const s2 = await store.import(file({ dsText: 'changed' }));
    assert.deepEqual([s2.changed, s2.dataSetVersion, s2.decisionSupports.updated, s2.diagnoses.unchanged], [true, 2, 1, 1]);
    const snap = await store.current();
    const versions = snap.decisionSupportsById.get('DS-1')!;
    assert.deepEqual(versions.map((v) => [v.version, v.rowStatus, v.isCurrent]), [[2, 'active', true], [1, 'archived', false]]);
    const h = createGetDecisionSupportHandler(store, LIMITS);
    assert.equal((await h.GetDecisionSupport({ decisionSupportId: ['DS-1'] }, ctx)).decisionSupport?.length, 1);
    const withArchived = await h.GetDecisionSupport({ decisionSupportId: ['DS-1'], includeArchived: true }, ctx);
    assert.deepEqual(withArchived.decisionSupport?.map((d) => [d.version, d.status]), [[2, 'active'], [1, 'archived']]);
    // replace mode archives what the file no longer lists
    await store.import(file({ extra: true }));
    const s4 = await store.import(file({ mode: 'replace' }));
    assert.equal(s4.diagnoses.archived, 1);
    const gd = createGetDiagnosisHandler(store, LIMITS);
    const j11 = await gd.GetDiagnosis({ diagnosisCode: [{ code: 'J11' }], includeInactive: true }, ctx);
    assert.deepEqual(j11.unknownCode, ['J11']);
    assert.equal(j11.result.resultCode, 'INFO');
  });

  it('is never stale: an import through another handle is visible on the next request', async () => {
    const t = await engine.open();
    const reader = new FmbStore(t.db);
    const other = await t.openAnother(); // another instance, or the import CLI
    await new FmbStore(other).import(file());
    const gd = createGetDiagnosisHandler(reader, LIMITS);
    const r1 = await gd.GetDiagnosis({ diagnosisCode: [{ code: 'F32' }] }, ctx);
    assert.equal(r1.diagnosis?.[0]?.displayName, 'Depressiv episod');
    const snapBefore = await reader.current();
    assert.equal(await reader.current(), snapBefore, 'unchanged data set → same cached snapshot');
    await new FmbStore(other).import(file({ displayName: 'Depression (ny)' }));
    const r2 = await gd.GetDiagnosis({ diagnosisCode: [{ code: 'F32' }] }, ctx);
    assert.equal(r2.diagnosis?.[0]?.displayName, 'Depression (ny)');
    assert.equal(r2.diagnosis?.[0]?.version, 2);
    assert.equal(r2.versionInfo.version, '2');
    const since = await gd.GetDiagnosis({ changedSince: r1.versionInfo.lastChanged }, ctx);
    assert.equal(since.diagnosis?.length, 1);
  });

  // Two handles writing concurrently in ONE process cannot work on SQLite: better-sqlite3 is synchronous, so the
  // waiting handle's busy_timeout blocks the event loop the other handle needs to commit. Across processes
  // (CLI, cluster workers) BEGIN IMMEDIATE + busy_timeout serialise writers; SQLite is for one instance (docs/design.md#scale-out).
  it('concurrent imports from two instances do not collide', { skip: engine.engine === 'sqlite' && 'multi-instance is PostgreSQL-only' }, async () => {
    const t = await engine.open();
    const other = await t.openAnother();
    const [a, b] = await Promise.all([new FmbStore(t.db).import(file()), new FmbStore(other).import(file())]);
    assert.equal([a, b].filter((s) => s.changed).length, 1);
    assert.equal((await new FmbStore(t.db).dataSetVersion()).version, 1);
  });
});

// FmbStore.current() shares one data-set version read between the calls of one event-loop turn
// (sharedVersionCheck) without weakening "a call made after an import committed sees it".
forEachEngine('FMB store version check', (engine) => {
  const nextTurn = () => new Promise<void>((r) => setImmediate(r));

  /** Counts the store's data-set version reads. */
  function countVersionReads(store: FmbStore) {
    const counter = { reads: 0 };
    const original = store.dataSetVersion.bind(store);
    store.dataSetVersion = () => {
      counter.reads++;
      return original();
    };
    return counter;
  }

  /** `db` with a read() that can be held: a held read runs now but answers only when released (a slow round trip). */
  function holdableReads(db: Database) {
    const control = { hold: false, held: [] as Array<() => void>, reads: 0 };
    const wrapped: Database = {
      engine: db.engine,
      dataSource: db.dataSource,
      description: db.description,
      read: (work) => {
        control.reads++;
        const p = db.read(work);
        if (!control.hold) return p;
        return p.then((v) => new Promise((resolve) => control.held.push(() => resolve(v))));
      },
      transaction: (work, options) => db.transaction(work, options),
      write: (program, input) => db.write(program, input),
      readProgram: (program, input) => db.readProgram(program, input),
      ping: () => db.ping(),
      close: () => db.close(),
    };
    return { wrapped, control, release: () => control.held.splice(0).forEach((r) => r()) };
  }

  it('calls made in one turn share one version read; a later turn reads again', async () => {
    const { db } = await engine.open();
    const store = new FmbStore(db);
    await store.import(file());
    const warm = await store.current();
    assert.equal(warm.version, 1);
    const counter = countVersionReads(store);
    const calls = Array.from({ length: 8 }, () => store.current());
    assert.equal(counter.reads, 0, 'the read waits for the end of the turn');
    const snaps = await Promise.all(calls);
    assert.equal(counter.reads, 1);
    for (const s of snaps) assert.equal(s, warm, 'unchanged version → the cached snapshot');
    assert.equal(await store.current(), warm);
    assert.equal(counter.reads, 2, 'a call in a later turn gets a read of its own');
    const [a, b] = await Promise.all([store.current(), store.current()]);
    assert.equal(counter.reads, 3);
    assert.equal(a, b);
  });

  it('a call made after an import sees the new version (import through the store, or a bare version bump)', async () => {
    const { db } = await engine.open();
    const store = new FmbStore(db);
    await store.import(file());
    const v1 = await store.current();
    assert.equal(v1.diagnoses.get('F32')?.displayName, 'Depressiv episod');
    const summary = await store.import(file({ displayName: 'Depression (ny)' }));
    assert.equal(summary.dataSetVersion, 2);
    const v2 = await store.current();
    assert.equal(v2.version, 2);
    assert.notEqual(v2, v1);
    assert.equal(v2.diagnoses.get('F32')?.displayName, 'Depression (ny)');
    assert.equal(v2.diagnoses.get('F32')?.version, 2);
    // any committed bump of fmb_data_set.version (another instance, the CLI) is seen by the next call
    await db.transaction((m) => m.query("UPDATE fmb_data_set SET version = version + 1, last_changed = '2030-01-01T00:00:00.000Z' WHERE id = 1"));
    const v3 = await store.current();
    assert.equal(v3.version, 3);
    assert.equal(v3.lastChanged, '2030-01-01T00:00:00.000Z');
    assert.notEqual(v3, v2);
  });

  it('a call made after the shared read has started does not join it: it sees an import that committed meanwhile', async () => {
    const { db } = await engine.open();
    const { wrapped, control, release } = holdableReads(db);
    const store = new FmbStore(wrapped);
    await store.import(file());
    const v1 = await store.current();
    assert.equal(v1.version, 1);

    control.hold = true;
    const early = store.current(); // its version read starts in the check phase and is held (in flight)
    const readsBefore = control.reads;
    await nextTurn();
    assert.equal(control.reads, readsBefore + 1, 'the shared read has started');
    control.hold = false;
    const summary = await store.import(file({ displayName: 'Depression (ny)' }));
    assert.equal(summary.dataSetVersion, 2);
    const late = await store.current(); // must not wait for, or reuse, the read still in flight
    assert.equal(late.version, 2);
    assert.equal(late.diagnoses.get('F32')?.displayName, 'Depression (ny)');
    assert.equal(control.held.length, 1, 'the early read is still in flight');
    release();
    const earlySnap = await early;
    assert.ok(earlySnap.version >= 1, 'the early call may answer the version it read, or a newer one');
    const after = await store.current();
    assert.equal(after.version, 2, 'the late read never goes back to an older snapshot');
    assert.equal(after.diagnoses.get('F32')?.displayName, 'Depression (ny)');
  });

  it('calls in one turn after an import share one check and one rebuild, and see the import', async () => {
    const { db } = await engine.open();
    const store = new FmbStore(db);
    await store.import(file());
    await store.current();
    const counter = countVersionReads(store);
    // The import commits while no check is pending; then two calls in one turn share one read, made after it.
    await store.import(file({ displayName: 'Depression (ny)' }));
    const [a, b] = await Promise.all([store.current(), store.current()]);
    assert.equal(counter.reads, 1 + 2, 'one shared check, then the rebuild reads the version before and after');
    assert.equal(a, b, 'one rebuild shared');
    assert.equal(a.version, 2);
    assert.equal(a.diagnoses.get('F32')?.displayName, 'Depression (ny)');
  });
});
