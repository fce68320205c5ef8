/**
 * Mandates (docs/hub-people.md#mandates): data access only; the rules a registration must meet are the
 * UpdateMandate handler's. Each operation is a function over the SqlRunner and engine of the caller's
 * transaction (usable inside a database program: it imports nothing that cannot run on the database thread),
 * and MandateStore runs the same functions on the event loop.
 *
 * At rest: the grantor and the representative as HMACs (CaseKeyRing.subjectHash) for lookup; the role, the
 * validity and whether the representative is notified in clear, since the lookups filter on them; the whole
 * registered mandate sealed (AES-256-GCM, bound to its id), with a keyed MAC of its canonical form, which tells
 * a repeated registration from a conflicting one.
 *
 * In effect: validFrom ≤ now < effectiveEnd and not revoked, evaluated at every call, so revocation and
 * expiry take effect at the next call. No mandate is cached. The effective end is validTo, or for a GUARDIAN
 * the earlier of validTo and 00:00 Europe/Stockholm on the child's 13th birthday (age.ts).
 */
import { canonicalJson } from '../storage/canonical.js';
import type { Database } from '../storage/database.js';
import type { Engine, SqlRunner } from '../storage/sql.js';
import { sqlFor } from '../storage/sql.js';
import { thirteenthBirthday } from './age.js';
import type { MandateScope } from './coverage.js';
import type { CaseKeyRing } from './keys.js';
import { CASE_TABLES } from './schema.js';
import type { Subject } from './validation.js';

export type MandateRole = 'OMBUD' | 'GUARDIAN' | 'MAIN_REPORTER' | 'REPORTER';

/** A mandate as the register gives it, validated by the caller; times in UTC, as Date.toISOString() writes them. */
export interface MandateInput {
  readonly mandateId: string;
  readonly grantor: Subject;
  readonly grantorName?: string;
  /** The representative's personal identity number. */
  readonly representative: string;
  readonly role: MandateRole;
  readonly scope?: MandateScope;
  readonly validFrom: string;
  /** Required for every role but GUARDIAN. */
  readonly validTo?: string;
  readonly notifyRepresentative: boolean;
}

/** A registered mandate: what was registered, in canonical form (see canonicalMandate), and its effective end. */
interface Mandate extends MandateInput {
  readonly effectiveEnd: string;
}

export interface StoredMandate {
  readonly mandate: Mandate;
  readonly grantorHash: string;
  readonly representativeHash: string;
  readonly registeredAt: string;
  readonly revokedAt: string | null;
}

export type RegisterResult =
  | { readonly status: 'inserted'; readonly stored: StoredMandate }
  /** The id was registered before: with the same content or not, and revoked or not (an id is never reused). */
  | { readonly status: 'exists'; readonly sameContent: boolean; readonly revoked: boolean };

export type RevokeResult = 'REVOKED' | 'ALREADY_REVOKED' | 'NOT_FOUND';

const UTC_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Times are compared as text in SQL: only the one fixed-width UTC form keeps text order equal to time order. */
function utcIso(value: string, field: string): string {
  if (!UTC_ISO.test(value)) throw new RangeError(`mandate ${field}: not a UTC time in the form YYYY-MM-DDTHH:mm:ss.sssZ`);
  return value;
}

const SCOPE_LISTS = ['senderOrganisationNumber', 'category', 'committee', 'serviceArea'] as const;

/**
 * The canonical form of a registration: scope lists deduplicated and sorted, empty lists and an empty scope
 * left out. Two registrations with the same canonical form grant the same, so the repetition is UNCHANGED.
 */
export function canonicalMandate(input: MandateInput): MandateInput {
  const scope: Record<string, string[]> = {};
  for (const list of SCOPE_LISTS) {
    const values = input.scope?.[list] ?? [];
    if (values.length > 0) scope[list] = [...new Set(values)].sort();
  }
  return {
    mandateId: input.mandateId,
    grantor: { kind: input.grantor.kind, id: input.grantor.id },
    ...(input.grantorName === undefined ? {} : { grantorName: input.grantorName }),
    representative: input.representative,
    role: input.role,
    ...(Object.keys(scope).length > 0 ? { scope } : {}),
    validFrom: utcIso(input.validFrom, 'validFrom'),
    ...(input.validTo === undefined ? {} : { validTo: utcIso(input.validTo, 'validTo') }),
    notifyRepresentative: input.notifyRepresentative,
  };
}

