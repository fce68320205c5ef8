/**
 * GroupCommitQueue (src/storage/group-commit.ts): items added in one event-loop turn form one batch;
 * at most maxInFlight batches run; a batch holds at most maxBatch items; what arrives while batches run
 * waits for the next one; a flush that throws rejects its items; drain() waits for everything.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommitQueue, type Pending } from '../src/storage/group-commit.js';

/** A queue whose flushes are recorded and held until released. */
function heldQueue(options: { maxBatch: number; maxInFlight: number }) {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  let running = 0;
  let maxRunning = 0;
  const queue = new GroupCommitQueue<number, number>({
    ...options,
    flush: async (batch: ReadonlyArray<Pending<number, number>>) => {
      batches.push(batch.map((p) => p.input));
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((r) => releases.push(r));
      running--;
      batch.forEach((p) => p.resolve(p.input * 10));
    },
  });
  /** A few event-loop turns: enough for a finished batch to schedule and start the next. */
  const turn = async () => {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };
  const releaseAll = () => releases.splice(0).forEach((r) => r());
  return { queue, batches, turn, releaseAll, maxRunning: () => maxRunning };
}

describe('GroupCommitQueue', () => {
  it('puts the items of one turn in one batch, and what arrives meanwhile in the next', async () => {
    const q = heldQueue({ maxBatch: 100, maxInFlight: 1 });
    const first = [1, 2, 3].map((n) => q.queue.add(n));
    await q.turn();
    const second = [4, 5].map((n) => q.queue.add(n));
    await q.turn();
    assert.deepEqual(q.batches, [[1, 2, 3]], 'the second batch waits while one is in flight');
    q.releaseAll();
    assert.deepEqual(await Promise.all(first), [10, 20, 30]);
    await q.turn();
    assert.deepEqual(q.batches, [[1, 2, 3], [4, 5]]);
    q.releaseAll();
    assert.deepEqual(await Promise.all(second), [40, 50]);
  });

  it('runs up to maxInFlight batches at once and splits at maxBatch', async () => {
    const q = heldQueue({ maxBatch: 2, maxInFlight: 2 });
    const all = [1, 2, 3, 4, 5].map((n) => q.queue.add(n));
    await q.turn();
    await q.turn();
    assert.deepEqual(q.batches, [[1, 2], [3, 4]]);
    assert.equal(q.maxRunning(), 2);
    const drained = q.queue.drain();
    for (let i = 0; i < 4; i++) {
      q.releaseAll();
      await q.turn();
    }
    await drained;
    assert.deepEqual(q.batches, [[1, 2], [3, 4], [5]]);
    assert.deepEqual(await Promise.all(all), [10, 20, 30, 40, 50]);
  });

  it('rejects the items of a flush that throws, and goes on with the next batch', async () => {
    let calls = 0;
    const queue = new GroupCommitQueue<string, string>({
      maxBatch: 10,
      maxInFlight: 1,
      flush: async (batch) => {
        if (calls++ === 0) throw new Error('disk full');
        batch.forEach((p) => p.resolve(p.input.toUpperCase()));
      },
    });
    const failed = queue.add('a');
    await assert.rejects(failed, /disk full/);
    assert.equal(await queue.add('b'), 'B');
  });
});
