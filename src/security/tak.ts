/**
 * The authorisation tables: TAK triples (consumer, contract namespace, logical address), the served
 * logical addresses, the trusted routing nodes and the consumer-category registry. All built from
 * config into Sets/Maps; `reload(config)` swaps them atomically at runtime (SIGHUP, admin endpoint).
 */
import type { Config, ConsumerRegistration, TakEntry } from '../config.js';

interface Tables {
  readonly triples: ReadonlySet<string>;
  /** consumer + contract of every triple: who may call a contract at all (any logical address). */
  readonly contracts: ReadonlySet<string>;
  readonly served: ReadonlySet<string>;
  readonly routingNodes: ReadonlySet<string>;
  readonly consumers: ReadonlyMap<string, ConsumerRegistration>;
}

const SEP = '\u0000';
const WILDCARD = '*';

function build(config: Pick<Config, 'tak' | 'logicalAddresses' | 'routingNodes' | 'consumers'>): Tables {
  if (!Array.isArray(config.tak)) throw new TypeError('tak must be an array of {consumer, contract, logicalAddress}');
  const triples = new Set<string>();
  const contracts = new Set<string>();
  for (const e of config.tak as readonly TakEntry[]) {
    if (!e || typeof e.consumer !== 'string' || typeof e.contract !== 'string' || typeof e.logicalAddress !== 'string') {
      throw new TypeError(`invalid TAK entry ${JSON.stringify(e)}`);
    }
    triples.add(e.consumer + SEP + e.contract + SEP + e.logicalAddress);
    contracts.add(e.consumer + SEP + e.contract);
  }
  return {
    triples,
    contracts,
    served: new Set(config.logicalAddresses),
    routingNodes: new Set(config.routingNodes),
    consumers: new Map(Object.entries(config.consumers ?? {})),
  };
}

export class Tak {
  private tables: Tables;

  constructor(config: Pick<Config, 'tak' | 'logicalAddresses' | 'routingNodes' | 'consumers'>) {
    this.tables = build(config);
  }

  /** Replaces every table at once; on an invalid config the old tables stay and the error is thrown. */
  reload(config: Pick<Config, 'tak' | 'logicalAddresses' | 'routingNodes' | 'consumers'>): void {
    this.tables = build(config);
  }

  /** Is this logical address served by this producer? */
  serves(logicalAddress: string): boolean {
    return this.tables.served.has(logicalAddress);
  }

  isRoutingNode(hsaId: string): boolean {
    return this.tables.routingNodes.has(hsaId);
  }

  consumer(hsaId: string): ConsumerRegistration | undefined {
    return this.tables.consumers.get(hsaId);
  }

  /**
   * Has `consumer` any TAK entry for `contractNamespace`, at any logical address? Asked before the body
   * is read, so a caller with no entry for the contract costs no parse (README, Faults).
   */
  authorisesContract(consumer: string, contractNamespace: string): boolean {
    return this.tables.contracts.has(consumer + SEP + contractNamespace);
  }

  /**
   * May `consumer` call `contractNamespace` at `logicalAddress`? A '*' entry grants every served
   * address; callers check `serves()` first (RP004 before RP007).
   */
  isAuthorised(consumer: string, contractNamespace: string, logicalAddress: string): boolean {
    const t = this.tables.triples;
    const prefix = consumer + SEP + contractNamespace + SEP;
    return t.has(prefix + logicalAddress) || (t.has(prefix + WILDCARD) && this.tables.served.has(logicalAddress));
  }

  get size(): number {
    return this.tables.triples.size;
  }
}
