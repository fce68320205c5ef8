/**
 * The benchmark report: the spec §8 verdicts come from the figures, and a run that replaces an earlier
 * results.json records before and after.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeTargets, readPreviousResults, renderMarkdown, type BenchResults } from '../bench/report.js';

const op = (name: string, rps: number, p95: number, p99: number, errors = 0) => ({
  name,
  connections: 16,
  rps,
  p50_ms: 1,
  p95_ms: p95,
  p99_ms: p99,
  errors,
  non2xx: 0,
  logical_errors: 0,
  ratio_to_baseline: rps / 10_000,
});

const results = (ops: BenchResults['operations'], baselineRps = 10_000): BenchResults => ({
  machine: { cpus: 2, node: 'v20', workers: 1 },
  baseline: [{ connections: 16, rps: baselineRps, p50_ms: 1, p99_ms: 3 }],
  operations: ops,
  peers: [],
});

const ctx = { durationSeconds: 10, register: 500_000, skipped: [], wallSeconds: 60, cpuModel: 'test' };

describe('bench report', () => {
  it('judges each target from the figures at 16 connections', () => {
    const verdicts = judgeTargets(
      results([op('GetDiagnosis', 3000, 3, 4.5), op('GetDecisionSupport', 2000, 3, 4), op('SearchPersonnel', 900, 9, 12), op('PushCaseStatus', 1999, 5, 9)]),
      ctx,
    );
    const met = Object.fromEntries(verdicts.map((v) => [v.target.split(':')[0]!.split(',')[0]!, v.met]));
    assert.deepEqual(met, {
      GetDiagnosis: true, // 30 % and p99 4.5
      GetDecisionSupport: false, // 20 %
      'SearchPersonnel on a 500k register': true,
      PushCaseStatus: false, // 1,999 < 2,000
      'Any operation': true,
    });
    assert.equal(judgeTargets(results([op('GetDiagnosis', 3000, 3, 4, 1)]), ctx).at(-1)!.met, false);
    // a smaller register cannot meet the 500k target
    assert.equal(judgeTargets(results([op('SearchPersonnel', 900, 9, 12)]), { register: 5000 })[2]!.met, undefined);
  });

  it('records before and after against the results.json a run replaces', () => {
    const before = results([op('PushCaseStatus', 573, 30, 40)], 9000);
    const after = results([op('PushCaseStatus', 862, 20, 35), op('GetDiagnosis', 1800, 10, 15)], 12_000);
    const md = renderMarkdown(after, { ...ctx, previous: before });
    assert.match(md, /## Before and after/);
    assert.match(md, /\| \(baseline\) \| 16 \| 9000 \| 12000 \| \+33 % \|/);
    assert.match(md, /\| PushCaseStatus \| 16 \| 573 \| 862 \| \+50 % \| 40\.00 \| 35\.00 \|/);
    assert.doesNotMatch(md, /\| GetDiagnosis \| 16 \| [0-9]+ \| 1800 \|/, 'no row without a before');
    assert.doesNotMatch(renderMarkdown(after, ctx), /Before and after/);
  });

  it('shows the baseline each ratio was taken against, when the run measured one just before each point', () => {
    const r = results([{ ...op('GetDiagnosis', 3000, 3, 4), ratio_to_baseline: 0.2 }]);
    const md = renderMarkdown(r, { ...ctx, pairedBaseline: new Map([['GetDiagnosis@16', 15_000]]) });
    assert.match(md, /baseline just before \| ratio to baseline \|/);
    assert.match(md, /\| GetDiagnosis \| 16 \| 3000 \|[^\n]*\| 15000 \| 0\.200 \|/);
    // without paired figures (an older caller) the table keeps its earlier columns
    assert.doesNotMatch(renderMarkdown(r, ctx), /baseline just before/);
  });

  it('ignores a previous file that is missing or not in the fixed shape', () => {
    assert.equal(readPreviousResults('x', () => { throw new Error('ENOENT'); }), undefined);
    assert.equal(readPreviousResults('x', () => '{"rps": 1}'), undefined);
    assert.ok(readPreviousResults('x', () => JSON.stringify(results([]))));
  });
});