/** The instant a mandate stops being in effect (exclusive), in UTC ISO. */
export function mandateEffectiveEnd(input: MandateInput): string {
  if (input.role !== 'GUARDIAN') {
    if (input.validTo === undefined) throw new RangeError('mandate validTo: required for every role but GUARDIAN');
    return utcIso(input.validTo, 'validTo');
  }
  if (input.grantor.kind === 'organisationNumber') throw new RangeError('mandate grantor: a GUARDIAN mandate needs a person');
  const thirteen = thirteenthBirthday(input.grantor.id).toISOString();
  return input.validTo !== undefined && utcIso(input.validTo, 'validTo') < thirteen ? input.validTo : thirteen;
}

const aad = (mandateId: string) => `${CASE_TABLES.mandate}:${mandateId}`;
const macOf = (keys: CaseKeyRing, m: MandateInput) => keys.contentMac(canonicalJson({ mandate: m }));

interface MandateRow {
  mandate_id: string;
  grantor_hash: string;
  representative_hash: string;
  effective_end: string;
  registered_at: string;
  revoked_at: string | null;
  key_id: string;
  content: string;
}

const COLUMNS = 'mandate_id, grantor_hash, representative_hash, effective_end, registered_at, revoked_at, key_id, content';

function open(keys: CaseKeyRing, r: MandateRow): StoredMandate {
  const registered = JSON.parse(keys.open({ keyId: r.key_id, blob: r.content }, aad(r.mandate_id))) as MandateInput;
  return {
    mandate: { ...registered, effectiveEnd: r.effective_end },
    grantorHash: r.grantor_hash,
    representativeHash: r.representative_hash,
    registeredAt: r.registered_at,
    revokedAt: r.revoked_at ?? null,
  };
}

/**
 * Registers a mandate unless its id is taken; an existing id is left untouched and reported (a registered
 * mandate is immutable). Safe against a concurrent registration of the same id: one insert wins.
 */
export async function registerMandate(sql: SqlRunner, engine: Engine, keys: CaseKeyRing, input: MandateInput, now: Date): Promise<RegisterResult> {
  const q = sqlFor(engine);
  const m = canonicalMandate(input);
  const effectiveEnd = mandateEffectiveEnd(m);
  const mac = macOf(keys, m);
  const sealed = keys.seal(JSON.stringify(m), aad(m.mandateId));
  const grantorHash = keys.subjectHash(m.grantor.id);
  const representativeHash = keys.subjectHash(m.representative);
  const registeredAt = now.toISOString();
  const inserted: unknown[] = await sql.query(
    q(
      `INSERT INTO ${CASE_TABLES.mandate} (mandate_id, grantor_hash, representative_hash, role, valid_from, effective_end, revoked_at, notify_representative, content_mac, key_id, content, registered_at)` +
        ` VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?) ON CONFLICT (mandate_id) DO NOTHING RETURNING mandate_id`,
    ),
    [m.mandateId, grantorHash, representativeHash, m.role, m.validFrom, effectiveEnd, m.notifyRepresentative ? 1 : 0, mac, sealed.keyId, sealed.blob, registeredAt],
  );
  if (inserted.length === 1) {
    return { status: 'inserted', stored: { mandate: { ...m, effectiveEnd }, grantorHash, representativeHash, registeredAt, revokedAt: null } };
  }
  const rows: Array<{ content_mac: string; revoked_at: string | null }> = await sql.query(
    q(`SELECT content_mac, revoked_at FROM ${CASE_TABLES.mandate} WHERE mandate_id = ?`),
    [m.mandateId],
  );
  const existing = rows[0];
  if (!existing) throw new Error(`${CASE_TABLES.mandate}: an id that conflicted on insert is not there`);
  return { status: 'exists', sameContent: existing.content_mac === mac, revoked: existing.revoked_at !== null };
}

/** The mandate registered under this id, revoked or not, or undefined. */
export async function getMandate(sql: SqlRunner, engine: Engine, keys: CaseKeyRing, mandateId: string): Promise<StoredMandate | undefined> {
  const rows: MandateRow[] = await sql.query(sqlFor(engine)(`SELECT ${COLUMNS} FROM ${CASE_TABLES.mandate} WHERE mandate_id = ?`), [mandateId]);
  return rows[0] ? open(keys, rows[0]) : undefined;
}

