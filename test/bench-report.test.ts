/**
 * The benchmark report: every performance target (docs/design.md) gets its verdict from the figures of
 * one run, per engine, against the baseline measured beside each point; what a run could not measure
 * says why; and a run that replaces an earlier results.json records before and after.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeTargets, readPreviousResults, renderMarkdown, type BenchResults, type OperationEntry } from '../bench/report.js';

type Overrides = Partial<OperationEntry>;

/** An entry measured against an adjacent baseline of 10,000 req/s with p99 2 ms, unless overridden. */
const op = (name: string, connections: number, rps: number, more: Overrides = {}): OperationEntry => {
  const baseline = more.baseline_rps ?? 10_000;
  return {
    name,
    engine: 'sqlite',
    durable: true,
    connections,
    rps,
    p50_ms: 1,
    p95_ms: 2,
    p99_ms: 3,
    errors: 0,
    non2xx: 0,
    logical_errors: 0,
    ratio_to_baseline: rps / baseline,
    baseline_rps: baseline,
    baseline_p99_ms: 2,
    ...(name === 'GetCaseOverview' ? { cases_per_subject: 10 } : {}),
    ...more,
  };
};

const results = (ops: OperationEntry[], fsync: BenchResults['fsync'] = { sqlite: { p50_ms: 0.5, filesystem: 'ext4' } }): BenchResults => ({
  machine: { cpus: 2, node: 'v20', workers: 1 },
  baseline: [{ connections: 16, rps: 10_000, p50_ms: 1, p99_ms: 3 }],
  fsync,
  operations: ops,
  peers: [],
});

const ctx = { durationSeconds: 10, register: 500_000, skipped: [], wallSeconds: 60, cpuModel: 'test' };

/** target text (up to its first colon) → verdict */
const verdicts = (r: BenchResults, c: Parameters<typeof judgeTargets>[1] = ctx) =>
  Object.fromEntries(judgeTargets(r, c).map((v) => [v.target.split(':')[0]!, v.met]));

describe('bench report: the targets', () => {
  it('judges throughput against the adjacent baseline, and p99 against 4 × its p99', () => {
    const v = verdicts(
      results([
        op('GetDiagnosis', 16, 2600, { p99_ms: 7.9 }), // 26 %, p99 under 4 × 2 ms
        op('GetDecisionSupport', 16, 3000, { p99_ms: 8.1 }), // p99 over 8 ms
        op('SearchPersonnel', 16, 1000), // 10 %
        op('PushCaseStatus', 16, 999), // 9.99 %
        op('GetCaseOverview', 16, 1100, { baseline_rps: 11_000 }), // 10 % of its own baseline
      ]),
    );
    assert.equal(v.GetDiagnosis, true);
    assert.equal(v.GetDecisionSupport, false);
    assert.equal(v['SearchPersonnel (500k register)'], true);
    assert.equal(v['PushCaseStatus (each push durable)'], false);
    assert.equal(v['GetCaseOverview (10 cases per subject, maxResults 10)'], true);
  });

  it('judges the 1-connection durability cost against the point with durability off plus 2 × the fsync p50', () => {
    const r = results(
      [
        op('SearchPersonnel', 1, 300, { p50_ms: 3.0 }),
        op('SearchPersonnel', 1, 400, { durable: false, p50_ms: 2.0 }), // bound 3.0: met
        op('PushCaseStatus', 1, 300, { p50_ms: 3.1 }),
        op('PushCaseStatus', 1, 400, { durable: false, p50_ms: 2.0 }), // bound 3.0: not met
        op('GetCaseOverview', 1, 300, { p50_ms: 2.0 }), // no durability-off point
      ],
      { sqlite: { p50_ms: 0.5, filesystem: 'ext4' } },
    );
    const v = verdicts(r);
    assert.equal(v['SearchPersonnel at 1 connection'], true);
    assert.equal(v['PushCaseStatus at 1 connection'], false);
    assert.equal(v['GetCaseOverview at 1 connection'], undefined);
    const overview = judgeTargets(r, ctx).find((t) => t.target.startsWith('GetCaseOverview at 1 connection'))!;
    assert.match(overview.measured, /^not measured: no durability-off point/);
    // without an fsync figure the target cannot be judged
    assert.equal(verdicts(results(r.operations, {}))['SearchPersonnel at 1 connection'], undefined);
  });

  it('reports the 10 against 10,000 cases row as not measured, with the reason, until there is a deep point', () => {
    const ten = op('GetCaseOverview', 16, 1000, { p95_ms: 4 });
    const row = (r: BenchResults, deepNotMeasured?: string) =>
      judgeTargets(r, { ...ctx, ...(deepNotMeasured ? { deepNotMeasured } : {}) }).find((t) => t.target.includes('10,000 cases'))!;
    const missing = row(results([ten]), 'GetCaseOverview version 2 (maxResults, continuation) is not served by this build');
    assert.equal(missing.met, undefined);
    assert.equal(missing.measured, 'not measured: GetCaseOverview version 2 (maxResults, continuation) is not served by this build');
    assert.equal(row(results([ten, op('GetCaseOverview', 16, 900, { p95_ms: 8, cases_per_subject: 10_000 })])).met, true);
    assert.equal(row(results([ten, op('GetCaseOverview', 16, 900, { p95_ms: 8.1, cases_per_subject: 10_000 })])).met, false);
  });

  it('does not judge SearchPersonnel on a register smaller than 500k', () => {
    assert.equal(verdicts(results([op('SearchPersonnel', 16, 2000)]), { register: 5000 })['SearchPersonnel (500k register)'], undefined);
  });

  it('counts errors of every point, durability-off points and pushes that were not stored included', () => {
    const zero = (ops: OperationEntry[]) => judgeTargets(results(ops), ctx).at(-1)!;
    assert.equal(zero([op('GetDiagnosis', 16, 3000)]).met, true);
    const bad = zero([op('GetDiagnosis', 16, 3000), op('PushCaseStatus', 1, 300, { durable: false, logical_errors: 2 })]);
    assert.equal(bad.met, false);
    assert.match(bad.measured, /PushCaseStatus \(durability off\)@1: 0 transport, 0 faults, 2 not done/);
  });

  it('judges each engine on its own figures, PostgreSQL with its own fsync', () => {
    const r = results(
      [
        op('PushCaseStatus', 1, 300, { p50_ms: 3 }),
        op('PushCaseStatus', 1, 400, { durable: false, p50_ms: 2 }),
        op('PushCaseStatus', 1, 300, { engine: 'postgres', p50_ms: 3 }),
        op('PushCaseStatus', 1, 400, { engine: 'postgres', durable: false, p50_ms: 2 }),
      ],
      { sqlite: { p50_ms: 0.4, filesystem: 'ext4' }, postgres: { p50_ms: 0.6, filesystem: 'unknown' } },
    );
    const all = judgeTargets(r, ctx).filter((t) => t.target.startsWith('PushCaseStatus at 1 connection'));
    assert.deepEqual(
      all.map((t) => [t.target.endsWith('[postgres]') ? 'postgres' : 'sqlite', t.met]),
      [
        ['sqlite', false], // 3 > 2 + 0.8
        ['postgres', true], // 3 ≤ 2 + 1.2
      ],
    );
  });
});

