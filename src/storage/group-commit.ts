/**
 * The queue behind every group commit (pushes, audit entries): callers `add()` one item and get a
 * promise; items that arrive together are handed to `flush` as one batch, which settles each of them.
 *
 * A batch starts on the next event-loop turn after its first item (or after `maxDelayMs`, or at once
 * when `maxBatch` items wait). At most `maxInFlight` batches run at a time; items arriving meanwhile
 * wait for the next one, so batches grow with load. On SQLite several batches may be in flight: they
 * wait in the database thread's queue, which commits everything waiting in one transaction, in order
 * (sqlite-thread-worker.ts), instead of after a round trip through this thread's event loop.
 */
export interface Pending<I, O> {
  readonly input: I;
  readonly resolve: (output: O) => void;
  readonly reject: (err: unknown) => void;
}

export interface GroupCommitOptions<I, O> {
  /** Writes one batch and settles every item of it. */
  readonly flush: (batch: ReadonlyArray<Pending<I, O>>) => Promise<void>;
  readonly maxBatch: number;
  readonly maxInFlight: number;
  /** How long the first item waits for company (default 0: the next event-loop turn). */
  readonly maxDelayMs?: number;
}

export class GroupCommitQueue<I, O> {
  private readonly queue: Array<Pending<I, O>> = [];
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  constructor(private readonly options: GroupCommitOptions<I, O>) {}

  add(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when every item added so far is settled. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running.size > 0) {
      if (this.running.size > 0) await Promise.all(this.running);
      else this.start();
    }
  }

  private schedule(): void {
    if (this.timer || this.running.size >= this.options.maxInFlight) return; // a running batch picks the queue up when it ends
    if (this.queue.length >= this.options.maxBatch) {
      this.start();
      return;
    }
    const delay = this.options.maxDelayMs ?? 0;
    this.timer = delay > 0 ? setTimeout(() => this.start(), delay) : setImmediate(() => this.start());
  }

  private start(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    // More than maxBatch waiting: the rest goes out at once too, while batches may still be added.
    while (this.running.size < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      const run: Promise<void> = this.options
        .flush(batch)
        .catch((err: unknown) => batch.forEach((p) => p.reject(err)))
        .finally(() => {
          this.running.delete(run);
          if (this.queue.length > 0) this.schedule();
        });
      this.running.add(run);
    }
  }
}
