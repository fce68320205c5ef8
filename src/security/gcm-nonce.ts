/**
 * Random 96-bit AES-GCM nonces, drawn from one CSPRNG refill per 512 nonces. A push seals three blobs
 * and a search seals its continuation token; a randomBytes() call per nonce showed up in both profiles.
 * Each nonce is copied out of the pool, never shared.
 */
import { randomFillSync } from 'node:crypto';

export const GCM_NONCE_BYTES = 12;

const pool = Buffer.alloc(GCM_NONCE_BYTES * 512);
let position = pool.length;

export function gcmNonce(): Buffer {
  if (position === pool.length) {
    randomFillSync(pool);
    position = 0;
  }
  const nonce = Buffer.from(pool.subarray(position, position + GCM_NONCE_BYTES));
  position += GCM_NONCE_BYTES;
  return nonce;
}
