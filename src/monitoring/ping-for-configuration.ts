/**
 * PingForConfiguration 1.0, the platform's standard liveness contract, implemented as is.
 * The logical address comes from the LogicalAddress header (the body fields are informational).
 */
import type { PingForConfigurationResponderInterface } from '../../contracts/index.js';
import type { RequestContext } from '../soap/context.js';

export interface PingDependencies {
  readonly version: string;
  readonly build: string;
  readonly startedAt: number;
  readonly contractCount: () => number;
  readonly databaseReachable: () => Promise<boolean>;
}

/** RIVTA TS format: YYYYMMDDHHMMSS, in UTC. */
function rivtaTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export function createPingForConfigurationHandler(deps: PingDependencies): PingForConfigurationResponderInterface<RequestContext> {
  return {
    async PingForConfiguration(_request, context) {
      const database = (await deps.databaseReachable()) ? 'OK' : 'UNAVAILABLE';
      return {
        version: deps.version,
        pingDateTime: rivtaTimestamp(new Date()),
        configuration: [
          { name: 'logicalAddress', value: context.headers.LogicalAddress },
          { name: 'uptimeSeconds', value: String(Math.floor((Date.now() - deps.startedAt) / 1000)) },
          { name: 'database', value: database },
          { name: 'contracts', value: String(deps.contractCount()) },
          { name: 'build', value: deps.build },
        ],
      };
    },
  };
}
