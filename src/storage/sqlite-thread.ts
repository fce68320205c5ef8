/**
 * SQLite's database thread: the hot SQL of the producer, off the event loop.
 *
 * Why (measured, docs/performance.md):
 * - better-sqlite3 is synchronous, and under `synchronous=FULL` every COMMIT waits for an fsync of the
 *   WAL. Under PushCaseStatus load those waits blocked the event loop about a third of the time.
 * - The hot reads must live on the same connection as the hot writes. When another connection has
 *   committed, SQLite drops a reader's whole page cache and memory map at its next read. A thread that
 *   only wrote made every SearchPersonnel after an audit commit read the register cold (40 % slower).
 *
 * What: a *program* is an exported function `(sql, input) => Promise<output>` of some module (`dbProgram`).
 * `SqliteThread.run(program, input)` sends the input to a worker thread (sqlite-thread-worker.ts) that
 * holds its own connection to the same file, with the same settings. A write program runs as ONE
 * transaction (BEGIN IMMEDIATE, the program, COMMIT), and its promise resolves only after that COMMIT has
 * returned, so durability is exactly what it is on the event-loop thread. A read program runs outside any
 * transaction and sees the last committed state. Inputs and outputs are plain data (structured clone);
 * programs capture nothing from the caller.
 *
 * Both threads may write to the file (the event-loop thread for everything that is not a program:
 * imports, migrations, maintenance), so `ThreadWriteLock`, a word of shared memory, lets one of them
 * hold a write transaction at a time. The event-loop thread waits for it asynchronously, never in
 * SQLite's sleeping busy handler.
 */
import { Worker } from 'node:worker_threads';
import { DatabaseUnavailableError } from './errors.js';
import type { SqlRunner } from './sql.js';

export type ProgramFunction<I, O> = (sql: SqlRunner, input: I) => Promise<O>;

/**
 * A transaction's body or a read, runnable on any thread: `run`, exported under its own name by the
 * module at `module` (that module's import.meta.url), so the database thread can import it.
 */
export interface DbProgram<I, O> {
  readonly module: string;
  readonly name: string;
  readonly run: ProgramFunction<I, O>;
}

export function dbProgram<I, O>(module: string, run: ProgramFunction<I, O>): DbProgram<I, O> {
  return { module, name: run.name, run };
}

const loaded = new Map<string, ProgramFunction<unknown, unknown>>();

/** The program's function, imported once per thread (on the database thread, from its module and name). */
export async function loadProgram(program: { readonly module: string; readonly name: string }): Promise<ProgramFunction<unknown, unknown>> {
  const key = `${program.module}#${program.name}`;
  let fn = loaded.get(key);
  if (!fn) {
    const exported = ((await import(program.module)) as Record<string, unknown>)[program.name];
    if (typeof exported !== 'function') throw new Error(`program ${program.name} is not exported by ${program.module}`);
    fn = exported as ProgramFunction<unknown, unknown>;
    loaded.set(key, fn);
  }
  return fn;
}

