/**
 * "Act for" (/agera-for): whom the signed-in person may represent, from GetMandates, one choice per grantor
 * (several mandates from one grantor add up: their roles are listed and the latest end is shown). The
 * choice is an opaque id; the session maps it to the grantor.
 */
import type { FastifyInstance } from 'fastify';
import type { MandateInEffectType } from '../../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import * as fmt from '../format.js';
import { bannerOf, render } from '../render.js';
import { opaqueId, subjectKey, type Grantor } from '../session.js';
import type { ViewDeps } from './deps.js';
import { hubRefused } from './errors.js';

const hasScope = (m: MandateInEffectType) =>
  [m.scope?.senderOrganisationNumber, m.scope?.category, m.scope?.committee, m.scope?.serviceArea].some((l) => (l?.length ?? 0) > 0);

/** The mandates grouped by grantor. */
function grantorsOf(mandates: readonly MandateInEffectType[]): Map<string, Grantor> {
  const out = new Map<string, Grantor>();
  for (const m of mandates) {
    const key = subjectKey(m.grantor);
    const before = out.get(key);
    const mayConsent = m.role === 'GUARDIAN' && !hasScope(m);
    out.set(key, {
      subject: { ...m.grantor },
      name: before?.name ?? m.grantorName,
      roles: before ? [...new Set([...before.roles, m.role])] : [m.role],
      effectiveEnd: before && Date.parse(before.effectiveEnd) > Date.parse(m.effectiveEnd) ? before.effectiveEnd : m.effectiveEnd,
      mayConsent: (before?.mayConsent ?? false) || mayConsent,
    });
  }
  return out;
}

export function actForRoutes(app: FastifyInstance, deps: ViewDeps): void {
  app.get('/agera-for', async (request, reply) => {
    const answer = await deps.hub.getMandates(request.session.user!.personalIdentityNumber);
    if (answer.result.resultCode === 'ERROR') return hubRefused(request, reply, answer.result.errorCode);
    // Keep the opaque ids a grantor already had in this session, so an open page's choice stays valid.
    const before = new Map(Object.entries(request.session.grantors ?? {}).map(([id, g]) => [subjectKey(g.subject), id]));
    const grantors: Record<string, Grantor> = {};
    for (const [key, g] of grantorsOf(answer.mandate ?? [])) grantors[before.get(key) ?? opaqueId()] = g;
    request.session.grantors = grantors;
    if (request.session.acting && !grantors[request.session.acting]) request.session.acting = undefined;
    return render(request, reply, 'act-for', {
      title: 'Företräd någon',
      nav: 'agera-for',
      choices: Object.entries(grantors).map(([id, g]) => ({
        id,
        ...bannerOf(g),
        kind: g.subject.organisationNumber ? 'organisation' : 'person',
        current: request.session.acting === id,
      })),
      self: request.session.acting === undefined,
      roleLabels: fmt.ROLE_LABELS,
    });
  });

  app.post('/agera-for', async (request, reply) => {
    const choice = (request.body as Record<string, unknown> | undefined)?.vem;
    const grantors = request.session.grantors ?? {};
    if (choice !== 'mig' && (typeof choice !== 'string' || !grantors[choice])) {
      request.session.flash = 'Välj vem du vill företräda.';
      return reply.redirect('/agera-for', 303);
    }
    request.session.acting = choice === 'mig' ? undefined : choice;
    request.session.filter = {};
    request.session.paging = undefined;
    return reply.redirect('/oversikt', 303);
  });
}
