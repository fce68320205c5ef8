/**
 * The in-process read/write lock around SQLite's one shared connection (database.ts says why): readers
 * share it, a write transaction has it alone.
 */

/** A tiny async read/write lock; writers are not starved (a queued writer blocks later readers). */
export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Array<{ write: boolean; resolve: () => void }> = [];

  /** Takes the lock now if it is free for this kind of access; false means: call acquire() and wait. */
  tryAcquire(write: boolean): boolean {
    if (this.queue.length === 0 && !this.writer && (!write || this.readers === 0)) {
      if (write) this.writer = true;
      else this.readers++;
      return true;
    }
    return false;
  }

  async acquire(write: boolean): Promise<void> {
    if (this.tryAcquire(write)) return;
    await new Promise<void>((resolve) => this.queue.push({ write, resolve }));
  }

  release(write: boolean): void {
    if (write) this.writer = false;
    else this.readers--;
    this.drain();
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.writer) {
      const next = this.queue[0]!;
      if (next.write) {
        if (this.readers > 0) return;
        this.queue.shift();
        this.writer = true;
        next.resolve();
        return;
      }
      this.queue.shift();
      this.readers++;
      next.resolve();
    }
  }
}
