/**
 * The consumer side of a contract, through the generated codec: a request envelope from a typed request,
 * and the typed answer (or the fault) from a response envelope, so every element is written in its own
 * namespace and XSD order, never from a string template. `npm run call` builds its envelopes here, and
 * the case view (src/view/hub-client.ts) calls the hub with SoapClient.
 */
import https from 'node:https';
import type { ContractDefinition, OperationMeta, OperationTypeMap } from '../../contracts/rivta.js';
import { ContractCodec } from './codec.js';
import { readEnvelope } from './envelope.js';
import { SOAP11_NS, XML_CONTENT_TYPE } from './fault.js';
import { parseXml, type XmlElement, type XmlLimits } from './xml.js';
import { endpointPath } from './service.js';

const codecs = new WeakMap<ContractDefinition, ContractCodec>();
function codecFor(contract: ContractDefinition): ContractCodec {
  let codec = codecs.get(contract);
  if (!codec) codecs.set(contract, (codec = new ContractCodec(contract)));
  return codec;
}

function operationOf(contract: ContractDefinition, name: string): OperationMeta {
  const op = contract.operations.find((o) => o.name === name);
  if (!op) throw new Error(`${contract.name} has no operation ${name}`);
  return op;
}

/** The SOAP 1.1 envelope of a request: the LogicalAddress header (when the operation has one) and the body. */
export function requestEnvelope(contract: ContractDefinition, op: OperationMeta, logicalAddress: string, request: unknown): string {
  const codec = codecFor(contract);
  const header = op.headers.find((h) => h.part === 'LogicalAddress');
  const headerXml = header ? codec.encodeElement(header.element, header.type, logicalAddress) : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="${SOAP11_NS}"><soapenv:Header>${headerXml}</soapenv:Header>` +
    `<soapenv:Body>${codec.encodeElement(op.request.element, op.request.type, request)}</soapenv:Body></soapenv:Envelope>`
  );
}

/** Limits for reading a producer's answers and our own samples (the tools): generous, but still bounded. */
export const ANSWER_XML_LIMITS: XmlLimits = {
  maxDepth: 256,
  maxElements: 1_000_000,
  maxAttributeBytes: 1 << 20,
  maxNsPerElement: 1 << 20,
  maxNsPerDocument: 1 << 20,
};

function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** A SOAP fault's code and string, when the body's first element is a SOAP 1.1 Fault. */
function faultIn(first: XmlElement): { faultcode: string; faultstring: string } | undefined {
  if (first.ns !== SOAP11_NS || first.name !== 'Fault') return undefined;
  return { faultcode: child(first, 'faultcode')?.text.trim() ?? '', faultstring: child(first, 'faultstring')?.text.trim() ?? '' };
}

/** Fault code and string when the answer is a SOAP fault; undefined for any other text. */
export function readFault(xml: string, limits: XmlLimits = ANSWER_XML_LIMITS): { faultcode: string; faultstring: string } | undefined {
  try {
    return faultIn(readEnvelope(parseXml(xml, limits).root).body);
  } catch {
    return undefined;
  }
}

/** A call that brought no typed answer: a SOAP fault, another HTTP status, or an answer that is not the operation's. */
export class SoapCallError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fault?: { readonly faultcode: string; readonly faultstring: string },
  ) {
    super(message);
    this.name = 'SoapCallError';
  }
}

/** Decodes a response envelope into the operation's response type; throws SoapCallError on a fault or another element. */
function decodeResponse(contract: ContractDefinition, op: OperationMeta, xml: string, status = 200, limits: XmlLimits = ANSWER_XML_LIMITS): unknown {
  let parsed;
  let body: XmlElement;
  try {
    parsed = parseXml(xml, limits);
    body = readEnvelope(parsed.root).body;
  } catch {
    throw new SoapCallError(`${op.name}: the answer (HTTP ${status}) is not a SOAP 1.1 envelope`, status);
  }
  const fault = faultIn(body);
  if (fault) throw new SoapCallError(`${op.name}: SOAP fault ${fault.faultcode}: ${fault.faultstring}`, status, fault);
  if (`{${body.ns}}${body.name}` !== op.response.element || status !== 200) {
    throw new SoapCallError(`${op.name}: HTTP ${status} with ${body.name}, not the operation's response`, status);
  }
  return codecFor(contract).decode(body, op.response.type, parsed.source);
}

export interface SoapClientOptions {
  /** The producer's base URL, e.g. https://localhost:8443; the contract's endpoint path is appended. */
  readonly baseUrl: string;
  /** Carries the client certificate, its key and the trust store (mutual TLS). */
  readonly agent: https.Agent;
  readonly logicalAddress: string;
  readonly timeoutMs?: number;
  /** Answers longer than this are cut off and fail (default 16 MiB). */
  readonly maxAnswerBytes?: number;
}

/** Calls a producer's operations over mutual TLS with typed requests and answers. */
export class SoapClient {
  constructor(private readonly options: SoapClientOptions) {}

  async call<Ops extends OperationTypeMap, K extends keyof Ops & string>(
    contract: ContractDefinition<Ops>,
    operation: K,
    request: Ops[K]['request'],
  ): Promise<Ops[K]['response']> {
    const op = operationOf(contract, operation);
    const envelope = requestEnvelope(contract, op, this.options.logicalAddress, request);
    const { status, body } = await this.post(this.options.baseUrl + endpointPath(contract), op.soapAction, envelope);
    return decodeResponse(contract, op, body, status) as Ops[K]['response'];
  }

  private post(url: string, soapAction: string, envelope: string): Promise<{ status: number; body: string }> {
    const limit = this.options.maxAnswerBytes ?? 16 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: 'POST',
          agent: this.options.agent,
          headers: { 'Content-Type': XML_CONTENT_TYPE, SOAPAction: `"${soapAction}"`, 'Content-Length': String(Buffer.byteLength(envelope)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let length = 0;
          res.on('data', (c: Buffer) => {
            length += c.length;
            if (length > limit) req.destroy(new Error(`the answer is longer than ${limit} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(this.options.timeoutMs ?? 30_000, () => req.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
      req.on('error', reject);
      req.end(envelope);
    });
  }
}
