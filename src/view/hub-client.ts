/**
 * The view's calls to the hub: GetCaseOverview 2, GetMandates and UpdateCaseOverviewConsent, over mutual
 * TLS with the case-view certificate, like any view would (it never opens the database). Requests and
 * answers are the generated contract types, encoded and decoded by the project's codec (soap/consumer.ts).
 * A log line names the operation, the result code and the time: never a request value.
 */
import fs from 'node:fs';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { getCaseOverviewV2Contract, getMandatesContract, updateCaseOverviewConsentContract } from '../../contracts/index.js';
import type { GetCaseOverviewResponseType, GetCaseOverviewType } from '../../contracts/casemanagement/caseoverview/GetCaseOverviewInteraction_2.js';
import type { GetMandatesResponseType } from '../../contracts/casemanagement/caseoverview/GetMandatesInteraction.js';
import type {
  UpdateCaseOverviewConsentResponseType,
  UpdateCaseOverviewConsentType,
} from '../../contracts/casemanagement/caseoverview/UpdateCaseOverviewConsentInteraction.js';
import type { ContractDefinition, OperationTypeMap } from '../../contracts/rivta.js';
import { rolePaths } from '../../certs/dev-pki.js';
import { SoapCallError, SoapClient } from '../soap/consumer.js';

/** What the view needs of the hub; the pages depend on this, not on SOAP. */
export interface Hub {
  getCaseOverview(request: GetCaseOverviewType): Promise<GetCaseOverviewResponseType>;
  getMandates(representative: string): Promise<GetMandatesResponseType>;
  updateConsent(request: UpdateCaseOverviewConsentType): Promise<UpdateCaseOverviewConsentResponseType>;
  close(): void;
}

/** The hub could not be asked (no connection, a fault, an answer that is not the operation's). */
export class HubUnavailable extends Error {
  constructor(operation: string, cause: unknown) {
    super(`${operation}: the hub gave no answer`, { cause });
    this.name = 'HubUnavailable';
  }
}

export interface HubClientOptions {
  readonly producerUrl: string;
  readonly logicalAddress: string;
  /** Holds case-view.crt/.key. */
  readonly certsDir: string;
  /** Trust store for the hub's server certificate. */
  readonly caFile: string;
  readonly logger: Logger;
  readonly timeoutMs?: number;
}

export function createHubClient(options: HubClientOptions): Hub {
  const files = rolePaths(options.certsDir, 'case-view');
  const agent = new https.Agent({
    keepAlive: true,
    key: fs.readFileSync(files.key),
    cert: fs.readFileSync(files.cert),
    ca: fs.readFileSync(options.caFile),
  });
  const client = new SoapClient({ baseUrl: options.producerUrl, agent, logicalAddress: options.logicalAddress, timeoutMs: options.timeoutMs ?? 15_000 });
  const log = options.logger;

  async function call<Ops extends OperationTypeMap, K extends keyof Ops & string>(
    contract: ContractDefinition<Ops>,
    operation: K,
    request: Ops[K]['request'],
  ): Promise<Ops[K]['response']> {
    const started = performance.now();
    try {
      const answer = await client.call(contract, operation, request);
      const result = (answer as { result?: { resultCode?: string; errorCode?: string } }).result;
      log.info({ operation, resultCode: result?.resultCode, errorCode: result?.errorCode, ms: Math.round(performance.now() - started) }, 'hub call');
      return answer;
    } catch (err) {
      // Only the fault's stable code (RP001…RP011): a validator's detail after it may quote a request value.
      const e = err as NodeJS.ErrnoException;
      const reason = err instanceof SoapCallError ? (err.fault?.faultstring.split(' ')[0] ?? `HTTP ${err.status}`) : (e.code ?? e.name);
      log.warn({ operation, reason, ms: Math.round(performance.now() - started) }, 'hub call failed');
      throw new HubUnavailable(operation, err);
    }
  }

  return {
    getCaseOverview: (request) => call(getCaseOverviewV2Contract, 'GetCaseOverview', request),
    getMandates: (representative) => call(getMandatesContract, 'GetMandates', { representative }),
    updateConsent: (request) => call(updateCaseOverviewConsentContract, 'UpdateCaseOverviewConsent', request),
    close: () => agent.destroy(),
  };
}
