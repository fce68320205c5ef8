/** Adapts SearchPersonnel audit events to the shared audit trail (src/storage/audit.ts). */
import type { AuditTrail } from '../storage/audit.js';
import type { PersonnelAuditEvent, PersonnelAuditSink } from './search-personnel.js';

export function personnelAuditSink(trail: Pick<AuditTrail, 'append'>): PersonnelAuditSink {
  return async (e: PersonnelAuditEvent) => {
    await trail.append({
      actor: e.consumerHsaId,
      peer: e.peerHsaId,
      contract: 'SearchPersonnel',
      action: e.outcome === 'ACCESS_DENIED' ? 'denied' : 'search',
      logicalAddress: e.logicalAddress,
      outcome: e.outcome,
      criteria: {
        ...e.criteria,
        consumerCategory: e.consumerCategory ?? null,
        viaRoutingNode: e.viaRoutingNode,
        totalCount: e.totalCount,
      },
      recordCount: e.hitCount,
      correlationId: e.correlationId,
      logId: e.logId,
      time: e.at,
    });
  };
}
