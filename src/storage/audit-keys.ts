/**
 * The audit chain's keys: HMAC-SHA256 keys kept outside the database, in the keys file (config.keysFile,
 * src/security/keys-file.ts) beside the case keys, as their own key set:
 *
 *   "auditKeys": { "<id>": { "key": <32 bytes base64>, "created": … } },  "auditCurrent": "<id>"
 *
 * New entries are chained under `auditCurrent`; each entry stores the id of the key it was chained with.
 * Rotation (`npm run keys:rotate -- --audit`) adds a key and makes it current. Old keys must stay in the
 * file for good: verification needs the key of every entry ever written. See docs/audit.md.
 */
import { hasKeySet, KeysFileView, newKeyId, readKeySet, updateKeysFile, withNewKey, type KeySet, type KeysFileContent } from '../security/keys-file.js';

const KEYS = 'auditKeys';
const CURRENT = 'auditCurrent';

function parseAuditKeys(content: KeysFileContent, file: string): KeySet {
  return readKeySet(content, KEYS, CURRENT, file);
}

/** Adds a first audit chain key to the keys file when it has none (creating the file if needed); keeps everything else. Returns true if it added one. */
export function ensureAuditKeys(file: string): boolean {
  return updateKeysFile(file, (content) => {
    if (hasKeySet(content, KEYS, CURRENT)) return undefined;
    return withNewKey(content ?? { version: 1 }, KEYS, CURRENT, newKeyId('a'));
  });
}

/** Adds a new audit chain key and makes it current (old keys stay). Returns its id. */
export function addAuditKey(file: string): string {
  const id = newKeyId('a');
  updateKeysFile(file, (content) => {
    if (!content || !hasKeySet(content, KEYS, CURRENT)) throw new Error(`audit keys: ${file} holds no audit chain keys yet (start the producer once, or add them)`);
    return withNewKey(content, KEYS, CURRENT, id);
  });
  return id;
}

/** One keys file's audit keys, re-read when the file changes (a rotation) or when an unknown key id is asked for. */
export class AuditKeyRing {
  private readonly view: KeysFileView<KeySet>;

  constructor(readonly file: string) {
    this.view = new KeysFileView(file, parseAuditKeys);
  }

  /** The key new entries are chained with. */
  current(): { readonly id: string; readonly key: Buffer } {
    const set = this.view.value;
    return { id: set.current, key: set.keys.get(set.current)! };
  }

  /** The key with this id, or undefined when the keys file does not hold it (after one re-read). */
  key(id: string): Buffer | undefined {
    return this.view.value.keys.get(id) ?? this.view.reload().keys.get(id);
  }
}

/**
 * The ring of a keys file, one per thread: write programs run on SQLite's database thread too, and get
 * the keys file's path (plain data), never the keys, from the caller.
 */
const rings = new Map<string, AuditKeyRing>();

export function auditKeyRing(file: string): AuditKeyRing {
  let ring = rings.get(file);
  if (!ring) {
    ring = new AuditKeyRing(file);
    rings.set(file, ring);
  }
  return ring;
}
