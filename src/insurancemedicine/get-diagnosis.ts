/** GetDiagnosis (README, "FMB content"): thin handler; logic in lookup.ts, data in fmb-store.ts. */
import type { RequestContext } from '../soap/context.js';
import type { GetDiagnosisResponderInterface } from '../../contracts/processmanagement/decisionsupport/insurancemedicine/GetDiagnosisInteraction.js';
import type { FmbStore } from './fmb-store.js';
import { queryDiagnoses } from './lookup.js';
import { parseChangedSince, type FmbHandlerLimits } from './request.js';
import { invalidChangedSince, toGetDiagnosisResponse } from './responses.js';

export function createGetDiagnosisHandler(store: FmbStore, limits: FmbHandlerLimits): GetDiagnosisResponderInterface<RequestContext> {
  return {
    async GetDiagnosis(request, context) {
      const snapshot = await store.current();
      const since = parseChangedSince(request.changedSince);
      if (since === null) return invalidChangedSince(snapshot, context.logId);
      const result = queryDiagnoses(snapshot, {
        diagnosisCodes: request.diagnosisCode ?? [],
        includeInactive: request.includeInactive === true,
        changedSince: since,
        maxCriteria: limits.maxCriteria,
      });
      return toGetDiagnosisResponse(result, context.logId);
    },
  };
}
