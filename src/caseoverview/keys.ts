/**
 * The case hub's data keys (README, Case hub: "Privacy at rest").
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
 * The file itself (atomic writes, the update lock, re-reading it when it changed) is src/security/keys-file.ts;
 * it also holds the audit chain's keys (src/storage/audit-keys.ts), which this module leaves untouched.
 * A running instance re-reads the file when it meets an unknown key id or when the file changed, which is
 * what lets `npm run keys:rotate` work without a restart.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { GCM_NONCE_BYTES, gcmNonce } from '../security/gcm-nonce.js';
import { decodeKey, hasKeySet, KeysFileView, newKeyId, newStoredKey, readKeySet, updateKeysFile, withNewKey, type KeysFileContent } from '../security/keys-file.js';

const IV_BYTES = GCM_NONCE_BYTES;
const TAG_BYTES = 16;
/** The members of the keys file this ring owns. */
const KEYS = 'encryptionKeys';
const CURRENT = 'current';
const SUBJECT = 'subjectHmacKey';

export interface Sealed {
  readonly keyId: string;
  readonly blob: string;
}

/** The case fields a mandate's scope filters on besides the sender: each hashed under its own key (scopeHash). */
export type ScopeField = 'category' | 'committee' | 'serviceArea';

interface CaseKeys {
  readonly subjectKey: Buffer;
  /** One HMAC key per scope field, derived from the subject key (see scopeHash). */
  readonly scopeKeys: Readonly<Record<ScopeField, Buffer>>;
  /** GetCaseOverview's continuation tokens, derived like the scope keys: every instance sharing the file shares it. */
  readonly continuationKey: Buffer;
  readonly current: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

function parseCaseKeys(content: KeysFileContent, file: string): CaseKeys {
  const set = readKeySet(content, KEYS, CURRENT, file);
  const subjectKey = decodeKey(content[SUBJECT], SUBJECT);
  const derive = (field: ScopeField) => createHmac('sha256', subjectKey).update(`scope-key\0${field}`, 'utf8').digest();
  return {
    subjectKey,
    scopeKeys: { category: derive('category'), committee: derive('committee'), serviceArea: derive('serviceArea') },
    continuationKey: createHmac('sha256', subjectKey).update('continuation-key', 'utf8').digest(),
    current: set.current,
    keys: set.keys,
  };
}

/**
 * Adds the case keys (subject HMAC key and a first encryption key) to the keys file when it has none,
 * creating the file if needed (development start); anything else in the file is kept. Returns true if it added them.
 */
export function ensureCaseKeys(file: string): boolean {
  return updateKeysFile(file, (content) => {
    if (hasKeySet(content, KEYS, CURRENT) && typeof content?.[SUBJECT] === 'string') return undefined;
    const id = newKeyId();
    return { ...(content ?? { version: 1 }), [SUBJECT]: newStoredKey().key, [KEYS]: { [id]: newStoredKey() }, [CURRENT]: id };
  });
}

/** Adds a new encryption key and makes it current; old keys stay for decryption. Returns the new key id. */
export function addEncryptionKey(file: string): string {
  const id = newKeyId();
  updateKeysFile(file, (content) => {
    if (!content) throw new Error(`case keys: ${file} does not exist`);
    parseCaseKeys(content, file);
    return withNewKey(content, KEYS, CURRENT, id);
  });
  return id;
}

export class CaseKeyRing {
  private readonly view: KeysFileView<CaseKeys>;

  constructor(readonly file: string) {
    this.view = new KeysFileView(file, parseCaseKeys);
  }

  get currentKeyId(): string {
    return this.view.value.current;
  }

  /** HMAC-SHA256 of an identity number (hex): the only form in which a subject is stored or looked up. */
  subjectHash(id: string): string {
    return createHmac('sha256', this.view.value.subjectKey).update(id.replace(/[\s-]/g, ''), 'utf8').digest('hex');
  }

  /**
   * Keyed HMAC-SHA256 (hex) of a case's category, committee code or service area, the form in which the
   * overview filters on them (docs/hub-people.md#scope-hashes). Each field has its own key, derived from the
   * subject key with the field's name, so one value in two fields hashes differently and no scope hash can
   * equal a subject hash. The value is hashed exactly as given: scopes match exactly.
   */
  scopeHash(field: ScopeField, value: string): string {
    return createHmac('sha256', this.view.value.scopeKeys[field]).update(value, 'utf8').digest('hex');
  }

  /** The AES-256 key of GetCaseOverview's continuation tokens (src/security/continuation.ts). */
  continuationKey(): Buffer {
    return this.view.value.continuationKey;
  }

  /** Keyed MAC over canonical content, to tell an identical re-delivery from a conflicting one without storing a plain hash. */
  contentMac(canonical: string): string {
    return createHmac('sha256', this.view.value.subjectKey).update('content\0' + canonical, 'utf8').digest('hex');
  }

  seal(plaintext: string, aad: string): Sealed {
    const { current: keyId, keys } = this.view.value;
    const iv = gcmNonce();
    const cipher = createCipheriv('aes-256-gcm', keys.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId, blob: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
  }

  open(sealed: Sealed, aad: string): string {
    let key = this.view.value.keys.get(sealed.keyId);
    if (!key) {
      key = this.view.reload().keys.get(sealed.keyId); // a rotation elsewhere may have added it
      if (!key) throw new Error(`case keys: unknown key id ${sealed.keyId} (is the keys file shared by every instance?)`);
    }
    const raw = Buffer.from(sealed.blob, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}
