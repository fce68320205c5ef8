/**
 * Opaque continuation tokens for SearchPersonnel paging.
 *
 * A token is AES-256-GCM over the last sort key of the page, with the query binding as additional
 * authenticated data: SHA-256 over the normalised criteria and the effective consumer's HSA-id.
 * So a token
 *  - reveals nothing (the name keys inside are encrypted),
 *  - cannot be edited (GCM tag), and
 *  - cannot be replayed with other criteria or by another consumer (the binding is authenticated).
 * Any failure is reported as `undefined`, which the handler answers with VALIDATION_ERROR.
 * Format: base64url( version(1) | iv(12) | ciphertext | tag(16) ).
 */
import crypto from 'node:crypto';
import { GCM_NONCE_BYTES, gcmNonce } from '../security/gcm-nonce.js';
import type { SearchCriteria, SortKey } from './personnel-store.js';

const VERSION = 1;

/** The binding of a token to one query: normalised criteria plus the effective consumer. */
export function queryBinding(criteria: SearchCriteria, consumerHsaId: string): Buffer {
  const canonical = JSON.stringify([
    VERSION,
    consumerHsaId,
    criteria.identity ? [criteria.identity.number, criteria.identity.coordination, criteria.identity.excludeProtected] : null,
    criteria.birthDate ?? null,
    criteria.familyName ? [criteria.familyName.kind, criteria.familyName.key] : null,
    criteria.givenName ? [criteria.givenName.kind, criteria.givenName.key] : null,
    criteria.professionCodes ?? null,
    criteria.specialityCode ?? null,
    criteria.countyCode ?? null,
    criteria.municipalityCode ?? null,
    criteria.prescriberCode ?? null,
  ]);
  return crypto.createHash('sha256').update(canonical).digest();
}

export function encodeContinuation(key: Buffer, binding: Buffer, after: SortKey): string {
  const iv = gcmNonce();
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(binding);
  const plain = Buffer.from(JSON.stringify([after.familyKey, after.givenKey, after.id]), 'utf8');
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]).toString('base64url');
}

export function decodeContinuation(key: Buffer, binding: Buffer, token: string): SortKey | undefined {
  if (!/^[A-Za-z0-9_-]{40,2000}$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  if (raw.length < 1 + GCM_NONCE_BYTES + 16 + 2 || raw[0] !== VERSION) return undefined;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(1, 1 + GCM_NONCE_BYTES));
    decipher.setAAD(binding);
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const plain = Buffer.concat([decipher.update(raw.subarray(1 + GCM_NONCE_BYTES, raw.length - 16)), decipher.final()]);
    const parsed: unknown = JSON.parse(plain.toString('utf8'));
    if (
      !Array.isArray(parsed) ||
      parsed.length !== 3 ||
      typeof parsed[0] !== 'string' ||
      typeof parsed[1] !== 'string' ||
      !Number.isSafeInteger(parsed[2])
    ) {
      return undefined;
    }
    return { familyKey: parsed[0], givenKey: parsed[1], id: parsed[2] as number };
  } catch {
    return undefined;
  }
}
