/**
 * Outbox delivery (README, "Case hub", Notifications). A push that creates a case or changes its status writes a
 * notification to `case_outbox` in its own transaction; the dispatcher here delivers it afterwards:
 *
 *  - at least once: a row is marked delivered only after the notifier succeeded; a failure (or a crash
 *    mid-delivery, once the claim's lease runs out) makes it due again, with exponential backoff;
 *  - exactly once when nothing fails, even with several instances: rows are claimed in a short
 *    transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL) under a lease, so no two instances hold the
 *    same row;
 *  - the payload is `notificationId` (stable across retries: the receiver deduplicates on it), the
 *    subject, the `recipient` (the subject, or a representative: one row per recipient), the sender
 *    organisation and `createdAt` — never case content;
 *  - a representative's notice is checked again when claimed: without a mandate in effect that still covers
 *    the case and asks for notices, it is skipped and marked so (docs/hub-people.md#notices).
 *
 * Notifiers: the log notifier (default) logs the notificationId and a masked subject; the webhook
 * notifier POSTs the JSON payload, signed with an HMAC the receiver checks, and any 2xx answer is success.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { maskIdentity } from '../log.js';
import type { NotificationPayload } from './case-rows.js';
import type { CaseStore, ClaimedNotification } from './case-store.js';
import { loadWebhookSecret, signWebhook, SIGNATURE_HEADER } from './webhook-signature.js';

export interface Notifier {
  readonly kind: string;
  /** Resolves when the notification was accepted; rejects otherwise (it is retried later). */
  deliver(payload: NotificationPayload): Promise<void>;
}

function subjectId(p: NotificationPayload): string {
  return Object.values(p.subject).find((v) => typeof v === 'string') ?? '';
}

export function logNotifier(logger: Logger): Notifier {
  return {
    kind: 'log',
    async deliver(p) {
      // Never the identity number itself: masked, under a key the log redaction leaves alone on purpose.
      logger.info(
        {
          notificationId: p.notificationId,
          subjectMasked: maskIdentity(subjectId(p)),
          ...(p.recipient ? { recipientMasked: maskIdentity(Object.values(p.recipient).find((v) => typeof v === 'string') ?? '') } : {}),
          senderOrganisation: p.senderOrganisation.organisationNumber,
        },
        'case notification',
      );
    },
  };
}

export interface WebhookOptions {
  /** HMAC key: every delivery carries its signature (webhook-signature.ts). */
  readonly secret: string;
  /** PEM trust store for an https receiver; undefined = Node's bundled public CAs. */
  readonly ca?: string | Buffer;
  readonly timeoutMs?: number;
}

/**
 * POSTs the payload as JSON, signed (X-Riv-Signature) so the receiver can refuse anyone else's posts, to an
 * https receiver trusted through `ca` (PRODUCER_WEBHOOK_CA). Any 2xx answer is success.
 */
export function webhookNotifier(url: string, options: WebhookOptions): Notifier {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const agent = target.protocol === 'https:' ? new https.Agent({ keepAlive: true, ca: options.ca }) : new http.Agent({ keepAlive: true });
  return {
    kind: 'webhook',
    deliver(p) {
      const body = JSON.stringify(p);
      const headers = {
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(body)),
        'Idempotency-Key': p.notificationId,
        [SIGNATURE_HEADER]: signWebhook(options.secret, body),
      };
      return new Promise<void>((resolve, reject) => {
        const req = client.request(target, { method: 'POST', headers, agent }, (res) => {
          res.resume(); // drain, so the connection can be reused
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status <= 299) resolve();
            else reject(new Error(`webhook answered HTTP ${status}`));
          });
          res.on('error', reject);
        });
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}

export function createNotifier(config: Pick<Config, 'notifier'>, logger: Logger): Notifier {
  const n = config.notifier;
  if (n.kind !== 'webhook' || !n.webhookUrl) return logNotifier(logger);
  return webhookNotifier(n.webhookUrl, {
    secret: loadWebhookSecret(n.webhookSecret, n.webhookSecretFile, 'PRODUCER_WEBHOOK_SECRET'),
    ca: n.webhookCaFile ? fs.readFileSync(n.webhookCaFile) : undefined,
  });
}

