/**
 * The rules of the hub's consent, mandates and paging, in memory, for the fake hub the view's tests run
 * against until the producer serves them (README, "The case view"; test/helpers/fake-hub.ts serves this
 * over the producer's own runtime). Faithful in what a view can observe: consent gates pushes and reads,
 * revocation erases, a representative needs a mandate in effect and sees only what it covers (AND across
 * scope lists, OR within one), a guardian's mandate ends on the child's 13th birthday, GetCaseOverview
 * pages newest caseUpdated first with a token bound to the caller, representative and criteria.
 */
import crypto from 'node:crypto';
import type {
  CaseStatusType,
  CaseType,
  ConsentStatusEnum,
  MandateInEffectType,
  MandateType,
  SubjectType,
} from '../../contracts/_types/urn_riv_casemanagement_caseoverview_2.js';
import { parseXsDateTime } from '../../src/soap/datetime.js';

export type Refusal = { readonly errorCode: 'VALIDATION_ERROR' | 'ACCESS_DENIED' | 'CONFLICT'; readonly message: string };
const refuse = (errorCode: Refusal['errorCode'], message: string): Refusal => ({ errorCode, message });

export function subjectId(s: SubjectType): string {
  return s.personalIdentityNumber ?? s.coordinationNumber ?? s.organisationNumber ?? '';
}
export const isPerson = (s: SubjectType) => s.organisationNumber === undefined;

/** 00:00 Europe/Stockholm on the 13th birthday of a person (coordination number: day − 60). */
export function thirteenthBirthday(s: SubjectType): number {
  const n = s.personalIdentityNumber ?? s.coordinationNumber ?? '';
  const day = Number(n.slice(6, 8)) - (s.coordinationNumber ? 60 : 0);
  const local = `${Number(n.slice(0, 4)) + 13}-${n.slice(4, 6)}-${String(day).padStart(2, '0')}T00:00:00`;
  return parseXsDateTime(local, 'Europe/Stockholm')!;
}

interface Consent {
  status: ConsentStatusEnum;
  version?: string;
  since?: string;
}
interface StoredCase {
  readonly key: string;
  readonly subject: string;
  content: Omit<CaseStatusType, 'subject' | 'notify' | 'Id'>;
  history: Array<{ status: CaseStatusType['status']; statusDate: string; caseUpdated: string }>;
  revision: number;
}
interface PageToken {
  readonly binding: string;
  readonly after: { readonly updated: number; readonly key: string };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const time = (v: string) => parseXsDateTime(v, 'Europe/Stockholm') ?? NaN;

export class FakeHubState {
  private readonly consents = new Map<string, Consent>();
  private readonly cases = new Map<string, StoredCase>();
  private readonly mandates: MandateType[] = [];
  private readonly revoked = new Set<string>();
  private readonly tokens = new Map<string, PageToken>();

  constructor(private readonly now: () => number = Date.now) {}

  registerMandate(m: MandateType): void {
    this.mandates.push(m);
  }

  revokeMandate(id: string): void {
    this.revoked.add(id);
  }

  effectiveEnd(m: MandateType): number {
    const to = m.validTo ? time(m.validTo) : Infinity;
    return m.role === 'GUARDIAN' ? Math.min(to, thirteenthBirthday(m.grantor)) : to;
  }

  inEffect(representative: string, grantor?: string): MandateType[] {
    const t = this.now();
    return this.mandates.filter(
      (m) =>
        m.representative === representative &&
        (grantor === undefined || subjectId(m.grantor) === grantor) &&
        !this.revoked.has(m.mandateId) &&
        time(m.validFrom) <= t &&
        t < this.effectiveEnd(m),
    );
  }

  mandatesInEffect(representative: string): MandateInEffectType[] {
    return this.inEffect(representative).map((m) => {
      const { representative: _r, validTo: _v, ...shown } = m;
      return { ...shown, effectiveEnd: iso(this.effectiveEnd(m)) };
    });
  }

