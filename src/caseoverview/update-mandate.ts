/**
 * The UpdateMandate handler (README, "Case hub"; docs/hub-people.md#mandates). Only MANDATE_REGISTER consumers
 * may call it (else ACCESS_DENIED). `register` validates the whole mandate (mandate-validation.ts) and stores it
 * once per id: REGISTERED, or UNCHANGED when the same id comes again with the same canonical content (compared by
 * its keyed MAC), or CONFLICT when the id holds other content or was revoked (an id is never reused). `revoke`
 * answers REVOKED (also a second time) or NOT_FOUND (INFO).
 *
 * The change and its audit entry (mandate id, role, and the grantor's and representative's audit HMACs; never a
 * number) commit in one transaction; a refusal is audited on its own.
 */
import type { AuditEntryInput, AuditLog } from '../storage/audit.js';
import type { Database } from '../storage/database.js';
import { auditFromContext } from '../soap/audit-context.js';
import type { RequestContext } from '../soap/context.js';
import type {
  UpdateMandateResponderInterface,
  UpdateMandateResponseType,
  UpdateMandateType,
} from '../../contracts/casemanagement/caseoverview/UpdateMandateInteraction.js';
import type { CaseKeyRing } from './keys.js';
import { getMandate, registerMandate, revokeMandate, type MandateInput } from './mandate-store.js';
import { validateMandate, validateMandateId } from './mandate-validation.js';
import { CaseRefusal, refusalResult } from './validation.js';

export interface UpdateMandateDeps {
  readonly db: Database;
  readonly keys: CaseKeyRing;
  readonly audit: Pick<AuditLog, 'append' | 'appendInTransaction'>;
  /** The audit trail's identifier hashing. */
  readonly hashIdentifier: (id: string) => string;
  /** Occurrences each scope list may have (config limits.maxCriteria). */
  readonly maxCriteria: number;
  readonly now?: () => Date;
}

export function createUpdateMandateHandler(deps: UpdateMandateDeps): UpdateMandateResponderInterface<RequestContext> {
  const now = deps.now ?? (() => new Date());
  const engine = deps.db.engine;

  /** What the audit records of a mandate: who to whom in which role, as audit HMACs. */
  const about = (m: Pick<MandateInput, 'mandateId' | 'role' | 'grantor' | 'representative'>) => ({
    mandateId: m.mandateId,
    role: m.role,
    grantorHash: deps.hashIdentifier(m.grantor.id),
    representativeHash: deps.hashIdentifier(m.representative),
  });

  return {
    async UpdateMandate(request: UpdateMandateType, ctx): Promise<UpdateMandateResponseType> {
      const operation = request.register ? 'register' : 'revoke';
      const base = { operation, consumerCategory: ctx.consumer?.category ?? null, viaRoutingNode: ctx.viaRoutingNode };
      const entry = (outcome: string, criteria: Record<string, unknown>, recordCount: number): AuditEntryInput =>
        auditFromContext(ctx, { action: 'write', outcome, criteria: { ...base, ...criteria }, recordCount });
      try {
        if (ctx.consumer?.category !== 'MANDATE_REGISTER') {
          throw new CaseRefusal('ACCESS_DENIED', `consumer category ${ctx.consumer?.category ?? '(none)'} may not update mandates`);
        }
        if ((request.register === undefined) === (request.revoke === undefined)) {
          throw new CaseRefusal('VALIDATION_ERROR', 'exactly one of register and revoke is required');
        }
        const at = now();
        if (request.register) {
          const input = validateMandate(request.register, at, deps.maxCriteria);
          return await deps.db.transaction(async (sql) => {
            const r = await registerMandate(sql, engine, deps.keys, input, at);
            if (r.status === 'inserted') {
              await deps.audit.appendInTransaction(sql, entry('REGISTERED', about(input), 1));
              return { outcome: 'REGISTERED', result: { resultCode: 'OK', logId: ctx.logId } };
            }
            if (r.sameContent && !r.revoked) {
              await deps.audit.appendInTransaction(sql, entry('UNCHANGED', about(input), 0));
              return { outcome: 'UNCHANGED', result: { resultCode: 'OK', logId: ctx.logId } };
            }
            await deps.audit.appendInTransaction(sql, entry('CONFLICT', { ...about(input), revoked: r.revoked }, 0));
            return {
              result: {
                resultCode: 'ERROR',
                errorCode: 'CONFLICT',
                logId: ctx.logId,
                message: r.revoked
                  ? 'this mandateId was revoked; a revoked mandateId is never used again'
                  : 'a mandate with this mandateId and other content is already registered; a registered mandate is immutable',
              },
            } satisfies UpdateMandateResponseType;
          });
        }
        const mandateId = validateMandateId(request.revoke, 'revoke');
        return await deps.db.transaction(async (sql) => {
          const r = await revokeMandate(sql, engine, mandateId, at);
          if (r === 'NOT_FOUND') {
            await deps.audit.appendInTransaction(sql, entry('NOT_FOUND', { mandateId }, 0));
            return { outcome: 'NOT_FOUND', result: { resultCode: 'INFO', logId: ctx.logId, message: 'no mandate is registered under this mandateId' } };
          }
          const stored = await getMandate(sql, engine, deps.keys, mandateId);
          const who = stored ? about(stored.mandate) : { mandateId };
          await deps.audit.appendInTransaction(sql, entry('REVOKED', { ...who, alreadyRevoked: r === 'ALREADY_REVOKED' }, r === 'REVOKED' ? 1 : 0));
          return { outcome: 'REVOKED', result: { resultCode: 'OK', logId: ctx.logId } };
        });
      } catch (err) {
        if (!(err instanceof CaseRefusal)) throw err;
        await deps.audit.append(auditFromContext(ctx, { action: 'denied', outcome: err.errorCode, criteria: base, recordCount: 0 }));
        return { result: refusalResult(ctx.logId, err) };
      }
    },
  };
}