export interface DispatcherOptions {
  /** How often to look for due rows when not woken (default 1000 ms). */
  readonly pollMs?: number;
  /**
   * How long a push's wake-up waits before the round starts (default 50 ms). Under load, one round
   * then covers the notifications of many push batches (two write transactions per round), instead
   * of a claim and a completion transaction after every batch competing with pushes for the writer.
   */
  readonly wakeDelayMs?: number;
  /** Rows claimed per round (default 50). */
  readonly batchSize?: number;
  /** How long a claim lasts before another instance may take the row (default 60 s; well above the webhook timeout). */
  readonly leaseMs?: number;
  /** First retry delay (default 500 ms); doubles per attempt up to backoffMaxMs (default 5 min). */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

/** A failure description safe for the database and logs: no payload, no URL credentials. */
function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError') return 'timeout';
  if (e?.code) return String(e.code);
  if (e?.cause?.code) return String(e.cause.code);
  return String(e?.message ?? err).slice(0, 200);
}

export class OutboxDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private again = false;
  private readonly pollMs: number;
  private readonly wakeDelayMs: number;
  private wakeTimer: NodeJS.Timeout | undefined;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(
    private readonly store: CaseStore,
    private readonly notifier: Notifier,
    private readonly logger: Logger,
    options: DispatcherOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.wakeDelayMs = options.wakeDelayMs ?? 50;
    this.batchSize = options.batchSize ?? 50;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 300_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wake();
  }

  /** After a push queued a notification: a round within wakeDelayMs, shared by every push until then. */
  wakeSoon(): void {
    if (this.stopped || this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wake();
    }, this.wakeDelayMs);
    this.wakeTimer.unref();
  }

  /** Runs a round now, or right after the one in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), this.pollMs);
        this.timer.unref();
      }
    });
  }

  /** Stops polling and waits for the round in progress. Claimed but unfinished rows come back after their lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.timer = undefined;
    this.wakeTimer = undefined;
    await this.running;
  }

  /** Delivers everything due now; returns how many were delivered (tests and tools). */
  async runOnce(): Promise<number> {
    return (await this.round()).delivered;
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const { claimed } = await this.round();
        if (claimed < this.batchSize) return;
      }
    } catch (err) {
      this.logger.warn({ err: describe(err) }, 'case outbox: round failed; retrying later');
    }
  }

  /** One round: claim due rows, deliver them concurrently, record the successes in one transaction. */
  private async round(): Promise<{ claimed: number; delivered: number }> {
    const { claimed, skipped } = await this.store.claimDue(this.batchSize, this.leaseMs);
    // A count only: which notice, case or person is never logged for a skip.
    if (skipped > 0) this.logger.info({ skipped }, 'case notifications for representatives skipped: no mandate in effect covers the case any more');
    const outcomes = await Promise.all(claimed.map((n) => this.deliverOne(n)));
    const delivered = claimed.filter((_, i) => outcomes[i]);
    const marked = await this.store.markDelivered(delivered).catch(() => new Set<number>());
    for (const n of delivered) {
      if (!marked.has(n.id)) {
        this.logger.warn({ notificationId: n.payload.notificationId }, 'case notification delivered but its claim had lapsed; it may be delivered again');
      }
    }
    return { claimed: claimed.length + skipped, delivered: delivered.length };
  }

  private async deliverOne(n: ClaimedNotification): Promise<boolean> {
    try {
      await this.notifier.deliver(n.payload);
    } catch (err) {
      const delay = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.min(n.attempts, 30));
      // Jitter spreads the retries of many rows that failed together.
      const next = new Date(Date.now() + delay * (0.75 + Math.random() * 0.5));
      const reason = describe(err);
      this.logger.warn({ notificationId: n.payload.notificationId, attempt: n.attempts + 1, reason, notifier: this.notifier.kind }, 'case notification not delivered; will retry');
      await this.store.markFailed(n, next, reason).catch(() => undefined); // if this fails too, the lease expiry brings the row back
      return false;
    }
    return true;
  }
}
