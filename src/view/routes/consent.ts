/**
 * Consent (README, "The case view"): the information text with its version, giving consent (for oneself,
 * or as a guardian for a child under 13, from the child's page) and revoking it in the settings, after a
 * plain warning that every stored case is deleted. UpdateCaseOverviewConsent carries the text's version,
 * how the person was identified and when they acted; a guardian is sent as `representative`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsentActionEnum, ConsentStatusEnum } from '../../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import { render } from '../render.js';
import { viewSubject, type ViewSubject } from '../subject.js';
import type { ViewDeps } from './deps.js';
import { errorPage, hubRefused } from './errors.js';

/** The page shown instead of the overview while the subject has no active consent. */
export function consentPage(request: FastifyRequest, reply: FastifyReply, deps: ViewDeps, who: ViewSubject, status: ConsentStatusEnum): FastifyReply {
  return render(request, reply, 'consent', {
    title: who.grantor ? 'Samtycke behövs' : 'Samtycke till ärendeöversikten',
    nav: 'oversikt',
    version: deps.consentVersion,
    revoked: status === 'REVOKED',
    forChild: who.grantor !== undefined && who.mayConsent,
    cannotConsent: !who.mayConsent,
  });
}

const NOW = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

async function updateConsent(request: FastifyRequest, reply: FastifyReply, deps: ViewDeps, action: ConsentActionEnum): Promise<FastifyReply> {
  const user = request.session.user!;
  const who = viewSubject(request, user);
  if (!who.isPerson || !who.mayConsent) {
    return errorPage(request, reply, 403, 'Det här får du inte göra', 'Bara personen själv, eller en vårdnadshavare för ett barn under 13 år, kan ge eller återkalla samtycke.');
  }
  const answer = await deps.hub.updateConsent({
    subject: who.subject,
    action,
    consentVersion: deps.consentVersion,
    authenticationMethod: user.authenticationMethod,
    time: NOW(),
    ...(who.representative ? { representative: who.representative } : {}),
  });
  if (answer.result.resultCode === 'ERROR') return hubRefused(request, reply, answer.result.errorCode);
  request.session.paging = undefined;
  if (action === 'GIVE') {
    request.session.flash = who.grantor ? 'Samtycket för barnet är registrerat.' : 'Tack! Ditt samtycke är registrerat.';
  } else {
    request.session.senders = {};
    request.session.filter = {};
    request.session.flash = who.grantor
      ? 'Samtycket för barnet är återkallat. Alla ärenden som sparats om barnet har raderats.'
      : 'Ditt samtycke är återkallat. Alla ärenden som sparats om dig har raderats.';
  }
  return reply.redirect('/oversikt', 303);
}

export function consentRoutes(app: FastifyInstance, deps: ViewDeps): void {
  app.post('/samtycke', async (request, reply) => updateConsent(request, reply, deps, 'GIVE'));
  app.post('/installningar/aterkalla', async (request, reply) => updateConsent(request, reply, deps, 'REVOKE'));
  app.get('/installningar', async (request, reply) => {
    const who = viewSubject(request, request.session.user!);
    return render(request, reply, 'settings', {
      title: 'Inställningar',
      nav: 'installningar',
      canRevoke: who.isPerson && who.mayConsent,
      forChild: who.grantor !== undefined,
      version: deps.consentVersion,
    });
  });
}
