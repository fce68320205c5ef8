/**
 * The overview (/oversikt): the subject's cases, newest first, a page at a time (GetCaseOverview 2 and its
 * continuation), filtered by status and sender. A person without active consent sees the consent page
 * instead; a representative sees only what the mandate covers (the hub decides, from `representative`).
 * The filter is a form (POST, with its CSRF token) kept in the session; the page number is the only
 * thing in the URL, and the continuation tokens stay in the session.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CaseType } from '../../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import { STATUS_LABELS, STATUSES } from '../format.js';
import { render } from '../render.js';
import { idFor, subjectKey, type Sender } from '../session.js';
import { viewSubject } from '../subject.js';
import type { ViewDeps } from './deps.js';
import { consentPage } from './consent.js';
import { hubRefused } from './errors.js';

/** More pages than anyone reads; a larger number in the URL is treated as page 1. */
const MAX_PAGE = 1000;

function pageNumber(request: FastifyRequest): number {
  const raw = (request.query as Record<string, unknown>).sida;
  const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : 1;
  return n >= 1 && n <= MAX_PAGE ? n : 1;
}

export function overviewRoutes(app: FastifyInstance, deps: ViewDeps): void {
  app.get('/oversikt', async (request, reply) => {
    const user = request.session.user!;
    const who = viewSubject(request, user);
    const senders = (request.session.senders ??= {});
    const filter = request.session.filter ?? {};
    const sender = filter.sender ? senders[filter.sender] : undefined;
    const criteria = JSON.stringify([subjectKey(who.subject), who.representative ?? '', filter.status ?? '', sender?.organisationNumber ?? '']);
    if (request.session.paging?.criteria !== criteria) request.session.paging = { criteria, tokens: [] };
    const paging = request.session.paging;
    let page = pageNumber(request);
    if (page > 1 && paging.tokens[page - 2] === undefined) page = 1; // a page not reached by paging from the first

    const answer = await deps.hub.getCaseOverview({
      subject: who.subject,
      ...(who.representative ? { representative: who.representative } : {}),
      ...(sender ? { senderOrganisationNumber: sender.organisationNumber } : {}),
      ...(filter.status ? { status: [filter.status] } : {}),
      maxResults: deps.pageSize,
      ...(page > 1 ? { continuation: paging.tokens[page - 2] } : {}),
    });
    if (answer.result.resultCode === 'ERROR') return hubRefused(request, reply, answer.result.errorCode);
    if (who.isPerson && answer.consentStatus !== undefined && answer.consentStatus !== 'ACTIVE') {
      return consentPage(request, reply, deps, who, answer.consentStatus);
    }
    if (answer.continuation) paging.tokens[page - 1] = answer.continuation;
    const cases: CaseType[] = answer.case ?? [];
    for (const c of cases) idFor<Sender>(senders, { ...c.senderOrganisation }, (a, b) => a.organisationNumber === b.organisationNumber);

    return render(request, reply, 'overview', {
      title: who.grantor ? 'Ärenden för den du företräder' : 'Dina ärenden',
      nav: 'oversikt',
      cases,
      page,
      hasNext: answer.continuation !== undefined,
      statuses: STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s], selected: filter.status === s })),
      senders: Object.entries(senders).map(([id, s]) => ({ id, name: s.name, selected: filter.sender === id })),
      filtered: filter.status !== undefined || sender !== undefined,
    });
  });

  app.post('/oversikt/filter', async (request: FastifyRequest, reply: FastifyReply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const status = STATUSES.find((s) => s === body.status);
    const sender = typeof body.avsandare === 'string' && request.session.senders?.[body.avsandare] ? body.avsandare : undefined;
    request.session.filter = body.rensa !== undefined ? {} : { ...(status ? { status } : {}), ...(sender ? { sender } : {}) };
    return reply.redirect('/oversikt', 303);
  });
}
