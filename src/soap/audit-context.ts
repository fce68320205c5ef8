/** Builds an audit entry from the handler's RequestContext: who, on whose behalf, where, and the call's ids. */
import type { AuditEntryInput } from '../storage/audit.js';
import type { RequestContext } from './context.js';

/** Fills actor, peer, contract, logical address, correlation id and logId from the context; `fields` adds (or overrides) the rest. */
export function auditFromContext(
  context: Pick<RequestContext, 'consumerHsaId' | 'peerHsaId' | 'contractName' | 'logicalAddress' | 'correlationId' | 'logId'>,
  fields: Pick<AuditEntryInput, 'action' | 'criteria' | 'recordCount'> & Partial<AuditEntryInput>,
): AuditEntryInput {
  return {
    actor: context.consumerHsaId,
    peer: context.peerHsaId,
    contract: context.contractName,
    logicalAddress: context.logicalAddress,
    correlationId: context.correlationId,
    logId: context.logId,
    ...fields,
  };
}
