/**
 * SearchPersonnel's continuation tokens (src/security/continuation.ts): the sort key is (familyKey,
 * givenKey, id), and the binding is the normalised criteria plus the effective consumer's HSA-id.
 */
import { bindingOf, openContinuation, sealContinuation } from '../security/continuation.js';
import type { SearchCriteria, SortKey } from './personnel-store.js';

/** The binding of a token to one query: normalised criteria plus the effective consumer. */
export function queryBinding(criteria: SearchCriteria, consumerHsaId: string): Buffer {
  return bindingOf([
    consumerHsaId,
    criteria.identity ? [criteria.identity.number, criteria.identity.coordination, criteria.identity.excludeProtected] : null,
    criteria.birthDate ?? null,
    criteria.familyName ? [criteria.familyName.kind, criteria.familyName.key] : null,
    criteria.givenName ? [criteria.givenName.kind, criteria.givenName.key] : null,
    criteria.professionCodes ?? null,
    criteria.specialityCode ?? null,
    criteria.countyCode ?? null,
    criteria.municipalityCode ?? null,
    criteria.prescriberCode ?? null,
  ]);
}

export function encodeContinuation(key: Buffer, binding: Buffer, after: SortKey): string {
  return sealContinuation(key, binding, [after.familyKey, after.givenKey, after.id]);
}

export function decodeContinuation(key: Buffer, binding: Buffer, token: string): SortKey | undefined {
  const parsed = openContinuation(key, binding, token);
  if (!parsed || parsed.length !== 3 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string' || !Number.isSafeInteger(parsed[2])) {
    return undefined;
  }
  return { familyKey: parsed[0], givenKey: parsed[1], id: parsed[2] as number };
}
