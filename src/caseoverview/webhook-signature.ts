/**
 * The webhook's signature, one scheme for both ends: the producer's webhook notifier signs each delivery,
 * the case view checks it (README, "Notifications"). The header carries the signing time and an
 * HMAC-SHA256 over that time and the exact body bytes:
 *
 *   X-Riv-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * Binding the time into the MAC lets the receiver refuse a recorded delivery replayed later than
 * MAX_SIGNATURE_AGE_S; within that window the receiver's deduplication on notificationId makes a replay
 * harmless. The secret is shared text (its UTF-8 bytes are the key). In development it is one file in the
 * data directory that `npm start` writes and `npm run view` reads.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createPrivateFile } from '../private-files.js';

export const SIGNATURE_HEADER = 'x-riv-signature';
/** How far the signing time may lie from the receiver's clock, either way (clock skew plus transit). */
const MAX_SIGNATURE_AGE_S = 300;

function mac(secret: string, timestamp: string, body: string | Buffer): Buffer {
  return crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

/** The header value for `body` signed now (or at `nowMs`). */
export function signWebhook(secret: string, body: string | Buffer, nowMs: number = Date.now()): string {
  const t = String(Math.floor(nowMs / 1000));
  return `t=${t},v1=${mac(secret, t, body).toString('hex')}`;
}

export type SignatureCheck = 'ok' | 'missing' | 'malformed' | 'stale' | 'mismatch';

/** Checks a received header against the raw body; only 'ok' may be accepted. */
export function verifyWebhook(secret: string, header: string | undefined, body: Buffer, nowMs: number = Date.now()): SignatureCheck {
  if (!header) return 'missing';
  const m = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header.trim());
  if (!m) return 'malformed';
  const [, t, hex] = m as unknown as [string, string, string];
  if (Math.abs(nowMs / 1000 - Number(t)) > MAX_SIGNATURE_AGE_S) return 'stale';
  return crypto.timingSafeEqual(mac(secret, t, body), Buffer.from(hex, 'hex')) ? 'ok' : 'mismatch';
}

/** Writes a new random development secret (0600) unless the file exists; true when it wrote one. */
export function ensureWebhookSecretFile(file: string): boolean {
  try {
    createPrivateFile(file, crypto.randomBytes(32).toString('hex') + '\n');
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** The configured secret, else the development file's; throws with what to do when neither exists. */
export function loadWebhookSecret(configured: string | undefined, file: string, settingName: string): string {
  if (configured) return configured;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new Error(`no webhook secret: set ${settingName}, or start the producer once (npm start writes ${file})`);
  }
  if (text.length < 32) throw new Error(`the webhook secret in ${file} is shorter than 32 characters`);
  return text;
}