/** Revokes the mandate from `now` on; revoking again keeps the first revocation time. */
export async function revokeMandate(sql: SqlRunner, engine: Engine, mandateId: string, now: Date): Promise<RevokeResult> {
  const q = sqlFor(engine);
  const rows: Array<{ revoked_at: string | null }> = await sql.query(
    q(`SELECT revoked_at FROM ${CASE_TABLES.mandate} WHERE mandate_id = ?${engine === 'postgres' ? ' FOR UPDATE' : ''}`),
    [mandateId],
  );
  if (!rows[0]) return 'NOT_FOUND';
  if (rows[0].revoked_at !== null) return 'ALREADY_REVOKED';
  await sql.query(q(`UPDATE ${CASE_TABLES.mandate} SET revoked_at = ? WHERE mandate_id = ?`), [now.toISOString(), mandateId]);
  return 'REVOKED';
}

const IN_EFFECT = 'revoked_at IS NULL AND valid_from <= ? AND effective_end > ?';

async function select(sql: SqlRunner, engine: Engine, keys: CaseKeyRing, where: string, params: readonly unknown[], now: Date): Promise<StoredMandate[]> {
  const t = now.toISOString();
  const rows: MandateRow[] = await sql.query(
    sqlFor(engine)(`SELECT ${COLUMNS} FROM ${CASE_TABLES.mandate} WHERE ${where} AND ${IN_EFFECT} ORDER BY mandate_id`),
    [...params, t, t],
  );
  return rows.map((r) => open(keys, r));
}

/** The mandates in effect at `now` from this grantor to this representative (they add up). */
export function mandatesInEffect(sql: SqlRunner, engine: Engine, keys: CaseKeyRing, grantorHash: string, representativeHash: string, now: Date): Promise<StoredMandate[]> {
  return select(sql, engine, keys, 'grantor_hash = ? AND representative_hash = ?', [grantorHash, representativeHash], now);
}

/** Every mandate in effect at `now` held by this representative (GetMandates). */
function mandatesOfRepresentative(sql: SqlRunner, engine: Engine, keys: CaseKeyRing, representativeHash: string, now: Date): Promise<StoredMandate[]> {
  return select(sql, engine, keys, 'representative_hash = ?', [representativeHash], now);
}

/** The mandates in effect at `now` from this grantor whose representative is to be notified (notices). */
export function notifyingMandatesOfGrantor(sql: SqlRunner, engine: Engine, keys: CaseKeyRing, grantorHash: string, now: Date): Promise<StoredMandate[]> {
  return select(sql, engine, keys, 'grantor_hash = ? AND notify_representative = 1', [grantorHash], now);
}

/** The same operations on the event loop, each in its own read or transaction (or the caller's, when inside one). */
export class MandateStore {
  constructor(
    private readonly db: Database,
    private readonly keys: CaseKeyRing,
  ) {}

  register(input: MandateInput, now: Date = new Date()): Promise<RegisterResult> {
    return this.db.transaction((sql) => registerMandate(sql, this.db.engine, this.keys, input, now));
  }

  get(mandateId: string): Promise<StoredMandate | undefined> {
    return this.db.read((sql) => getMandate(sql, this.db.engine, this.keys, mandateId));
  }

  revoke(mandateId: string, now: Date = new Date()): Promise<RevokeResult> {
    return this.db.transaction((sql) => revokeMandate(sql, this.db.engine, mandateId, now));
  }

  inEffect(grantorHash: string, representativeHash: string, now: Date = new Date()): Promise<StoredMandate[]> {
    return this.db.read((sql) => mandatesInEffect(sql, this.db.engine, this.keys, grantorHash, representativeHash, now));
  }

  byRepresentative(representativeHash: string, now: Date = new Date()): Promise<StoredMandate[]> {
    return this.db.read((sql) => mandatesOfRepresentative(sql, this.db.engine, this.keys, representativeHash, now));
  }

  byGrantorNotifying(grantorHash: string, now: Date = new Date()): Promise<StoredMandate[]> {
    return this.db.read((sql) => notifyingMandatesOfGrantor(sql, this.db.engine, this.keys, grantorHash, now));
  }
}
