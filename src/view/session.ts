/**
 * The view's sessions: kept in this process's memory (never in the cookie, so identity numbers stay on
 * the server), ended after 15 idle minutes, and bounded in number. The cookie carries only the signed
 * session id: `__Host-` prefixed, HttpOnly, Secure, SameSite=Strict.
 *
 * Identity numbers never appear in a URL: whom the person acts for and which sender a filter names are
 * opaque random ids, mapped to the numbers here, in the session.
 */
import crypto from 'node:crypto';
import type { FastifyRequest, Session } from 'fastify';
import type { CaseStatusEnum, MandateRoleEnum, SubjectType } from '../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import type { AuthenticatedPerson } from './identity.js';

export const SESSION_COOKIE = '__Host-arendevy';
export const DEFAULT_SESSION_IDLE_MS = 15 * 60 * 1000;

/** Someone the signed-in person may act for, from GetMandates (several mandates from one grantor add up). */
export interface Grantor {
  readonly subject: SubjectType;
  /** grantorName, else undefined (the banner then names the number). */
  readonly name: string | undefined;
  readonly roles: readonly MandateRoleEnum[];
  /** The latest effective end of the grantor's mandates in effect (exclusive). */
  readonly effectiveEnd: string;
  /** A GUARDIAN mandate without scope: the only kind that may give or revoke consent for the grantor. */
  readonly mayConsent: boolean;
}

export interface Sender {
  readonly organisationNumber: string;
  readonly name: string;
}

declare module 'fastify' {
  interface Session {
    user?: AuthenticatedPerson;
    /** Opaque id → grantor, as offered on the "act for" page. */
    grantors?: Record<string, Grantor>;
    /** The opaque id of the grantor acted for; absent = the person's own cases. */
    acting?: string;
    /** Opaque id → sender organisation, collected from the pages read. */
    senders?: Record<string, Sender>;
    filter?: { status?: CaseStatusEnum; sender?: string };
    /** Continuation tokens of the overview for one set of criteria: tokens[n] reads page n + 2. */
    paging?: { criteria: string; tokens: string[] };
    /** A one-time message for the next page. */
    flash?: string;
  }
}

/** A random id for a URL or a form field, standing for something the session knows. */
export function opaqueId(): string {
  return crypto.randomBytes(12).toString('base64url');
}

/** The opaque id that `find` recognises in `map`, or a new one added with `value`. */
export function idFor<T>(map: Record<string, T>, value: T, same: (a: T, b: T) => boolean): string {
  for (const [id, v] of Object.entries(map)) if (same(v, value)) return id;
  const id = opaqueId();
  map[id] = value;
  return id;
}

export function subjectKey(s: SubjectType): string {
  return s.personalIdentityNumber ? `p${s.personalIdentityNumber}` : s.coordinationNumber ? `c${s.coordinationNumber}` : `o${s.organisationNumber ?? ''}`;
}

/** The grantor acted for now, if any. */
export function actingFor(request: FastifyRequest): Grantor | undefined {
  const id = request.session.acting;
  return id ? request.session.grantors?.[id] : undefined;
}

type Callback = (err?: unknown, session?: Session | null) => void;

interface Entry {
  session: Session;
  lastSeen: number;
}

/**
 * The session store: a session not used for `idleMs` is gone (the next request starts anonymous), and at
 * most `maxSessions` are kept (the least recently used goes first), so anonymous visits cannot fill memory.
 */
export class IdleSessionStore {
  private readonly sessions = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly idleMs: number = DEFAULT_SESSION_IDLE_MS,
    private readonly maxSessions = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(1000, idleMs))).unref();
  }

  set(sessionId: string, session: Session, callback: Callback): void {
    this.sessions.delete(sessionId); // re-inserted last: Map order is least recently used first
    this.sessions.set(sessionId, { session, lastSeen: this.now() });
    while (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
    callback();
  }

  get(sessionId: string, callback: Callback): void {
    const entry = this.sessions.get(sessionId);
    if (!entry) return callback(null, undefined);
    if (this.now() - entry.lastSeen > this.idleMs) {
      this.sessions.delete(sessionId);
      return callback(null, undefined);
    }
    entry.lastSeen = this.now();
    callback(null, entry.session);
  }

  destroy(sessionId: string, callback: Callback): void {
    this.sessions.delete(sessionId);
    callback();
  }

  get size(): number {
    return this.sessions.size;
  }

  sweep(): void {
    const limit = this.now() - this.idleMs;
    for (const [id, e] of this.sessions) if (e.lastSeen < limit) this.sessions.delete(id);
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sessions.clear();
  }
}
