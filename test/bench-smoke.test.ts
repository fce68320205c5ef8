/**
 * `npm run bench` in its smallest form (one connection count, half a second per point, the demo
 * register) against the built producer: it must run end to end and write results.json in the fixed
 * shape that tools read (issue 7), plus results.md. The figures themselves are not asserted.
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
  top: ['baseline', 'machine', 'operations', 'peers'],
  machine: ['cpus', 'node', 'workers'],
  baseline: ['connections', 'p50_ms', 'p99_ms', 'rps'],
  operation: ['connections', 'errors', 'logical_errors', 'name', 'non2xx', 'p50_ms', 'p95_ms', 'p99_ms', 'ratio_to_baseline', 'rps'],
  peer: ['connections', 'name', 'operation', 'p99_ms', 'rps'],
};

const keys = (o: object) => Object.keys(o).sort();

describe('npm run bench (smoke)', { skip: fs.existsSync(mainJs) ? false : 'dist/src/main.js not built' }, () => {
  it('writes results.json in the fixed shape, and results.md', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-smoke-'));
    try {
      const loader = path.extname(here) === '.ts' ? ['--import', 'tsx'] : [];
      const r = spawnSync(process.execPath, [...loader, runner, '--quick', '--connections', '1', '--duration', '0.5', '--out', out], {
        cwd: root,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as {
        machine: Record<string, unknown>;
        baseline: Array<Record<string, unknown>>;
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
      for (const served of ['GetDiagnosis', 'GetDecisionSupport', 'SearchPersonnel']) assert.ok(names.includes(served), served);
      for (const o of results.operations) {
        assert.deepEqual(keys(o), KEYS.operation);
        assert.ok((o.rps as number) > 0, `${String(o.name)} answered`);
        assert.equal(o.errors, 0, `${String(o.name)} transport errors`);
        assert.equal(o.non2xx, 0, `${String(o.name)} faults`);
        // a push counts only when stored (CREATED/UPDATED): the bench gives its subjects consent before timing
        assert.equal(o.logical_errors, 0, `${String(o.name)} answers that were errors or, for a push, not stored`);
        assert.equal(typeof o.ratio_to_baseline, 'number');
      }
      assert.equal(results.peers.length, 1);
      assert.deepEqual(keys(results.peers[0]!), KEYS.peer);
      assert.equal(results.peers[0]!.name, 'soap-npm-server');
      const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
      assert.match(md, /\| GetDiagnosis \| 1 \|/);
      // every ratio is shown with the baseline point measured just before it (README, bench/run.ts)
      for (const o of results.operations) {
        const row = md.split('\n').find((l) => l.startsWith(`| ${String(o.name)} | 1 |`));
        const cells = row?.split('|').map((c) => c.trim()) ?? [];
        assert.equal(cells.at(-2), (o.ratio_to_baseline as number).toFixed(3), `${String(o.name)}: the ratio`);
        assert.ok(Number(cells.at(-3)) > 0, `${String(o.name)}: the baseline just before it answered`);
      }
      assert.match(md, /## Targets/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
