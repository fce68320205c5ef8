/**
 * Linear cost (README, Faults): parse + validate + decode of every hostile body shape at the default
 * limits costs at most a generous factor of a plain body of the same size (one element holding that much
 * text). The target is 5×; the test allows 10× so that a busy machine does not fail it, and takes the
 * fastest of several runs. The shapes and the pipeline are the drill's (bench/drill-bodies.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { bodyShapes, measureInProcess } from '../bench/body-shapes.js';

const FACTOR = 10;

/** `gc()` without --expose-gc on the command line: the flag can be set at run time for a new context. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

describe('linear cost of parsing, validation and decoding', () => {
  const shapes = bodyShapes();

  it(`keeps every body shape within ${FACTOR}× a plain body of the same size`, () => {
    const rows = measureInProcess(shapes, { runs: 5, gc: exposeGc() });
    const table = rows.map((r) => `${r.shape.padEnd(24)} ${r.ms.toFixed(1).padStart(8)} ms ${r.ratio.toFixed(2).padStart(6)}× ${r.outcome}`).join('\n');
    process.stderr.write(`parse + validate + decode per shape (fastest of 5)\n${table}\n`);
    for (const r of rows) assert.ok(r.ratio <= FACTOR, `${r.shape}: ${r.ratio.toFixed(1)}× the plain body\n${table}`);
  });

  it('answers each shape as the producer would', () => {
    const rows = measureInProcess(shapes, { runs: 1 });
    for (const s of shapes) assert.equal(rows.find((r) => r.shape === s.name)!.outcome, s.expect, s.name);
  });
});