  consentOf(s: SubjectType): ConsentStatusEnum {
    return this.consents.get(subjectId(s))?.status ?? 'NONE';
  }

  /** UpdateCaseOverviewConsent: who may decide, then GIVE or REVOKE (revocation erases the person's cases). */
  updateConsent(subject: SubjectType, action: 'GIVE' | 'REVOKE', version: string, representative: string | undefined): Consent | Refusal {
    if (!isPerson(subject)) return refuse('VALIDATION_ERROR', 'subject must be a person: organisations need no consent');
    const id = subjectId(subject);
    const child = this.now() < thirteenthBirthday(subject);
    if (child) {
      const guardian = representative && this.inEffect(representative, id).some((m) => m.role === 'GUARDIAN' && !hasScope(m));
      if (!guardian) return refuse('ACCESS_DENIED', 'a child under 13 needs a guardian with a mandate in effect');
    } else if (representative !== undefined) {
      return refuse('ACCESS_DENIED', 'only the person may give or revoke consent');
    }
    const before = this.consents.get(id);
    if (action === 'GIVE') {
      if (before?.status === 'ACTIVE' && before.version === version) return before;
      const c: Consent = { status: 'ACTIVE', version, since: iso(this.now()) };
      this.consents.set(id, c);
      return c;
    }
    for (const [key, c] of this.cases) if (c.subject === id) this.cases.delete(key);
    const c: Consent = { status: 'REVOKED', version, since: iso(this.now()) };
    this.consents.set(id, c);
    return c;
  }

  /** PushCaseStatus 2 after authorisation: consent, then ordering by caseUpdated; the recipients to notify. */
  push(cs: CaseStatusType): { outcome?: 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'STALE'; revision?: number; consentStatus?: ConsentStatusEnum; recipients: string[] } | Refusal {
    if (isPerson(cs.subject) && (cs.committee || cs.serviceArea)) return refuse('VALIDATION_ERROR', 'committee and serviceArea are for organisation subjects');
    const consentStatus = isPerson(cs.subject) ? this.consentOf(cs.subject) : undefined;
    if (consentStatus !== undefined && consentStatus !== 'ACTIVE') return { consentStatus, recipients: [] };
    const { subject, notify, Id: _id, $any: _any, ...content } = cs;
    const key = `${content.senderOrganisation.organisationNumber}|${content.caseId}`;
    const before = this.cases.get(key);
    const entry = { status: content.status, statusDate: content.statusDate, caseUpdated: content.caseUpdated };
    let outcome: 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'STALE';
    if (!before) {
      this.cases.set(key, { key, subject: subjectId(subject), content, history: [entry], revision: 1 });
      outcome = 'CREATED';
    } else if (time(content.caseUpdated) < time(before.content.caseUpdated)) {
      outcome = 'STALE';
    } else if (time(content.caseUpdated) === time(before.content.caseUpdated)) {
      if (JSON.stringify(content) !== JSON.stringify(before.content)) return refuse('CONFLICT', 'the same caseUpdated with other content');
      outcome = 'UNCHANGED';
    } else {
      outcome = 'UPDATED';
      const changed = before.content.status !== content.status;
      before.content = content;
      before.history.unshift(entry);
      before.revision++;
      if (!changed) return { outcome, revision: before.revision, consentStatus, recipients: [] };
    }
    const stored = this.cases.get(key)!;
    const notifying = notify !== false && (outcome === 'CREATED' || outcome === 'UPDATED');
    return { outcome, revision: stored.revision, consentStatus, recipients: notifying ? this.recipients(stored) : [] };
  }

  /** The subject, and each representative whose mandate in effect covers the case and asks to be notified. */
  private recipients(c: StoredCase): string[] {
    const t = this.now();
    const reps = this.mandates.filter(
      (m) => subjectId(m.grantor) === c.subject && m.notifyRepresentative && !this.revoked.has(m.mandateId) && time(m.validFrom) <= t && t < this.effectiveEnd(m) && covers(m, c.content),
    );
    return [c.subject, ...new Set(reps.map((m) => m.representative))];
  }

