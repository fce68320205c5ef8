/**
 * A RequestContext for calling a handler directly, without the transport: what the lifecycle hands a
 * handler once every check has passed (a served logical address, a consumer without a registry entry,
 * a silent logger). `overrides` sets what a test varies.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { RequestContext } from '../../src/soap/context.js';

const silent = pino({ level: 'silent' });

export function handlerContext(overrides: Partial<RequestContext> = {}): RequestContext & { readonly headers: { readonly LogicalAddress: string } } {
  const context: RequestContext = {
    correlationId: randomUUID(),
    logId: randomUUID(),
    logicalAddress: 'TEST-PRODUCER',
    peerHsaId: 'SE5599999991-1002',
    consumerHsaId: 'SE5599999991-1002',
    viaRoutingNode: false,
    consumer: undefined,
    contractName: 'Test',
    requestXml: '',
    log: silent,
    ...overrides,
  };
  return { ...context, headers: { LogicalAddress: context.logicalAddress } };
}
