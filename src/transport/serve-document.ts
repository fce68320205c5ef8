/**
 * `GET <endpoint>?wsdl` and `GET <endpoint>?xsd=<path>`: which of the contract's documents (wsdl.ts) a
 * query asks for, its addresses written for this request's base URL. Open to any peer that passed
 * mutual TLS, with no TAK check, as on SKLTP VP (README, "Calling it"); anything else is 404.
 */
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';
import type { BoundService } from '../soap/service.js';
import { baseUrlFor, type ContractDocuments, type ServedDocument } from './wsdl.js';

export interface RequestedDocument extends ServedDocument {
  readonly kind: 'wsdl' | 'xsd';
}

export function requestedDocument(
  req: IncomingMessage,
  service: BoundService,
  query: string,
  config: Pick<Config, 'publicUrl' | 'allowedHosts' | 'port'>,
  documents: ReadonlyMap<string, ContractDocuments>,
): RequestedDocument | undefined {
  const docs = documents.get(service.path);
  if (!docs) return undefined;
  const base = baseUrlFor(config, req.headers.host, req.socket.localPort ?? config.port, service.path);
  if (/^wsdl(=|&|$)/i.test(query)) return { kind: 'wsdl', ...docs.wsdlFor(base) };
  if (/^xsd=/i.test(query)) {
    const params = new URLSearchParams(query);
    const p = params.get('xsd') ?? params.get('XSD');
    const doc = p === null ? undefined : docs.xsdFor(p, base);
    return doc && { kind: 'xsd', ...doc };
  }
  return undefined;
}