  /** GetCaseOverview 2 after authorisation. */
  overview(req: {
    consumer: string;
    subject: SubjectType;
    representative?: string;
    sender?: string;
    status?: string[];
    updatedSince?: string;
    maxResults?: number;
    continuation?: string;
  }): { cases: CaseType[]; continuation?: string; consentStatus?: ConsentStatusEnum; clamped: boolean } | Refusal {
    const id = subjectId(req.subject);
    const mandates = req.representative !== undefined ? this.inEffect(req.representative, id) : [];
    if (req.representative !== undefined && mandates.length === 0) return refuse('ACCESS_DENIED', 'no mandate in effect from subject to representative');
    const consentStatus = isPerson(req.subject) ? this.consentOf(req.subject) : undefined;
    const max = Math.min(req.maxResults ?? 50, 200);
    const clamped = (req.maxResults ?? 0) > 200;
    if (consentStatus !== undefined && consentStatus !== 'ACTIVE') return { cases: [], consentStatus, clamped };
    const binding = JSON.stringify([req.consumer, req.representative ?? '', id, req.sender ?? '', [...(req.status ?? [])].sort(), req.updatedSince ?? '', max]);
    let after: PageToken['after'] | undefined;
    if (req.continuation !== undefined) {
      const token = this.tokens.get(req.continuation);
      if (!token || token.binding !== binding) return refuse('VALIDATION_ERROR', 'continuation does not belong to these criteria');
      after = token.after;
    }
    const since = req.updatedSince ? time(req.updatedSince) : -Infinity;
    const matching = [...this.cases.values()]
      .filter(
        (c) =>
          c.subject === id &&
          (req.sender === undefined || c.content.senderOrganisation.organisationNumber === req.sender) &&
          (req.status === undefined || req.status.length === 0 || req.status.includes(c.content.status)) &&
          time(c.content.caseUpdated) >= since &&
          (mandates.length === 0 || mandates.some((m) => covers(m, c.content))),
      )
      .map((c) => ({ c, updated: time(c.content.caseUpdated) }))
      .sort((a, b) => b.updated - a.updated || a.c.key.localeCompare(b.c.key))
      .filter((x) => !after || x.updated < after.updated || (x.updated === after.updated && x.c.key > after.key));
    const page = matching.slice(0, max);
    let continuation: string | undefined;
    if (matching.length > max) {
      const last = page[page.length - 1]!;
      continuation = crypto.randomBytes(24).toString('base64url');
      this.tokens.set(continuation, { binding, after: { updated: last.updated, key: last.c.key } });
    }
    const cases = page.map(({ c }) => ({
      ...structuredClone(c.content),
      history: c.history.slice(0, 50).map((h) => ({ ...h })),
      ...(c.history.length > 50 ? { historyTruncated: true } : {}),
    }));
    return { cases, ...(continuation ? { continuation } : {}), consentStatus, clamped };
  }
}

function hasScope(m: MandateType): boolean {
  return [m.scope?.senderOrganisationNumber, m.scope?.category, m.scope?.committee, m.scope?.serviceArea].some((l) => (l?.length ?? 0) > 0);
}

/** Every non-empty scope list must hold the case's value (a case without the value is not covered). */
function covers(m: MandateType, c: StoredCase['content']): boolean {
  const s = m.scope;
  const check = (list: readonly string[] | undefined, value: string | undefined) => !list || list.length === 0 || (value !== undefined && list.includes(value));
  return (
    check(s?.senderOrganisationNumber, c.senderOrganisation.organisationNumber) &&
    check(s?.category, c.category) &&
    check(s?.committee, c.committee?.code) &&
    check(s?.serviceArea, c.serviceArea)
  );
}
