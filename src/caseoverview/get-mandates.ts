/**
 * The GetMandates handler (README, "Case hub"; docs/hub-people.md#mandates): the mandates in effect now for a
 * representative, so a view can offer "act for". Only CASE_VIEW consumers may call it (else ACCESS_DENIED).
 * Evaluated at every call (no cache): a revoked, expired or not yet valid mandate is absent. Ordered by
 * grantorName, then the grantor's number, then mandateId, so the list is stable between calls. Audited with the
 * representative's audit HMAC and the number of mandates returned.
 */
import type { AuditLog } from '../storage/audit.js';
import { auditFromContext } from '../soap/audit-context.js';
import type { RequestContext } from '../soap/context.js';
import type {
  GetMandatesResponderInterface,
  GetMandatesResponseType,
  GetMandatesType,
  MandateInEffectType,
} from '../../contracts/casemanagement/caseoverview/GetMandatesInteraction.js';
import type { MandateStore, StoredMandate } from './mandate-store.js';
import type { CaseKeyRing } from './keys.js';
import { validateRepresentative } from './mandate-validation.js';
import { CaseRefusal, refusalResult } from './validation.js';

export interface GetMandatesDeps {
  readonly mandates: MandateStore;
  readonly keys: CaseKeyRing;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly hashIdentifier: (id: string) => string;
  readonly now?: () => Date;
}

function toMandateInEffect(s: StoredMandate): MandateInEffectType {
  const m = s.mandate;
  return {
    mandateId: m.mandateId,
    grantor: { [m.grantor.kind]: m.grantor.id },
    ...(m.grantorName === undefined ? {} : { grantorName: m.grantorName }),
    role: m.role,
    ...(m.scope ? { scope: { ...m.scope } as MandateInEffectType['scope'] } : {}),
    validFrom: m.validFrom,
    effectiveEnd: m.effectiveEnd,
    notifyRepresentative: m.notifyRepresentative,
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Stable order: grantorName (absent last), grantor number, mandateId; by code point, not locale, so it never shifts. */
function byGrantor(a: StoredMandate, b: StoredMandate): number {
  const x = a.mandate;
  const y = b.mandate;
  if ((x.grantorName === undefined) !== (y.grantorName === undefined)) return x.grantorName === undefined ? 1 : -1;
  return compare(x.grantorName ?? '', y.grantorName ?? '') || compare(x.grantor.id, y.grantor.id) || compare(x.mandateId, y.mandateId);
}

export function createGetMandatesHandler(deps: GetMandatesDeps): GetMandatesResponderInterface<RequestContext> {
  const now = deps.now ?? (() => new Date());
  return {
    async GetMandates(request: GetMandatesType, ctx): Promise<GetMandatesResponseType> {
      const given = String(request.representative ?? '').trim();
      const criteria = {
        representativeHash: given ? deps.hashIdentifier(given) : null,
        consumerCategory: ctx.consumer?.category ?? null,
        viaRoutingNode: ctx.viaRoutingNode,
      };
      let found: StoredMandate[];
      try {
        if (ctx.consumer?.category !== 'CASE_VIEW') {
          throw new CaseRefusal('ACCESS_DENIED', `consumer category ${ctx.consumer?.category ?? '(none)'} may not read mandates`);
        }
        const representative = validateRepresentative(request.representative);
        found = await deps.mandates.byRepresentative(deps.keys.subjectHash(representative), now());
      } catch (err) {
        if (!(err instanceof CaseRefusal)) throw err;
        await deps.audit.append(auditFromContext(ctx, { action: 'denied', outcome: err.errorCode, criteria, recordCount: 0 }));
        return { result: refusalResult(ctx.logId, err) };
      }
      found.sort(byGrantor);
      await deps.audit.append(
        auditFromContext(ctx, { action: 'read', outcome: 'OK', criteria: { ...criteria, roles: [...new Set(found.map((s) => s.mandate.role))].sort() }, recordCount: found.length }),
      );
      return { mandate: found.map(toMandateInEffect), result: { resultCode: 'OK', logId: ctx.logId } };
    },
  };
}
