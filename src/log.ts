/**
 * The one logger: structured JSON lines (pino). Personal data never reaches a log line:
 * known personal fields are redacted by path, and code that must mention a subject uses maskIdentity().
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
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [...PERSONAL_FIELDS, ...PERSONAL_FIELDS.map((f) => `*.${f}`)],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Masks an identity number (personnummer, samordningsnummer, organisationsnummer) for logs: only the last two digits stay. */
export function maskIdentity(id: string): string {
  if (id.length <= 2) return '*'.repeat(id.length);
  return '*'.repeat(id.length - 2) + id.slice(-2);
}
