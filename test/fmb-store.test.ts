import { it } from 'node:test';
import assert from 'node:assert/strict';
import { FmbStore } from '../src/insurancemedicine/fmb-store.js';
import { isDemoFmbLoaded, loadDemoFmb } from '../src/insurancemedicine/demo.js';
import { parseImportFile } from '../src/insurancemedicine/model.js';
import { createGetDiagnosisHandler } from '../src/insurancemedicine/get-diagnosis.js';
import { createGetDecisionSupportHandler } from '../src/insurancemedicine/get-decision-support.js';
import { forEachEngine } from './helpers/engines.js';

const ctx = { logId: '6f1c1d7e-5d53-4a43-8b0e-2b1b2f9e0a11', headers: { LogicalAddress: 'TEST-PRODUCER' } };

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

    const gd = createGetDiagnosisHandler(store);
    const r = await gd.GetDiagnosis({ diagnosisCode: [{ code: ' f321 ' }] }, ctx);
    assert.equal(r.result.resultCode, 'OK');
    assert.equal(r.result.logId, ctx.logId);
    assert.equal(r.diagnosis?.[0]?.requestedCode, 'F32.1');
    assert.equal(r.diagnosis?.[0]?.code, 'F32');
    assert.ok(r.diagnosis?.[0]?.relatedDecisionSupportId?.includes('FMB-F32-1'));
    assert.equal(r.versionInfo.version, '1');

    const gds = createGetDecisionSupportHandler(store);
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
    const h = createGetDecisionSupportHandler(store);
    assert.equal((await h.GetDecisionSupport({ decisionSupportId: ['DS-1'] }, ctx)).decisionSupport?.length, 1);
    const withArchived = await h.GetDecisionSupport({ decisionSupportId: ['DS-1'], includeArchived: true }, ctx);
    assert.deepEqual(withArchived.decisionSupport?.map((d) => [d.version, d.status]), [[2, 'active'], [1, 'archived']]);
    // replace mode archives what the file no longer lists
    await store.import(file({ extra: true }));
    const s4 = await store.import(file({ mode: 'replace' }));
    assert.equal(s4.diagnoses.archived, 1);
    const gd = createGetDiagnosisHandler(store);
    const j11 = await gd.GetDiagnosis({ diagnosisCode: [{ code: 'J11' }], includeInactive: true }, ctx);
    assert.deepEqual(j11.unknownCode, ['J11']);
    assert.equal(j11.result.resultCode, 'INFO');
  });

  it('is never stale: an import through another handle is visible on the next request', async () => {
    const t = await engine.open();
    const reader = new FmbStore(t.db);
    const other = await t.openAnother(); // another instance, or the import CLI
    await new FmbStore(other).import(file());
    const gd = createGetDiagnosisHandler(reader);
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
  // (CLI, cluster workers) BEGIN IMMEDIATE + busy_timeout serialise writers; spec §7: SQLite is for one instance.
  it('concurrent imports from two instances do not collide', { skip: engine.engine === 'sqlite' && 'multi-instance is PostgreSQL-only' }, async () => {
    const t = await engine.open();
    const other = await t.openAnother();
    const [a, b] = await Promise.all([new FmbStore(t.db).import(file()), new FmbStore(other).import(file())]);
    assert.equal([a, b].filter((s) => s.changed).length, 1);
    assert.equal((await new FmbStore(t.db).dataSetVersion()).version, 1);
  });
});
