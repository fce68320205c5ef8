/**
 * The SQLite database thread (sqlite-thread.ts explains why it exists).
 *
 * Group commit across requests: while one transaction commits (the fsync), requests queue on the
 * port. The next transaction takes every request waiting, runs each program under its own SAVEPOINT,
 * and commits once; then each request gets its reply. A program that throws is rolled back to its
 * savepoint and fails alone. Replies are sent only after the COMMIT has returned.
 *
 * A group whose every request may lose its commit to a power loss (WriteOptions.durable false in
 * database.ts: the outbox's bookkeeping) commits with synchronous=NORMAL, i.e. without syncing the WAL;
 * the next durable commit syncs it. A group with any other request commits with the connection's own
 * setting (FULL).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { isDatabaseUnavailable } from './errors.js';
import { openSqliteConnection } from './sqlite-connection.js';
import { SqliteStatements } from './sqlite-statements.js';
import { loadProgram, ThreadWriteLock, type SerialisedError, type ThreadReply, type ThreadRequest, type SqliteThreadData } from './sqlite-thread.js';

const data = workerData as SqliteThreadData;
const port = parentPort!;
const connection = openSqliteConnection(data.file, data.busyTimeoutMs, data.durable);
const statements = new SqliteStatements(connection);
const lock = new ThreadWriteLock(data.lock);

/** Most requests in one transaction (each request may itself be a batch, e.g. of pushes). */
const MAX_GROUP = 64;

type Message = ThreadRequest | { readonly close: true };

async function executeGroup(requests: readonly ThreadRequest[]): Promise<ThreadReply[]> {
  const replies: ThreadReply[] = [];
  const runnable: Array<{ request: ThreadRequest; fn: Awaited<ReturnType<typeof loadProgram>> }> = [];
  for (const request of requests) {
    try {
      runnable.push({ request, fn: await loadProgram(request) });
    } catch (err) {
      replies.push({ id: request.id, ok: false, error: serialise(err) });
    }
  }
  if (runnable.length === 0) return replies;
  const done: ThreadReply[] = [];
  const relaxed = data.durable && runnable.every(({ request }) => request.durable === false);
  if (relaxed) connection.pragma('synchronous = NORMAL');
  lock.acquireBlocking();
  try {
    statements.run('BEGIN IMMEDIATE');
    try {
      for (const { request, fn } of runnable) {
        statements.run('SAVEPOINT request');
        try {
          const output = await fn(statements, request.input);
          statements.run('RELEASE request');
          done.push({ id: request.id, ok: true, output });
        } catch (err) {
          statements.run('ROLLBACK TO request');
          statements.run('RELEASE request');
          done.push({ id: request.id, ok: false, error: serialise(err) });
        }
      }
      statements.run('COMMIT');
    } catch (err) {
      if (statements.inTransaction) statements.run('ROLLBACK');
      throw err;
    }
  } catch (err) {
    // BEGIN, a savepoint or COMMIT failed: nothing of this group is committed.
    const error = serialise(err);
    return [...replies, ...runnable.map(({ request }): ThreadReply => ({ id: request.id, ok: false, error }))];
  } finally {
    lock.release();
    if (relaxed) connection.pragma('synchronous = FULL');
  }
  return [...replies, ...done];
}

async function executeRead(request: ThreadRequest): Promise<ThreadReply> {
  try {
    const fn = await loadProgram(request);
    return { id: request.id, ok: true, output: await fn(statements, request.input) };
  } catch (err) {
    return { id: request.id, ok: false, error: serialise(err) };
  }
}

function serialise(err: unknown): SerialisedError {
  const e = err as { name?: unknown; message?: unknown; driverError?: { code?: unknown }; code?: unknown };
  const code = e?.driverError?.code ?? e?.code;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof code === 'string' ? { code } : {}),
    unavailable: isDatabaseUnavailable(err),
  };
}

const inbox: Message[] = [];
let draining = false;

async function drain(): Promise<void> {
  for (;;) {
    // Everything that arrived while the last transaction ran joins the next one.
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) inbox.push(m.message as Message);
    if (inbox.length === 0) break;
    // Reads first: they see the last committed state and need not wait for the next commit's fsync.
    for (let i = 0; i < inbox.length; i++) {
      const m = inbox[i]!;
      if ('close' in m) break;
      if (!m.read) continue;
      inbox.splice(i--, 1);
      port.postMessage(await executeRead(m));
    }
    if (inbox.length === 0) continue;
    const closeAt = inbox.findIndex((m) => 'close' in m);
    const take = Math.min(closeAt === -1 ? inbox.length : closeAt, MAX_GROUP);
    if (take === 0) {
      // `close` comes after everything sent before it.
      connection.close();
      port.close();
      return;
    }
    const group = inbox.splice(0, take) as ThreadRequest[];
    for (const reply of await executeGroup(group)) port.postMessage(reply);
  }
  draining = false;
}

port.on('message', (message: Message) => {
  inbox.push(message);
  if (!draining) {
    draining = true;
    void drain();
  }
});
