/**
 * Identity numbers never enter the audit trail (or a lookup column) in clear: callers put their keyed
 * HMAC-SHA256 (the function `createIdentifierHasher(key)` returns) into an entry's criteria. This is that
 * hash and its key.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { createPrivateFile } from '../private-files.js';

/** Keyed hash of an identifier (personnummer, samordningsnummer, organisationsnummer) for audit criteria and lookups. */
function hashIdentifier(value: string, key: Buffer): string {
  return createHmac('sha256', key).update(value.replace(/[\s-]/g, ''), 'utf8').digest('hex');
}

export function createIdentifierHasher(key: Buffer): (value: string) => string {
  if (key.length < 32) throw new Error('the identifier HMAC key must be at least 32 bytes');
  return (value) => hashIdentifier(value, key);
}

/**
 * The HMAC key for createIdentifierHasher(): `auditHmacKey` (hex, ≥ 64 hex digits, or base64 of ≥ 32 bytes) when
 * configured — required when several instances share one database — else `<dataDir>/audit-hmac.key`,
 * generated on first use (development).
 */
export function loadAuditHmacKey(options: { readonly dataDir: string; readonly auditHmacKey?: string | undefined }): Buffer {
  if (options.auditHmacKey) return parseKey(options.auditHmacKey, 'auditHmacKey');
  const file = path.join(options.dataDir, 'audit-hmac.key');
  try {
    createPrivateFile(file, randomBytes(32).toString('hex') + '\n');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseKey(fs.readFileSync(file, 'utf8').trim(), file);
}

function parseKey(text: string, source: string): Buffer {
  const key = /^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0 ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length < 32) throw new Error(`${source}: the audit HMAC key must be at least 32 bytes`);
  return key;
}
