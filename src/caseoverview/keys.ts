/**
 * The case hub's data keys (spec §5.4, "personal data at rest").
 *
 * The keys file (config.keysFile, JSON, mode 0600) holds
 *   - `subjectHmacKey`: the HMAC-SHA256 key that turns a subject's identity number into its lookup key.
 *     It never rotates: rotating it would orphan every stored case (lookups are by HMAC only).
 *   - `encryptionKeys`: AES-256-GCM keys by id, and `current`, the id new rows are written under.
 *     Rotation adds a key and moves `current`; old keys stay so rows not yet re-encrypted still decrypt.
 *
 * Every encrypted column is stored with its key id beside it; the blob is base64(iv ‖ tag ‖ ciphertext),
 * with additional authenticated data naming the row it belongs to, so a ciphertext copied onto another
 * row fails authentication instead of showing another case's content.
 *
 * A running instance re-reads the file when it meets an unknown key id or when the file changed (checked
 * at most every RELOAD_CHECK_MS), which is what lets `npm run keys:rotate` work without a restart.
 */
import fs from 'node:fs';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { createPrivateFile } from '../private-files.js';
import { GCM_NONCE_BYTES, gcmNonce } from '../security/gcm-nonce.js';

const IV_BYTES = GCM_NONCE_BYTES;
const TAG_BYTES = 16;
const RELOAD_CHECK_MS = 2000;

interface KeysFileContent {
  readonly version: 1;
  readonly subjectHmacKey: string;
  readonly current: string;
  readonly encryptionKeys: Readonly<Record<string, { readonly key: string; readonly created: string }>>;
}

export interface Sealed {
  readonly keyId: string;
  readonly blob: string;
}

function newKeyId(): string {
  return `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(4).toString('hex')}`;
}

function decodeKey(text: string, what: string): Buffer {
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) throw new Error(`case keys: ${what} must be 32 bytes (base64)`);
  return key;
}

function readKeysFile(file: string): KeysFileContent {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeysFileContent;
  if (parsed.version !== 1 || typeof parsed.subjectHmacKey !== 'string' || typeof parsed.current !== 'string' || !parsed.encryptionKeys) {
    throw new Error(`case keys: ${file} is not a version-1 keys file`);
  }
  if (!parsed.encryptionKeys[parsed.current]) throw new Error(`case keys: ${file} names current key ${parsed.current}, which it does not hold`);
  return parsed;
}

/** Writes the file atomically (rename), so a concurrent reader sees the old or the new content, never half. */
function writeKeysFile(file: string, content: KeysFileContent): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  createPrivateFile(tmp, JSON.stringify(content, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Creates a keys file with fresh random keys when none exists (development start). Returns true if it created one. */
export function ensureCaseKeys(file: string): boolean {
  if (fs.existsSync(file)) return false;
  const id = newKeyId();
  const content: KeysFileContent = {
    version: 1,
    subjectHmacKey: randomBytes(32).toString('base64'),
    current: id,
    encryptionKeys: { [id]: { key: randomBytes(32).toString('base64'), created: new Date().toISOString() } },
  };
  try {
    // Created exclusively: two processes starting at once must not both create (one overwriting the other's) keys.
    createPrivateFile(file, JSON.stringify(content, null, 2) + '\n');
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Adds a new encryption key and makes it current; old keys stay for decryption. Returns the new key id. */
export function addEncryptionKey(file: string): string {
  const old = readKeysFile(file);
  const id = newKeyId();
  writeKeysFile(file, {
    ...old,
    current: id,
    encryptionKeys: { ...old.encryptionKeys, [id]: { key: randomBytes(32).toString('base64'), created: new Date().toISOString() } },
  });
  return id;
}

export class CaseKeyRing {
  private subjectKey!: Buffer;
  private currentId!: string;
  private keys = new Map<string, Buffer>();
  private mtimeMs = 0;
  private lastCheck = 0;

  constructor(readonly file: string) {
    this.load();
  }

  get currentKeyId(): string {
    this.refreshIfChanged();
    return this.currentId;
  }

  /** HMAC-SHA256 of an identity number (hex): the only form in which a subject is stored or looked up. */
  subjectHash(id: string): string {
    return createHmac('sha256', this.subjectKey).update(id.replace(/[\s-]/g, ''), 'utf8').digest('hex');
  }

  /** Keyed MAC over canonical content, to tell an identical re-delivery from a conflicting one without storing a plain hash. */
  contentMac(canonical: string): string {
    return createHmac('sha256', this.subjectKey).update('content\0' + canonical, 'utf8').digest('hex');
  }

  seal(plaintext: string, aad: string): Sealed {
    const keyId = this.currentKeyId;
    const iv = gcmNonce();
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId, blob: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
  }

  open(sealed: Sealed, aad: string): string {
    let key = this.keys.get(sealed.keyId);
    if (!key) {
      this.load(); // a rotation elsewhere may have added it
      key = this.keys.get(sealed.keyId);
      if (!key) throw new Error(`case keys: unknown key id ${sealed.keyId} (is the keys file shared by every instance?)`);
    }
    const raw = Buffer.from(sealed.blob, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  private refreshIfChanged(): void {
    const now = Date.now();
    if (now - this.lastCheck < RELOAD_CHECK_MS) return;
    this.lastCheck = now;
    try {
      if (fs.statSync(this.file).mtimeMs !== this.mtimeMs) this.load();
    } catch {
      // keep the keys in memory; a vanished file is an operator matter, not a reason to stop serving
    }
  }

  private load(): void {
    const stat = fs.statSync(this.file);
    const content = readKeysFile(this.file);
    const keys = new Map<string, Buffer>();
    for (const [id, k] of Object.entries(content.encryptionKeys)) keys.set(id, decodeKey(k.key, `encryption key ${id}`));
    this.subjectKey = decodeKey(content.subjectHmacKey, 'subjectHmacKey');
    this.keys = keys;
    this.currentId = content.current;
    this.mtimeMs = stat.mtimeMs;
    this.lastCheck = Date.now();
  }
}
