/**
 * `npm run bench` in its smallest form (one connection count, half a second per point, the demo
 * register) against the built producer: it must run end to end and write results.json in the fixed
 * shape that tools read, plus results.md with a verdict for every target. The shape includes, on every
 * operation entry, the engine, whether it was durable and the adjacent baseline it is judged against;
 * a durability-off point beside the 1-connection point of each operation that waits for a durable
 * write; and the fsync figure of the engine. The figures themselves are not asserted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProjectRoot } from '../src/project-root.js';

const here = fileURLToPath(import.meta.url);
const root = findProjectRoot(path.dirname(here));
// bench/run.ts under tsx, dist/bench/run.js when built: the sibling of this test's own tree
const runner = path.join(path.dirname(here), '..', 'bench', `run${path.extname(here)}`);
const mainJs = path.join(root, 'dist', 'src', 'main.js');

const KEYS = {
  top: ['baseline', 'fsync', 'machine', 'operations', 'peers'],
  machine: ['cpus', 'node', 'workers'],
  baseline: ['connections', 'p50_ms', 'p99_ms', 'rps'],
  operation: [
    'baseline_p99_ms',
    'baseline_rps',
    'connections',
    'durable',
    'engine',
    'errors',
    'logical_errors',
    'name',
    'non2xx',
    'p50_ms',
    'p95_ms',
    'p99_ms',
    'ratio_to_baseline',
    'rps',
  ],
  fsync: ['filesystem', 'p50_ms'],
  peer: ['connections', 'name', 'operation', 'p99_ms', 'rps'],
};
const DURABLE_WRITES = ['SearchPersonnel', 'PushCaseStatus', 'GetCaseOverview'];

const keys = (o: object) => Object.keys(o).sort();

describe('npm run bench (smoke)', { skip: fs.existsSync(mainJs) ? false : 'dist/src/main.js not built' }, () => {
  it('writes results.json in the fixed shape, and results.md', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-smoke-'));
    try {
      const loader = path.extname(here) === '.ts' ? ['--import', 'tsx'] : [];
      const r = spawnSync(process.execPath, [...loader, runner, '--quick', '--connections', '1', '--duration', '0.5', '--out', out], {
        cwd: root,
        encoding: 'utf8',
        timeout: 300_000, // the durability-off points restart the producer twice per operation
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as {
        machine: Record<string, unknown>;
        baseline: Array<Record<string, unknown>>;
        fsync: Record<string, Record<string, unknown>>;
        operations: Array<Record<string, unknown>>;
        peers: Array<Record<string, unknown>>;
      };
      assert.deepEqual(keys(results), KEYS.top);
      assert.deepEqual(keys(results.machine), KEYS.machine);
      assert.equal(results.machine.cpus, os.cpus().length);
      assert.equal(results.machine.node, process.version);
      assert.equal(results.machine.workers, 1);
      assert.deepEqual(results.baseline.map((b) => b.connections), [1]);
      for (const b of results.baseline) assert.deepEqual(keys(b), KEYS.baseline);
      const names = results.operations.map((o) => o.name);
      for (const served of ['GetDiagnosis', 'GetDecisionSupport', 'SearchPersonnel', 'PushCaseStatus', 'GetCaseOverview']) assert.ok(names.includes(served), served);
      for (const o of results.operations) {
        const extra = o.name === 'GetCaseOverview' ? ['cases_per_subject'] : [];
        assert.deepEqual(keys(o), [...KEYS.operation, ...extra].sort(), String(o.name));
        assert.equal(o.engine, 'sqlite');
        assert.ok((o.rps as number) > 0, `${String(o.name)} answered`);
        assert.equal(o.errors, 0, `${String(o.name)} transport errors`);
        assert.equal(o.non2xx, 0, `${String(o.name)} faults`);
        // a push counts only when stored (CREATED/UPDATED): the bench gives its subjects consent before timing
        assert.equal(o.logical_errors, 0, `${String(o.name)} answers that were errors or, for a push, not stored`);
        assert.equal(typeof o.ratio_to_baseline, 'number');
        assert.ok((o.baseline_rps as number) > 0, `${String(o.name)}: the baseline beside it answered`);
        assert.equal(typeof o.baseline_p99_ms, 'number');
      }
      // every operation that waits for a durable write has its durability-off point; nothing else has one
      for (const name of new Set(names.map(String))) {
        const durabilities = results.operations.filter((o) => o.name === name).map((o) => o.durable);
        assert.deepEqual(durabilities, DURABLE_WRITES.includes(name) ? [true, false] : [true], name);
      }
      assert.equal(results.operations.find((o) => o.name === 'GetCaseOverview')!.cases_per_subject, 10);
      assert.deepEqual(Object.keys(results.fsync), ['sqlite']);
      assert.deepEqual(keys(results.fsync.sqlite!), KEYS.fsync);
      assert.ok((results.fsync.sqlite!.p50_ms as number) > 0);
      assert.match(String(results.fsync.sqlite!.filesystem), /^\w+$/);
      assert.equal(results.peers.length, 1);
      assert.deepEqual(keys(results.peers[0]!), KEYS.peer);
      assert.equal(results.peers[0]!.name, 'soap-npm-server');
      const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
      assert.match(md, /\| GetDiagnosis \| sqlite \| yes \|  \| 1 \|/);
      // every ratio is shown with the baseline point measured just before it (README, bench/run.ts)
      for (const o of results.operations) {
        const row = md.split('\n').find((l) => l.startsWith(`| ${String(o.name)} | sqlite | ${o.durable ? 'yes' : 'no'} |`));
        const cells = row?.split('|').map((c) => c.trim()) ?? [];
        assert.equal(cells.at(-2), (o.ratio_to_baseline as number).toFixed(3), `${String(o.name)}: the ratio`);
        assert.equal(Number(cells.at(-4)), o.baseline_rps, `${String(o.name)}: the baseline just before it`);
      }
      // every target has a verdict: met, not met, or not measured with its reason
      const targets = md.slice(md.indexOf('## Targets')).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| target'));
      assert.ok(targets.length >= 10, `${targets.length} targets`);
      for (const t of targets) assert.match(t, /\| (met|\*\*not met\*\*|not measured) \|$/, t);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
