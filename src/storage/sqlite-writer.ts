/**
 * SQLite's durable commits off the event loop.
 *
 * Why: better-sqlite3 is synchronous, and under `synchronous=FULL` every COMMIT waits for an fsync of
 * the WAL. Measured under PushCaseStatus load (docs/performance.md), those waits blocked the event loop
 * for about a third of the time, during which no request was parsed, validated or answered.
 *
 * What: a write *program* is an exported function `(sql, input) => Promise<output>` of some module.
 * `SqliteWriter.run(program, input)` sends the input to a worker thread (sqlite-writer-worker.ts),
 * which holds its own connection to the same file with the same settings and runs the program as ONE
 * transaction: BEGIN IMMEDIATE, the program, COMMIT. The promise resolves only after that COMMIT has
 * returned, so durability is exactly what it is on the event-loop thread. Inputs and outputs are plain
 * data (structured clone); programs never capture anything from the caller.
 *
 * Both threads write to one file, so `ThreadWriteLock` (a word of shared memory) lets only one of them
 * hold a write transaction at a time: the event-loop thread waits for it asynchronously, never in
 * SQLite's sleeping busy handler. Readers are unaffected: under WAL they read the last committed state.
 */
import { Worker } from 'node:worker_threads';
import { DatabaseUnavailableError } from './errors.js';
import type { SqlRunner } from './database.js';

export type WriteProgramFunction<I, O> = (sql: SqlRunner, input: I) => Promise<O>;

/**
 * A write transaction's body, runnable on any thread: `run`, exported under its own name by the
 * module at `module` (that module's import.meta.url), so the writer thread can import it.
 */
export interface WriteProgram<I, O> {
  readonly module: string;
  readonly name: string;
  readonly run: WriteProgramFunction<I, O>;
}

export function writeProgram<I, O>(module: string, run: WriteProgramFunction<I, O>): WriteProgram<I, O> {
  return { module, name: run.name, run };
}

const loaded = new Map<string, WriteProgramFunction<unknown, unknown>>();

/** The program's function, imported once per thread (on the writer thread, from its module and name). */
export async function loadWriteProgram(program: { readonly module: string; readonly name: string }): Promise<WriteProgramFunction<unknown, unknown>> {
  const key = `${program.module}#${program.name}`;
  let fn = loaded.get(key);
  if (!fn) {
    const exported = ((await import(program.module)) as Record<string, unknown>)[program.name];
    if (typeof exported !== 'function') throw new Error(`write program ${program.name} is not exported by ${program.module}`);
    fn = exported as WriteProgramFunction<unknown, unknown>;
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
/** How long the writer thread lets a waiting event-loop thread go first before it takes the lock anyway. */
const YIELD_MS = 2;

/** Serialises write transactions between the event-loop thread and the writer thread of one process. */
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

  /** For the writer thread: blocks it, and lets a waiting event-loop thread go first (for at most YIELD_MS). */
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
export interface WriterWorkerData {
  readonly file: string;
  readonly lock: SharedArrayBuffer;
  readonly busyTimeoutMs: number;
}

export interface WriterRequest {
  readonly id: number;
  readonly module: string;
  readonly name: string;
  readonly input: unknown;
}

export type WriterReply =
  | { readonly id: number; readonly ok: true; readonly output: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerialisedError };

/** An error as it crosses back from the worker: enough to classify it and to log it. */
export interface SerialisedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly unavailable: boolean;
}

export class WriterError extends Error {
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
export class SqliteWriter {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, PendingRun>();
  private closed = false;

  constructor(
    private readonly data: WriterWorkerData,
    private readonly workerUrl: URL = new URL('./sqlite-writer-worker.js', import.meta.url),
  ) {}

  run<I, O>(program: WriteProgram<I, O>, input: I): Promise<O> {
    if (this.closed) return Promise.reject(new DatabaseUnavailableError('Database unavailable: closed'));
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<O>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (o: unknown) => void, reject });
      // Keep the process alive only while work is in flight (a CLI must not exit before its commit).
      if (this.pending.size === 1) worker.ref();
      const request: WriterRequest = { id, module: program.module, name: program.name, input };
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
    worker.on('message', (reply: WriterReply) => this.settle(reply));
    worker.on('error', (err) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new DatabaseUnavailableError('Database unavailable: the SQLite writer thread failed', { cause: err }));
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new DatabaseUnavailableError('Database unavailable: the SQLite writer thread exited'));
    });
    this.worker = worker;
    return worker;
  }

  private settle(reply: WriterReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (reply.ok) p.resolve(reply.output);
    else {
      const err = new WriterError(reply.error);
      p.reject(reply.error.unavailable ? new DatabaseUnavailableError('Database unavailable', { cause: err }) : err);
    }
  }

  private failAll(err: unknown): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }
}
