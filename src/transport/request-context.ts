/**
 * The RequestContext (soap/context.ts) a handler receives, with the contract's decoded SOAP headers.
 * Made by the lifecycle once every check has passed; the request-scoped child logger is made on first
 * use, since most calls never log from the handler.
 */
import type { Logger } from 'pino';
import type { RequestContext } from '../soap/context.js';
import type { EffectiveConsumer } from '../security/identity.js';

/** What the lifecycle knows of a call that passed its checks. */
export interface ContextFields {
  readonly correlationId: string;
  readonly logId: string;
  readonly logicalAddress: string;
  readonly who: EffectiveConsumer;
  readonly consumer: RequestContext['consumer'];
  readonly contractName: string;
  readonly requestXml: string;
  readonly headers: Record<string, unknown>;
}

export function requestContext(fields: ContextFields, logger: Logger): RequestContext & { readonly headers: Record<string, unknown> } {
  return new Context(fields, logger);
}

class Context implements RequestContext {
  readonly correlationId: string;
  readonly logId: string;
  readonly logicalAddress: string;
  readonly peerHsaId: string;
  readonly consumerHsaId: string;
  readonly viaRoutingNode: boolean;
  readonly consumer: RequestContext['consumer'];
  readonly contractName: string;
  readonly requestXml: string;
  readonly headers: Record<string, unknown>;
  private childLog: Logger | undefined;

  constructor(
    fields: ContextFields,
    private readonly rootLog: Logger,
  ) {
    this.correlationId = fields.correlationId;
    this.logId = fields.logId;
    this.logicalAddress = fields.logicalAddress;
    this.peerHsaId = fields.who.peerHsaId;
    this.consumerHsaId = fields.who.consumerHsaId;
    this.viaRoutingNode = fields.who.viaRoutingNode;
    this.consumer = fields.consumer;
    this.contractName = fields.contractName;
    this.requestXml = fields.requestXml;
    this.headers = fields.headers;
  }

  get log(): Logger {
    return (this.childLog ??= this.rootLog.child({
      correlationId: this.correlationId,
      logId: this.logId,
      consumer: this.consumerHsaId,
      contract: this.contractName,
    }));
  }
}