/** Atomics.waitAsync (Node ≥ 16); TypeScript's ES2022 library does not declare it yet. */
const waitAsync = (Atomics as unknown as {
  waitAsync(cells: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

// Slots of the shared lock: [0] 1 while a thread holds the write lock; [1] event-loop waiters.
const HELD = 0;
const WAITERS = 1;
/** How long the database thread lets a waiting event-loop thread go first before it takes the lock anyway. */
const YIELD_MS = 2;

/** Serialises write transactions between the event-loop thread and the database thread of one process. */
export class ThreadWriteLock {
  readonly cells: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.cells = new Int32Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.cells.buffer as SharedArrayBuffer;
  }

  tryAcquire(): boolean {
    return Atomics.compareExchange(this.cells, HELD, 0, 1) === 0;
  }

  /** For the event-loop thread: waits without blocking it. */
  async acquire(): Promise<void> {
    if (this.tryAcquire()) return;
    Atomics.add(this.cells, WAITERS, 1);
    try {
      while (!this.tryAcquire()) {
        const wait = waitAsync(this.cells, HELD, 1);
        if (wait.async) await wait.value;
      }
    } finally {
      Atomics.sub(this.cells, WAITERS, 1);
      Atomics.notify(this.cells, WAITERS);
    }
  }

  /** For the database thread: blocks it, and lets a waiting event-loop thread go first (for at most YIELD_MS). */
  acquireBlocking(): void {
    const waiters = Atomics.load(this.cells, WAITERS);
    if (waiters > 0) Atomics.wait(this.cells, WAITERS, waiters, YIELD_MS);
    while (!this.tryAcquire()) Atomics.wait(this.cells, HELD, 1);
  }

  release(): void {
    Atomics.store(this.cells, HELD, 0);
    Atomics.notify(this.cells, HELD);
  }
}

/** What the worker starts with. */
export interface SqliteThreadData {
  readonly file: string;
  readonly lock: SharedArrayBuffer;
  readonly busyTimeoutMs: number;
  /** False only for `npm run bench`'s durability-off points (sqlite-connection.ts). */
  readonly durable: boolean;
}

export interface ThreadRequest {
  readonly id: number;
  /** A read: runs outside any transaction, ahead of the writes waiting with it. */
  readonly read: boolean;
  /** False: a write whose commit need not survive a power loss (database.ts, WriteOptions). */
  readonly durable: boolean;
  readonly module: string;
  readonly name: string;
  readonly input: unknown;
}

export type ThreadReply =
  | { readonly id: number; readonly ok: true; readonly output: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerialisedError };

/** An error as it crosses back from the worker: enough to classify it and to log it. */
export interface SerialisedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly unavailable: boolean;
}

class ThreadError extends Error {
  readonly code: string | undefined;
  constructor(e: SerialisedError) {
    super(e.message);
    this.name = e.name;
    this.code = e.code;
  }
}

interface PendingRun {
  readonly resolve: (output: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/** The event-loop side: starts the worker on first use, and restarts it if it dies. */
export class SqliteThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, PendingRun>();
  private closed = false;

  constructor(
    private readonly data: SqliteThreadData,
    private readonly workerUrl: URL = new URL('./sqlite-thread-worker.js', import.meta.url),
  ) {}

  run<I, O>(program: DbProgram<I, O>, input: I, read = false, durable = true): Promise<O> {
    if (this.closed) return Promise.reject(new DatabaseUnavailableError('Database unavailable: closed'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<O>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (o: unknown) => void, reject });
      // Keep the process alive only while work is in flight (a CLI must not exit before its commit).
      if (this.pending.size === 1) worker.ref();
      const request: ThreadRequest = { id, read, durable, module: program.module, name: program.name, input };
      worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    // Queued work finishes first: the worker handles messages in order and exits after the last.
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref(); // an idle worker is unref'd; waiting for its exit must keep this thread alive
    worker.postMessage({ close: true });
    await exited;
    this.failAll(new DatabaseUnavailableError('Database unavailable: closed'));
  }

  private start(): Worker {
    const worker = new Worker(this.workerUrl, { workerData: this.data });
    worker.unref();
    worker.on('message', (reply: ThreadReply) => this.settle(reply));
    worker.on('error', (err) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new DatabaseUnavailableError('Database unavailable: the SQLite database thread failed', { cause: err }));
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new DatabaseUnavailableError('Database unavailable: the SQLite database thread exited'));
    });
    this.worker = worker;
    return worker;
  }

  private settle(reply: ThreadReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.ok) p.resolve(reply.output);
    else {
      const err = new ThreadError(reply.error);
      p.reject(reply.error.unavailable ? new DatabaseUnavailableError('Database unavailable', { cause: err }) : err);
    }
  }

  private failAll(err: unknown): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }
}
