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

export function createLogger(level = 'info', destination?: pino.DestinationStream): Logger {
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
