/**
 * How a person signs in to the view. Every way (the development test login today; BankID or Freja eID
 * through an OIDC or SAML broker later) is an IdentityProvider: it registers its own routes and, once it
 * knows who the person is, calls signIn. The pages know only the signed-in person, never the provider.
 *
 * A provider that sends the browser to another site and gets it back (OIDC, SAML) cannot rely on the
 * SameSite=Strict session cookie on that return; it may keep its state (nonce, state) in a separate,
 * short-lived, SameSite=Lax cookie of its own, and then call signIn, which starts the Strict session.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The person a provider vouches for. */
export interface AuthenticatedPerson {
  readonly personalIdentityNumber: string;
  readonly name: string;
  /**
   * How the person was identified, as UpdateCaseOverviewConsent records it with a consent (1–32
   * characters, e.g. BANKID, FREJA_EID).
   */
  readonly authenticationMethod: string;
}

/** Starts the session for `person` (a new session id) and answers with the redirect to the overview. */
export type SignIn = (request: FastifyRequest, reply: FastifyReply, person: AuthenticatedPerson) => Promise<FastifyReply>;

export interface IdentityProvider {
  /** Short id, also the last path segment of its routes (/logga-in/<id>). */
  readonly id: string;
  /** What the login page calls it (Swedish). */
  readonly label: string;
  /** Shown under the label, e.g. that it is a test login. */
  readonly description: string;
  /** Where the login page links to start this provider. */
  readonly startPath: string;
  /** Registers the provider's routes in the pages' context (session, CSRF and templates are there). */
  register(app: FastifyInstance, signIn: SignIn): void;
}
