/** The development mailbox page (/brevlada): the signed-in person's notices, newest first, never content. */
import type { FastifyInstance } from 'fastify';
import { render } from '../render.js';
import type { ViewDeps } from './deps.js';

export function mailboxRoutes(app: FastifyInstance, deps: ViewDeps): void {
  app.get('/brevlada', async (request, reply) =>
    render(request, reply, 'mailbox', {
      title: 'Brevlåda',
      nav: 'brevlada',
      notices: deps.mailbox.noticesFor(request.session.user!.personalIdentityNumber),
    }),
  );
}
