/**
 * Renders a page with what every page shows: the signed-in person's name and menu, the banner naming who
 * is represented and until when, a one-time message, and the CSRF token every form carries.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import * as fmt from './format.js';
import { actingFor, type Grantor } from './session.js';

export interface Banner {
  readonly name: string;
  readonly roles: string;
  readonly until: string;
  readonly untilIso: string;
}

export function bannerOf(g: Grantor): Banner {
  const number = g.subject.personalIdentityNumber ?? g.subject.coordinationNumber ?? g.subject.organisationNumber ?? '';
  return {
    name: g.name ?? fmt.identityNumber(number),
    roles: g.roles.map((r) => fmt.ROLE_LABELS[r]).join(' och '),
    until: fmt.dateTime(g.effectiveEnd),
    untilIso: fmt.isoTime(g.effectiveEnd),
  };
}

export function render(request: FastifyRequest, reply: FastifyReply, page: string, data: Record<string, unknown>, status = 200): FastifyReply {
  const session = request.session as FastifyRequest['session'] | undefined;
  const user = session?.user;
  const flash = session?.flash;
  if (flash !== undefined) session!.flash = undefined;
  const acting = session && user ? actingFor(request) : undefined;
  return reply
    .code(status)
    .header('Cache-Control', 'no-store') // pages hold personal data: never kept by a browser or a proxy
    .type('text/html; charset=utf-8')
    .view(page, {
      ...data,
      user: user ? { name: user.name } : undefined,
      csrf: session && typeof reply.generateCsrf === 'function' ? reply.generateCsrf() : undefined,
      banner: acting ? bannerOf(acting) : undefined,
      flash,
      fmt,
    });
}
