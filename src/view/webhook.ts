/**
 * POST /webhook: the hub's notifications (README, "The case view"). Only a delivery signed with the shared
 * secret and signed within the last few minutes is accepted (caseoverview/webhook-signature.ts); anything
 * else gets 401 and nothing is kept. The notice goes to `recipient` when the hub names one (a
 * representative), else to `subject`. Registered in its own context: no session, no CSRF (the signature
 * is the authentication), and the body is read raw, since the MAC covers the exact bytes.
 */
import type { FastifyInstance } from 'fastify';
import { verifyWebhook, SIGNATURE_HEADER } from '../caseoverview/webhook-signature.js';
import type { Mailbox } from './mailbox.js';

const MAX_BODY_BYTES = 16 * 1024;

type Identity = Record<string, unknown>;

/** The one identity number of a subject-shaped object, or undefined when it is not one. */
function identityOf(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const values = ['personalIdentityNumber', 'coordinationNumber', 'organisationNumber']
    .map((k) => (v as Identity)[k])
    .filter((x): x is string => typeof x === 'string' && /^\d{10,12}$/.test(x));
  return values.length === 1 ? values[0] : undefined;
}

export function webhookRoutes(mailbox: Mailbox, secret: string) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body));
    app.post('/webhook', async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers[SIGNATURE_HEADER];
      const check = verifyWebhook(secret, Array.isArray(header) ? header[0] : header, raw);
      if (check !== 'ok') {
        request.log.warn({ check }, 'webhook refused');
        return reply.code(401).type('text/plain; charset=utf-8').send('refused\n');
      }
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return reply.code(400).type('text/plain; charset=utf-8').send('not JSON\n');
      }
      const notificationId = payload.notificationId;
      const subject = identityOf(payload.subject);
      const recipient = payload.recipient === undefined ? subject : identityOf(payload.recipient);
      if (typeof notificationId !== 'string' || notificationId.length === 0 || notificationId.length > 100 || !subject || !recipient) {
        return reply.code(400).type('text/plain; charset=utf-8').send('not a notification\n');
      }
      const fresh = mailbox.deliver(recipient, { notificationId, receivedAt: new Date(), onBehalf: recipient !== subject });
      request.log.info({ notificationId, duplicate: !fresh }, 'notice received');
      return reply.code(204).send();
    });
  };
}
