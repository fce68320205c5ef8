/**
 * Signing in and out. The login page lists the identity providers (only the development test login is
 * built); each provider's own routes call signIn, which starts a new session (a new id, so an id known
 * before the login is worth nothing after it). Signing out ends the session.
 */
import type { FastifyInstance } from 'fastify';
import type { SignIn } from '../identity.js';
import { render } from '../render.js';
import type { ViewDeps } from './deps.js';

const signIn: SignIn = async (request, reply, person) => {
  await request.session.regenerate();
  request.session.user = { ...person };
  return reply.redirect('/oversikt', 303);
};

export function loginRoutes(app: FastifyInstance, deps: ViewDeps): void {
  app.get('/', async (request, reply) => reply.redirect(request.session.user ? '/oversikt' : '/logga-in', 303));
  app.get('/logga-in', async (request, reply) =>
    render(request, reply, 'login', {
      title: 'Logga in',
      loggedOut: (request.query as Record<string, unknown>).utloggad !== undefined,
      providers: deps.providers.map((p) => ({ label: p.label, description: p.description, path: p.startPath })),
    }),
  );
  for (const provider of deps.providers) provider.register(app, signIn);
  app.post('/logga-ut', async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/logga-in?utloggad', 303);
  });
}
