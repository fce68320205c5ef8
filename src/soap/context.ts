/**
 * What a handler knows about the call it serves. Built by the transport for every request,
 * after identity, TAK and validation have passed; handlers never see a request that failed those.
 */
import type { Logger } from 'pino';
import type { ConsumerRegistration } from '../config.js';

export interface RequestContext {
  /** x-skltp-correlation-id, read or generated; echoed in the response, logs and audit. */
  readonly correlationId: string;
  /** UUID of this call; appears in result.logId and in the log line. */
  readonly logId: string;
  /** The LogicalAddress header (the addressed producer unit). */
  readonly logicalAddress: string;
  /** HSA-id of the TLS peer (client certificate subject serialNumber). */
  readonly peerHsaId: string;
  /** The effective consumer: the original consumer behind a trusted routing node, else the peer. */
  readonly consumerHsaId: string;
  /** True when a trusted routing node called on behalf of consumerHsaId. */
  readonly viaRoutingNode: boolean;
  /** The consumer-registry entry of the effective consumer, if any (category, organisations, signing policy). */
  readonly consumer: ConsumerRegistration | undefined;
  /** Contract name, e.g. "GetDiagnosis". */
  readonly contractName: string;
  /** The whole request envelope as received (UTF-8 text), e.g. for XML-DSig verification. */
  readonly requestXml: string;
  /** Request-scoped structured logger (already carries correlationId, logId, consumer). */
  readonly log: Logger;
}
