/**
 * Plain Swedish error pages, never a stack trace or the hub's own message: a refused form (CSRF), a page
 * that does not exist, a hub that does not answer, and anything unexpected (logged with its error, shown
 * as "something went wrong").
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCodeEnum } from '../../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import { HubUnavailable } from '../hub-client.js';
import { render } from '../render.js';

export function errorPage(request: FastifyRequest, reply: FastifyReply, status: number, heading: string, text: string): FastifyReply {
  return render(request, reply, 'error', { title: heading, heading, text }, status);
}

/** A logical error from the hub. Losing a mandate while acting for someone ends the acting. */
export function hubRefused(request: FastifyRequest, reply: FastifyReply, errorCode: ErrorCodeEnum | undefined): FastifyReply {
  if (errorCode === 'ACCESS_DENIED' && request.session.acting) {
    request.session.acting = undefined;
    request.session.paging = undefined;
    request.session.flash = 'Du kan inte längre se ärenden för den du företrädde. Behörigheten kan ha upphört.';
    return reply.redirect('/oversikt', 303);
  }
  if (errorCode === 'ACCESS_DENIED') {
    return errorPage(request, reply, 403, 'Det här får du inte göra', 'Ärendetjänsten nekade åtgärden.');
  }
  return errorPage(request, reply, 502, 'Ärendetjänsten kunde inte svara', 'Försök igen om en stund.');
}

export function registerErrorPages(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => errorPage(request, reply, 404, 'Sidan finns inte', 'Kontrollera adressen, eller gå till startsidan.'));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return errorPage(request, reply, 403, 'Formuläret kunde inte skickas', 'Sidan var för gammal eller kom inte från den här tjänsten. Gå tillbaka, ladda om sidan och försök igen.');
    }
    if (error instanceof HubUnavailable) {
      return errorPage(request, reply, 502, 'Ärendetjänsten svarar inte', 'Det går inte att hämta dina ärenden just nu. Försök igen om en stund.');
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: { type: error.name, code: error.code, message: error.message, stack: error.stack } }, 'request failed');
    return status === 500
      ? errorPage(request, reply, 500, 'Något gick fel', 'Försök igen om en stund.')
      : errorPage(request, reply, status, 'Begäran kunde inte tas emot', 'Gå tillbaka och försök igen.');
  });
}
