/**
 * The service registry: `addService(definition, implementation)` builds, once, everything a request
 * needs to find its operation: endpoint path → service; SOAPAction → operation; body QName → operation.
 */
import type { ContractDefinition, OperationMeta, OperationTypeMap, Responder } from '../../contracts/rivta.js';
import type { ValidationMode } from '../config.js';
import { ContractCodec, parseClark } from './codec.js';
import type { RequestContext } from './context.js';
import type { EnvelopeValidator } from './validator.js';

/**
 * The implementation addService takes for a contract whose definition has the operation types Ops: the
 * contract's generated responder interface over our RequestContext, so that a handler for another contract
 * does not compile. A definition without operation types (`ContractDefinition`, i.e. `any`) takes any
 * object; add() still checks at start that it has a function per operation.
 */
export type ServiceImplementation<Ops extends OperationTypeMap> = 0 extends 1 & Ops ? object : Responder<Ops, RequestContext>;

export interface BoundOperation {
  readonly meta: OperationMeta;
  /** Clark name of the request element. */
  readonly requestQName: string;
  readonly requestNs: string;
  readonly requestLocal: string;
  /** Header parts by Clark name of their element. */
  readonly headerByQName: ReadonlyMap<string, OperationMeta['headers'][number]>;
  readonly invoke: (request: unknown, context: unknown) => Promise<unknown>;
}

export interface BoundService {
  readonly contract: ContractDefinition;
  readonly path: string;
  readonly codec: ContractCodec;
  readonly validator: EnvelopeValidator | undefined;
  readonly validationMode: ValidationMode;
  readonly bySoapAction: ReadonlyMap<string, BoundOperation>;
  readonly byBodyQName: ReadonlyMap<string, BoundOperation>;
}

/** `/<domain with ':' → '/'>/<Name>/<major>/rivtabp21` */
export function endpointPath(contract: ContractDefinition): string {
  return `/${contract.domain.split(':').join('/')}/${contract.name}/${contract.major}/rivtabp21`;
}

export class ServiceRegistry {
  private readonly byPath = new Map<string, BoundService>();

  get services(): IterableIterator<BoundService> {
    return this.byPath.values();
  }

  lookup(path: string): BoundService | undefined {
    return this.byPath.get(path);
  }

  add(
    contract: ContractDefinition,
    implementation: object,
    validator: EnvelopeValidator | undefined,
    validationMode: ValidationMode,
  ): BoundService {
    const path = endpointPath(contract);
    if (this.byPath.has(path)) throw new Error(`a service is already registered at ${path}`);
    const bySoapAction = new Map<string, BoundOperation>();
    const byBodyQName = new Map<string, BoundOperation>();
    for (const meta of contract.operations) {
      const fn = (implementation as Record<string, unknown>)[meta.name];
      if (typeof fn !== 'function') throw new Error(`${contract.name}: the implementation has no method ${meta.name}`);
      const { ns, local } = parseClark(meta.request.element);
      const op: BoundOperation = {
        meta,
        requestQName: meta.request.element,
        requestNs: ns,
        requestLocal: local,
        headerByQName: new Map(meta.headers.map((h) => [h.element, h])),
        invoke: (request, context) => (fn as (r: unknown, c: unknown) => Promise<unknown>).call(implementation, request, context),
      };
      if (meta.soapAction) bySoapAction.set(meta.soapAction, op);
      byBodyQName.set(meta.request.element, op);
    }
    const codec = new ContractCodec(contract);
    codec.warm();
    const service: BoundService = { contract, path, codec, validator, validationMode, bySoapAction, byBodyQName };
    this.byPath.set(path, service);
    return service;
  }
}
