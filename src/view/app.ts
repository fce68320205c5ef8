/**
 * The case view's fastify application (README, "The case view"): security headers with a strict
 * Content-Security-Policy, the stylesheet, the webhook receiver in a context of its own, and the pages
 * in another with the session, form bodies, CSRF protection on every POST and the sign-in check.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifySession from '@fastify/session';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { findProjectRoot } from '../project-root.js';
import { developmentIdentityProvider } from './dev-identity.js';
import type { Hub } from './hub-client.js';
import type { IdentityProvider } from './identity.js';
import { Mailbox } from './mailbox.js';
import { actForRoutes } from './routes/act-for.js';
import { consentRoutes } from './routes/consent.js';
import type { ViewDeps } from './routes/deps.js';
import { registerErrorPages } from './routes/errors.js';
import { loginRoutes } from './routes/login.js';
import { mailboxRoutes } from './routes/mailbox.js';
import { overviewRoutes } from './routes/overview.js';
import { DEFAULT_SESSION_IDLE_MS, IdleSessionStore, SESSION_COOKIE } from './session.js';
import { webhookRoutes } from './webhook.js';

/** The version id of the consent information text (templates/consent-text.eta); a new text gets a new id. */
const CONSENT_TEXT_VERSION = 'ärendevy-2026-1';

export interface ViewAppOptions {
  readonly hub: Hub;
  readonly webhookSecret: string;
  /** The view's HTTPS identity (the development server certificate). */
  readonly tls: { readonly key: Buffer; readonly cert: Buffer };
  readonly logger: Logger;
  readonly sessionIdleMs?: number;
  readonly pageSize?: number;
  readonly providers?: readonly IdentityProvider[];
  readonly mailbox?: Mailbox;
}

const PUBLIC_PATHS = /^\/(?:$|logga-in(?:\/|$|\?))/;

export async function createViewApp(options: ViewAppOptions): Promise<FastifyInstance> {
  const root = findProjectRoot();
  // Typed as the plain instance: the routes need nothing of the HTTPS server's type, and pino's Logger is
  // the logger fastify's own types describe more loosely.
  const app = Fastify({
    https: { key: options.tls.key, cert: options.tls.cert },
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  const store = new IdleSessionStore(options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS);
  app.addHook('onClose', async () => store.close());
  const deps: ViewDeps = {
    hub: options.hub,
    mailbox: options.mailbox ?? new Mailbox(),
    providers: options.providers ?? [developmentIdentityProvider()],
    pageSize: options.pageSize ?? 20,
    consentVersion: CONSENT_TEXT_VERSION,
  };

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'object-src': ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
  });
  await app.register(fastifyView, {
    engine: { eta: new Eta() },
    root: path.join(root, 'src/view/templates'),
    production: true,
  });
  await app.register(fastifyStatic, { root: path.join(root, 'src/view/static'), prefix: '/static/', index: false, list: false });
  registerErrorPages(app);

  await app.register(webhookRoutes(deps.mailbox, options.webhookSecret));

  await app.register(async (pages) => {
    await pages.register(fastifyCookie);
    await pages.register(fastifySession, {
      secret: crypto.randomBytes(32).toString('hex'), // sessions live in this process only
      cookieName: SESSION_COOKIE,
      cookie: { secure: true, httpOnly: true, sameSite: 'strict', path: '/' },
      store,
      saveUninitialized: false,
      rolling: true,
    });
    await pages.register(fastifyFormbody, { bodyLimit: 16 * 1024 });
    await pages.register(fastifyCsrf, {
      sessionPlugin: '@fastify/session',
      getToken: (req: FastifyRequest) => (req.body as Record<string, string> | undefined)?._csrf,
    });
    // Every form is a POST and carries the token; no route can forget the check.
    pages.addHook('preHandler', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) =>
      request.method === 'POST' ? pages.csrfProtection(request, reply, done) : done(),
    );
    pages.addHook('preHandler', async (request, reply) => {
      if (!request.session.user && !PUBLIC_PATHS.test(request.url)) return reply.redirect('/logga-in', 303);
    });
    loginRoutes(pages, deps);
    overviewRoutes(pages, deps);
    consentRoutes(pages, deps);
    actForRoutes(pages, deps);
    mailboxRoutes(pages, deps);
  });
  return app;
}
