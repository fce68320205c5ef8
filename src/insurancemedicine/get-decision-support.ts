/** GetDecisionSupport (README, "FMB content"): thin handler; logic in lookup.ts, data in fmb-store.ts. */
import type { RequestContext } from '../soap/context.js';
import type { GetDecisionSupportResponderInterface } from '../../contracts/processmanagement/decisionsupport/insurancemedicine/GetDecisionSupportInteraction.js';
import type { FmbStore } from './fmb-store.js';
import { queryDecisionSupports } from './lookup.js';
import { parseChangedSince, type FmbHandlerLimits } from './request.js';
import { invalidChangedSince, toGetDecisionSupportResponse } from './responses.js';

export function createGetDecisionSupportHandler(store: FmbStore, limits: FmbHandlerLimits): GetDecisionSupportResponderInterface<RequestContext> {
  return {
    async GetDecisionSupport(request, context) {
      const snapshot = await store.current();
      const since = parseChangedSince(request.changedSince);
      if (since === null) return invalidChangedSince(snapshot, context.logId);
      const result = queryDecisionSupports(snapshot, {
        decisionSupportIds: request.decisionSupportId ?? [],
        diagnosisCodes: request.diagnosisCode ?? [],
        includeArchived: request.includeArchived === true,
        changedSince: since,
        maxCriteria: limits.maxCriteria,
      });
      return toGetDecisionSupportResponse(result, context.logId);
    },
  };
}
