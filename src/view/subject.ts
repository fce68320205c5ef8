/**
 * Whose cases a page is about: the signed-in person's own, or (after "act for") a grantor's, read as the
 * person's representative. Also who may decide about that subject's consent: the person for themself, a
 * guardian (GUARDIAN mandate without scope) for a child, nobody else (README, "The case view").
 */
import type { FastifyRequest } from 'fastify';
import type { SubjectType } from '../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import type { AuthenticatedPerson } from './identity.js';
import { actingFor, type Grantor } from './session.js';

export interface ViewSubject {
  readonly subject: SubjectType;
  /** The signed-in person, when reading for a grantor. */
  readonly representative: string | undefined;
  readonly grantor: Grantor | undefined;
  /** A person (needs consent) rather than an organisation. */
  readonly isPerson: boolean;
  /** The signed-in person may give or revoke this subject's consent. */
  readonly mayConsent: boolean;
}

export function viewSubject(request: FastifyRequest, user: AuthenticatedPerson): ViewSubject {
  const grantor = actingFor(request);
  if (!grantor) {
    return { subject: { personalIdentityNumber: user.personalIdentityNumber }, representative: undefined, grantor: undefined, isPerson: true, mayConsent: true };
  }
  const isPerson = grantor.subject.organisationNumber === undefined;
  return { subject: grantor.subject, representative: user.personalIdentityNumber, grantor, isPerson, mayConsent: isPerson && grantor.mayConsent };
}
