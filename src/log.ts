/**
 * The one logger: structured JSON lines (pino). Personal data never reaches a log line:
 * known personal fields are censored (censorPersonal below), and code that must mention a subject uses
 * maskIdentity().
 */
import { pino, type Logger } from 'pino';

/** Field names that may carry personal identity numbers or names, wherever they appear in a log object. */
const PERSONAL_FIELDS = [
  'personalIdentityNumber',
  'coordinationNumber',
  'subject',
  'familyName',
  'givenName',
  'name',
];

/**
 * Lines are collected up to this many bytes per write(2). Writing each line on its own cost about 40 µs
 * of the event loop per request under load (docs/performance.md).
 */
const LOG_BUFFER_BYTES = 8 * 1024;
/** ... and never held longer than this, so a quiet producer's lines still show promptly. */
const LOG_FLUSH_MS = 100;

let sharedStdout: pino.DestinationStream | undefined;

/** One buffer for the process: every logger writes stdout through it, so their lines keep their order. */
function bufferedStdout(): pino.DestinationStream {
  return (sharedStdout ??= createBufferedStdout());
}

/**
 * stdout, asynchronous and buffered. pino flushes it synchronously on exit (also after a fatal error);
 * a `kill -9` loses at most the last LOG_FLUSH_MS of lines. The audit trail, not the log, is the
 * durable record of who did what (docs/design.md#audit).
 */
function createBufferedStdout(): pino.DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  let pending = false;
  setInterval(() => {
    if (!pending) return;
    pending = false;
    stdout.flush();
  }, LOG_FLUSH_MS).unref();
  return {
    write(line: string) {
      pending = true;
      stdout.write(line);
    },
  };
}

export function createLogger(level = 'info', destination: pino.DestinationStream = bufferedStdout()): Logger {
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }), log: censorPersonal },
    },
    destination,
  );
  // A child's bindings are censored the same way (pino's formatters do not see them); children of
  // children inherit this method.
  type Child = (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;
  const child = logger.child as unknown as Child;
  const censoredChild: Child = function (bindings, options) {
    return child.call(this, censorPersonal(bindings), options);
  };
  logger.child = censoredChild as unknown as Logger['child'];
  return logger;
}

const PERSONAL = new Set(PERSONAL_FIELDS);
const CENSOR = '[redacted]';
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * Censors the personal fields of a log object: at its top, and one level inside any of its values
 * (what pino's redact paths `<field>` and `*.<field>` did). Not pino's `redact` option: with a path that
 * starts with `*` it runs a redactor over every value of every line, which cost about 30 µs and a
 * third of all the memory a request allocates (docs/performance.md). Copies only what it censors; the
 * caller's objects are never changed. Errors are left to pino's error serializer whole.
 */
function censorPersonal(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    if (!own(obj, key)) continue;
    const value = obj[key];
    if (value === undefined) continue;
    let replacement: unknown = value;
    if (PERSONAL.has(key)) replacement = CENSOR;
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error)) {
      let inner: Record<string, unknown> | undefined;
      for (const field of PERSONAL_FIELDS) {
        if (own(value, field) && (value as Record<string, unknown>)[field] !== undefined) (inner ??= { ...(value as Record<string, unknown>) })[field] = CENSOR;
      }
      if (inner) replacement = inner;
    }
    if (replacement !== value) (out ??= { ...obj })[key] = replacement;
  }
  return out ?? obj;
}

/** Masks an identity number (personnummer, samordningsnummer, organisationsnummer) for logs: only the last two digits stay. */
export function maskIdentity(id: string): string {
  if (id.length <= 2) return '*'.repeat(id.length);
  return '*'.repeat(id.length - 2) + id.slice(-2);
}
