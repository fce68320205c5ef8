/**
 * The ONE place where driver errors are classified. Data-access modules run their database work through
 * `guard()` (Database.read/transaction do it for them), so a lost connection surfaces as
 * DatabaseUnavailableError, and handlers never look at driver error codes themselves. Storage knows
 * nothing of SOAP: the fault layer (src/soap/fault.ts) answers this error with fault RP010.
 */

/** The database cannot be reached (connection lost, server down, file unusable); the caller may try again later. */
export class DatabaseUnavailableError extends Error {
  constructor(message = 'Database unavailable', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** PostgreSQL SQLSTATE codes (and classes) meaning "the server is not there / not usable right now". */
const PG_UNAVAILABLE_STATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovery)
  '57P05', // idle_session_timeout
  '53300', // too_many_connections
  '3D000', // invalid_catalog_name: database dropped/not created yet
]);

/** Node/pg socket-level error codes. */
const NET_UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
]);

/** Messages pg and TypeORM use for connection loss without a code. */
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection (?:is )?(?:closed|ended)/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /driver not connected/i,
  /database connection is not open/i,
  /the database connection is not open/i,
  /not connected/i,
];

/** SQLite result codes meaning the file cannot be used (better-sqlite3 puts the extended name in `code`). */
function isSqliteUnavailable(code: string): boolean {
  return (
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_BUSY') || // lock not obtained within busy_timeout
    code.startsWith('SQLITE_LOCKED') ||
    code.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_NOTADB' ||
    code.startsWith('SQLITE_CORRUPT') ||
    code === 'SQLITE_PROTOCOL'
  );
}

function errorChain(err: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 6 && cur !== undefined && cur !== null; i++) {
    out.push(cur);
    const c = cur as { driverError?: unknown; cause?: unknown };
    cur = c.driverError ?? c.cause;
  }
  return out;
}

/** True when `err` (or a TypeORM-wrapped driver error / cause inside it) means the database cannot be reached. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (const e of errorChain(err)) {
    if (e instanceof DatabaseUnavailableError) return true;
    if (typeof e !== 'object' || e === null) continue;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (NET_UNAVAILABLE_CODES.has(code)) return true;
      if (code.startsWith('SQLITE_')) {
        if (isSqliteUnavailable(code)) return true;
        continue;
      }
      if (/^[0-9A-Z]{5}$/.test(code) && (code.startsWith('08') || PG_UNAVAILABLE_STATES.has(code))) return true;
    }
    const name = (e as { name?: unknown }).name;
    if (name === 'ConnectionIsNotSetError' || name === 'CannotExecuteNotConnectedError') return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(message))) return true;
  }
  return false;
}

/** Returns `err` unchanged, or a DatabaseUnavailableError wrapping it when it is a connection-level failure. */
export function mapDatabaseError(err: unknown): unknown {
  if (err instanceof DatabaseUnavailableError) return err;
  if (isDatabaseUnavailable(err)) return new DatabaseUnavailableError('Database unavailable', { cause: err });
  return err;
}

/** Runs database work, mapping connection failures to DatabaseUnavailableError. */
export async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw mapDatabaseError(err);
  }
}
