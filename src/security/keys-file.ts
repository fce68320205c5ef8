/**
 * The keys file (config.keysFile): one JSON object, mode 0600, shared by every instance, that holds the
 * secret keys kept outside the database. This module knows the file, not what the keys are for: each
 * user (the case hub's key ring, the audit chain's key ring) owns its own members of the object and
 * leaves the others untouched.
 *
 *  - Key sets: a map `{ <id>: { key, created } }` plus the name of its current id. Rotation adds a key and
 *    moves the current id; old keys stay, because data written under them still needs them.
 *  - Writes are atomic (temporary file, then rename), so a reader sees the old or the new file, never half.
 *  - Changes are read-modify-write under a lock file (`<file>.lock`, created exclusively), so two processes
 *    adding keys at the same moment (instances starting together, a rotation during a start) cannot
 *    overwrite each other's keys.
 *  - Readers re-read the file when it changed (KeysFileView), which is how a rotation reaches running
 *    instances without a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createPrivateFile } from '../private-files.js';

/** The file's JSON object. Members other than `version` belong to the key rings that use the file. */
export interface KeysFileContent {
  readonly version: 1;
  readonly [member: string]: unknown;
}

export interface StoredKey {
  readonly key: string;
  readonly created: string;
}

/** A key set as read: every key by id, and the id new data is written under. */
export interface KeySet {
  readonly current: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

const KEY_BYTES = 32;
/** How often a view looks at the file's modification time at most. */
export const RELOAD_CHECK_MS = 2000;
const LOCK_WAIT_MS = 10_000;
/** A lock older than this was left by a process that died while holding it (an update takes milliseconds). */
const LOCK_STALE_MS = 10_000;

export function newKeyId(prefix = 'k'): string {
  return `${prefix}${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(4).toString('hex')}`;
}

export function newStoredKey(): StoredKey {
  return { key: randomBytes(KEY_BYTES).toString('base64'), created: new Date().toISOString() };
}

export function decodeKey(text: unknown, what: string): Buffer {
  const key = typeof text === 'string' ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) throw new Error(`keys file: ${what} must be ${KEY_BYTES} bytes (base64)`);
  return key;
}

function readKeysFile(file: string): KeysFileContent {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeysFileContent;
  if (parsed === null || typeof parsed !== 'object' || parsed.version !== 1) throw new Error(`keys file: ${file} is not a version-1 keys file`);
  return parsed;
}

/** True when the content holds the key set `keysMember` with a current id (not checked further). */
export function hasKeySet(content: KeysFileContent | undefined, keysMember: string, currentMember: string): boolean {
  return !!content && typeof content[keysMember] === 'object' && content[keysMember] !== null && typeof content[currentMember] === 'string';
}

/** Decodes the key set `keysMember` (its current id in `currentMember`); throws when it is missing or malformed. */
export function readKeySet(content: KeysFileContent, keysMember: string, currentMember: string, file: string): KeySet {
  if (!hasKeySet(content, keysMember, currentMember)) throw new Error(`keys file: ${file} holds no ${keysMember}`);
  const stored = content[keysMember] as Record<string, StoredKey>;
  const keys = new Map<string, Buffer>();
  for (const [id, k] of Object.entries(stored)) keys.set(id, decodeKey(k?.key, `${keysMember}.${id}`));
  const current = content[currentMember] as string;
  if (!keys.has(current)) throw new Error(`keys file: ${file} names ${currentMember} ${current}, which ${keysMember} does not hold`);
  return { current, keys };
}

/** The content with one more key in `keysMember`, made current. */
export function withNewKey(content: KeysFileContent, keysMember: string, currentMember: string, id: string): KeysFileContent {
  const stored = (content[keysMember] ?? {}) as Record<string, StoredKey>;
  if (stored[id]) throw new Error(`keys file: key id ${id} exists already`);
  return { ...content, [keysMember]: { ...stored, [id]: newStoredKey() }, [currentMember]: id };
}

/**
 * Read-modify-write under the lock: `change` gets the current content (undefined when the file does not
 * exist) and returns the new content, or undefined to leave the file as it is. Returns true if it wrote.
 */
export function updateKeysFile(file: string, change: (content: KeysFileContent | undefined) => KeysFileContent | undefined): boolean {
  // Nothing to change (every start of a configured instance): no lock, so a read-only mounted keys file works.
  if (fs.existsSync(file) && change(readKeysFile(file)) === undefined) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return withLock(file, () => {
    const old = fs.existsSync(file) ? readKeysFile(file) : undefined;
    const next = change(old);
    if (next === undefined) return false;
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    createPrivateFile(tmp, JSON.stringify(next, null, 2) + '\n');
    fs.renameSync(tmp, file);
    return true;
  });
}

function withLock<T>(file: string, work: () => T): T {
  const lock = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      createPrivateFile(lock, `${process.pid}\n`);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) {
        fs.rmSync(lock, { force: true });
        continue;
      }
    } catch {
      continue; // released between our attempt and the stat
    }
    if (Date.now() > deadline) throw new Error(`keys file: ${lock} is held by another process; remove it if no process is changing the keys`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * What one key ring sees of the file: `parse` turns the content into the ring's keys. `value` re-reads
 * the file when its modification time changed (looked at no more than every RELOAD_CHECK_MS); `reload()`
 * re-reads at once (a ring that meets a key id it does not know). A file that vanishes or turns unreadable
 * while running keeps the keys in memory: an operator matter, not a reason to stop serving.
 */
export class KeysFileView<T> {
  private current!: T;
  private mtimeMs = 0;
  private lastCheck = 0;

  constructor(
    readonly file: string,
    private readonly parse: (content: KeysFileContent, file: string) => T,
  ) {
    this.reload();
  }

  get value(): T {
    const now = Date.now();
    if (now - this.lastCheck >= RELOAD_CHECK_MS) {
      this.lastCheck = now;
      try {
        if (fs.statSync(this.file).mtimeMs !== this.mtimeMs) this.reload();
      } catch {
        // keep what we have (see above)
      }
    }
    return this.current;
  }

  reload(): T {
    const stat = fs.statSync(this.file);
    this.current = this.parse(readKeysFile(this.file), this.file);
    this.mtimeMs = stat.mtimeMs;
    this.lastCheck = Date.now();
    return this.current;
  }
}
