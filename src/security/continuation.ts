/**
 * Opaque continuation tokens for keyset paging (SearchPersonnel, GetCaseOverview 2.0).
 *
 * A token is AES-256-GCM over the last sort key of a page, with the query binding as additional
 * authenticated data: SHA-256 over the normalised criteria and whoever asks (the effective consumer's
 * HSA-id, and for the case hub the representative). So a token
 *  - reveals nothing (the sort key inside is encrypted),
 *  - cannot be edited (GCM tag), and
 *  - cannot be replayed with other criteria or by another caller (the binding is authenticated).
 * Any failure is reported as `undefined`, which the handlers answer with VALIDATION_ERROR.
 * Format: base64url( version(1) | iv(12) | ciphertext | tag(16) ).
 */
import crypto from 'node:crypto';
import { GCM_NONCE_BYTES, gcmNonce } from './gcm-nonce.js';

const VERSION = 1;

/** The binding of a token to one query: SHA-256 over the JSON of its parts (criteria and caller, normalised). */
export function bindingOf(parts: readonly unknown[]): Buffer {
  return crypto.createHash('sha256').update(JSON.stringify([VERSION, ...parts])).digest();
}

/** Seals a page's last sort key (plain JSON values) under `key`, bound to `binding`. */
export function sealContinuation(key: Buffer, binding: Buffer, sortKey: readonly unknown[]): string {
  const iv = gcmNonce();
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(binding);
  const body = Buffer.concat([cipher.update(Buffer.from(JSON.stringify(sortKey), 'utf8')), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The sort key a token holds, or undefined when it is malformed, edited, or bound to another query. */
export function openContinuation(key: Buffer, binding: Buffer, token: string): unknown[] | undefined {
  if (!/^[A-Za-z0-9_-]{40,2000}$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  if (raw.length < 1 + GCM_NONCE_BYTES + 16 + 2 || raw[0] !== VERSION) return undefined;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(1, 1 + GCM_NONCE_BYTES));
    decipher.setAAD(binding);
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const plain = Buffer.concat([decipher.update(raw.subarray(1 + GCM_NONCE_BYTES, raw.length - 16)), decipher.final()]);
    const parsed: unknown = JSON.parse(plain.toString('utf8'));
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