describe('bench report: the Markdown', () => {
  it('shows each point with its engine, durability and the baseline it was judged against, and the fsync figure', () => {
    const md = renderMarkdown(
      results([op('GetDiagnosis', 16, 3000, { baseline_rps: 15_000, ratio_to_baseline: 0.2 }), op('PushCaseStatus', 1, 400, { durable: false })]),
      ctx,
    );
    assert.match(md, /\| GetDiagnosis \| sqlite \| yes \|  \| 16 \| 3000 \|[^\n]*\| 15000 \| 2\.00 \| 0\.200 \|/);
    assert.match(md, /\| PushCaseStatus \| sqlite \| no \|/);
    assert.match(md, /\| sqlite \| 0\.50 \| ext4 \|/);
    assert.match(md, /\| GetCaseOverview at 16 connections[^|]*\| not measured: [^|]+\| not measured \|/);
  });

  it('records before and after against the results.json a run replaces, an older file counting as SQLite and durable', () => {
    const older = {
      ...results([]),
      baseline: [{ connections: 16, rps: 9000, p50_ms: 1, p99_ms: 3 }],
      operations: [{ name: 'PushCaseStatus', connections: 16, rps: 573, p50_ms: 1, p95_ms: 30, p99_ms: 40, errors: 0, non2xx: 0, logical_errors: 0, ratio_to_baseline: 0.06 }],
    } as unknown as BenchResults;
    const after = results([op('PushCaseStatus', 16, 862, { p99_ms: 35 }), op('PushCaseStatus', 16, 999, { durable: false }), op('GetDiagnosis', 16, 1800)]);
    after.baseline = [{ connections: 16, rps: 12_000, p50_ms: 1, p99_ms: 3 }];
    const md = renderMarkdown(after, { ...ctx, previous: older });
    assert.match(md, /## Before and after/);
    assert.match(md, /\| \(baseline\) \| 16 \| 9000 \| 12000 \| \+33 % \|/);
    assert.match(md, /\| PushCaseStatus \| 16 \| 573 \| 862 \| \+50 % \| 40\.00 \| 35\.00 \|/);
    assert.doesNotMatch(md, /\| PushCaseStatus \(durability off\) \| 16 \|/, 'the older file had no durability-off point');
    assert.doesNotMatch(md, /\| GetDiagnosis \| 16 \| [0-9]+ \| 1800 \|/, 'no row without a before');
    assert.doesNotMatch(renderMarkdown(after, ctx), /Before and after/);
  });

  it('ignores a previous file that is missing or not in the fixed shape', () => {
    assert.equal(readPreviousResults('x', () => { throw new Error('ENOENT'); }), undefined);
    assert.equal(readPreviousResults('x', () => '{"rps": 1}'), undefined);
    assert.ok(readPreviousResults('x', () => JSON.stringify(results([]))));
  });
});
