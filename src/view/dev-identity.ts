/**
 * The development identity provider: a TEST login that lets anyone be any demo person
 * (caseoverview/demo-persons.ts). It is not e-identification; the page says so. The form names a demo
 * person by its key, never by its number.
 */
import type { FastifyInstance } from 'fastify';
import { DEMO_PERSONS } from '../caseoverview/demo-persons.js';
import { identityNumber } from './format.js';
import type { IdentityProvider, SignIn } from './identity.js';
import { render } from './render.js';

/** What UpdateCaseOverviewConsent records as the authentication method of a consent given after a test login. */
const TEST_LOGIN_METHOD = 'TEST_LOGIN';

export function developmentIdentityProvider(): IdentityProvider {
  return {
    id: 'test',
    label: 'Testinloggning',
    description: 'Välj en av testmiljöns påhittade personer. Ingen riktig e-legitimation används.',
    startPath: '/logga-in/test',
    register(app: FastifyInstance, signIn: SignIn) {
      app.get('/logga-in/test', async (request, reply) =>
        render(request, reply, 'login-test', {
          title: 'Testinloggning',
          persons: DEMO_PERSONS.map((p) => ({ key: p.key, name: p.name, description: p.description, number: identityNumber(p.personalIdentityNumber) })),
        }),
      );
      app.post('/logga-in/test', async (request, reply) => {
        const key = (request.body as Record<string, unknown> | undefined)?.person;
        const person = DEMO_PERSONS.find((p) => p.key === key);
        if (!person) {
          request.session.flash = 'Välj en testperson.';
          return reply.redirect('/logga-in/test', 303);
        }
        return signIn(request, reply, { personalIdentityNumber: person.personalIdentityNumber, name: person.name, authenticationMethod: TEST_LOGIN_METHOD });
      });
    },
  };
}
