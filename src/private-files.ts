/**
 * Files only the service user may read. The data directory holds identity-number HMACs, encrypted case
 * content, the continuation-token key (all in the database) and the key files, so it is 0700 and every
 * file the producer writes there is 0600, whatever the umask (see docs/deployment.md, "Data directory").
 * Every write of such a file goes through here; nothing else sets modes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;
const GROUP_AND_OTHER = 0o077;

/** A path whose group/other permission bits were removed, with its mode before (octal text, for the log). */
interface Tightened {
  readonly path: string;
  readonly mode: string;
}

function report(logger: Pick<Logger, 'warn'>, tightened: readonly Tightened[], failed: readonly string[] = []): void {
  if (tightened.length > 0) logger.warn({ tightened }, 'data directory: removed group and other permissions (now owner only)');
  if (failed.length > 0) logger.warn({ failed }, 'data directory: could not remove group and other permissions from these files');
}

/** Removes group and other bits from `p` (not following a link); returns its mode before if it changed it. */
function tighten(p: string, st: fs.Stats): Tightened | undefined {
  const mode = st.mode & 0o7777;
  if ((mode & GROUP_AND_OTHER) === 0) return undefined;
  fs.chmodSync(p, mode & ~GROUP_AND_OTHER);
  return { path: p, mode: mode.toString(8).padStart(4, '0') };
}

/**
 * Creates `dir` (0700) when missing. When it exists with wider permissions, removes group and other bits
 * from it, and from the regular files directly in it (the producer writes nothing deeper; symbolic links,
 * such as a mounted secret, are left alone), and logs what it changed. The directory itself must become
 * private, or this throws; a file that cannot be changed (another owner) is logged and left.
 */
export function ensurePrivateDir(dir: string, logger: Pick<Logger, 'warn'>): void {
  if (fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE }) !== undefined) return;
  const tightened: Tightened[] = [];
  const failed: string[] = [];
  const self = tighten(dir, fs.statSync(dir));
  if (self) tightened.push(self);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const p = path.join(dir, entry.name);
    try {
      const t = tighten(p, fs.lstatSync(p));
      if (t) tightened.push(t);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue; // removed meanwhile (a temporary file)
      if (code !== 'EPERM' && code !== 'EROFS') throw err;
      failed.push(p);
    }
  }
  report(logger, tightened, failed);
}

/**
 * Creates `file` holding `data`, readable and writable by the owner only (exactly 0600, whatever the
 * umask); missing parent directories are created 0700. Fails with EEXIST when the file exists, so two
 * processes starting at once never overwrite each other's keys; replace a file by creating a temporary
 * one and renaming it.
 */
export function createPrivateFile(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  const fd = fs.openSync(file, 'wx', PRIVATE_FILE_MODE);
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
    fs.writeFileSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Makes `file` exist with mode 0600: created empty when missing (an empty file is a valid empty SQLite
 * database, and SQLite gives its -wal and -shm files the database file's mode), else its group and other
 * bits removed (and logged).
 */
export function ensurePrivateFile(file: string, logger: Pick<Logger, 'warn'>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  const fd = fs.openSync(file, 'a', PRIVATE_FILE_MODE);
  try {
    const mode = fs.fstatSync(fd).mode & 0o7777;
    if ((mode & GROUP_AND_OTHER) === 0) return;
    fs.fchmodSync(fd, mode & ~GROUP_AND_OTHER);
    report(logger, [{ path: file, mode: mode.toString(8).padStart(4, '0') }]);
  } finally {
    fs.closeSync(fd);
  }
}
