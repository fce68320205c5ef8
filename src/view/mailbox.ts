/**
 * The development mailbox: the notices the hub delivered to the view's webhook, kept in memory per
 * recipient and shown to that person. A notice says only that there is new information (never content).
 * Bounded: a recipient keeps the newest `perRecipient`, at most `recipients` are kept (least recently
 * written first out), and deduplication remembers the last `remembered` notification ids.
 */
export interface Notice {
  readonly notificationId: string;
  readonly receivedAt: Date;
  /** The notice is about someone the recipient represents, not the recipient's own cases. */
  readonly onBehalf: boolean;
}

export interface MailboxLimits {
  readonly perRecipient: number;
  readonly recipients: number;
  readonly remembered: number;
}

export class Mailbox {
  private readonly boxes = new Map<string, Notice[]>();
  private readonly seen = new Set<string>();

  constructor(private readonly limits: MailboxLimits = { perRecipient: 100, recipients: 10_000, remembered: 100_000 }) {}

  /** Files a notice for `recipient` (an identity number); false when this notificationId came before (a retry). */
  deliver(recipient: string, notice: Notice): boolean {
    if (this.seen.has(notice.notificationId)) return false;
    this.seen.add(notice.notificationId);
    if (this.seen.size > this.limits.remembered) this.seen.delete(this.seen.values().next().value!);
    const box = this.boxes.get(recipient) ?? [];
    this.boxes.delete(recipient); // re-inserted last: Map order is least recently written first
    box.unshift(notice);
    box.length = Math.min(box.length, this.limits.perRecipient);
    this.boxes.set(recipient, box);
    if (this.boxes.size > this.limits.recipients) this.boxes.delete(this.boxes.keys().next().value!);
    return true;
  }

  /** The recipient's notices, newest first. */
  noticesFor(recipient: string): readonly Notice[] {
    return this.boxes.get(recipient) ?? [];
  }
}
