/**
 * THE request lifecycle, top to bottom. Everything a request goes through is in `handle()` below,
 * in the order it happens:
 *
 *   route by path → GET ?wsdl / ?xsd= (no TAK) → POST only
 *   → correlation id (read or generated; echoed)
 *   → peer HSA-id from the client certificate (RP008) → effective consumer (routing nodes)
 *   → TAK: the effective consumer may call this contract at some logical address (RP007)
 *   → body, streamed under the size and time limits (RP002, RP011)
 *   → parse with limits (RP001 / RP002) → SOAP 1.1 envelope (RP001, VersionMismatch)
 *   → dispatch: SOAPAction and body QName must agree (RP005)
 *   → LogicalAddress: missing (RP003), not served (RP004)
 *   → TAK (effective consumer, contract namespace, logical address) (RP007)
 *   → XSD validation of the whole envelope, per-contract mode (RP006)
 *   → decode → handler(request, context) → encode → 200 text/xml
 *   errors: DatabaseUnavailableError → RP010; anything else → RP009; never a stack trace.
 *
 * Who before what (README, Faults): identity and the contract-level TAK check need only the headers,
 * so a caller with no TAK entry for the contract is refused before its body is read or parsed; that
 * refusal closes the connection, drops the unread body within the body limits, and a client waiting
 * for `100 Continue` gets the fault instead. LogicalAddress and the full TAK triple come before XSD
 * validation, as on SKLTP VP: an unauthorised caller learns nothing about the schema and costs no
 * validation time.
 *
 * No echo: faults and log lines name the element, the position and the rule, never a value from the
 * body or a free-text header (README, Faults). The log line carries the logical address only once it
 * is known to be served.
 *
 * One structured log line per request, and one outcome callback (for metrics).
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { RequestContext } from '../soap/context.js';
import { readEnvelope } from '../soap/envelope.js';
import { buildFault, SoapFault, toFault, XML_CONTENT_TYPE, SOAP11_NS, type FaultCode } from '../soap/fault.js';
import type { BoundOperation, BoundService, ServiceRegistry } from '../soap/service.js';
import { parseXml, XmlInputError, type XmlElement, type XmlLimits } from '../soap/xml.js';
import { effectiveConsumer, ORIGINAL_CONSUMER_HEADER, peerHsaId, type EffectiveConsumer } from '../security/identity.js';
import type { Tak } from '../security/tak.js';
import { ClientGone, endDiscardingBody, readBody } from './request-body.js';
import { baseUrlFor, type ContractDocuments } from './wsdl.js';

export const CORRELATION_HEADER = 'x-skltp-correlation-id';
export const LOGICAL_ADDRESS_QNAME = '{urn:riv:itintegration:registry:1}LogicalAddress';

/** What the lifecycle reports for every request (the shape src/ops/metrics.ts records). */
export interface RequestOutcome {
  readonly contract: string;
  /** 'ok' for a SOAP response (any resultCode), 'fault' for a SOAP fault, 'other' for WSDL/XSD/404 traffic. */
  readonly outcome: 'ok' | 'fault' | 'other';
  readonly faultCode?: string | undefined;
  readonly resultCode?: string | undefined;
  readonly durationMs: number;
}

export interface LifecycleDeps {
  readonly config: Pick<Config, 'publicUrl' | 'allowedHosts' | 'port' | 'limits'>;
  readonly registry: ServiceRegistry;
  readonly documents: ReadonlyMap<string, ContractDocuments>;
  readonly tak: Tak;
  readonly logger: Logger;
  readonly onOutcome: (o: RequestOutcome) => void;
  /** True once graceful shutdown started: responses then carry `Connection: close`. */
  readonly closing: () => boolean;
}

const CORRELATION_RE = /^[\x21-\x7e]{1,128}$/;
const ENVELOPE_OPEN = `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP11_NS}"><soap:Body>`;
const ENVELOPE_CLOSE = `</soap:Body></soap:Envelope>`;

/** The two entry points of the lifecycle: the server's `request` and `checkContinue` events. */
export interface RequestHandlers {
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** For a request with `Expect: 100-continue`: the go-ahead is sent only once the early checks pass. */
  readonly onCheckContinue: (req: IncomingMessage, res: ServerResponse) => void;
}

export function createRequestHandler(deps: LifecycleDeps): RequestHandlers {
  const { config, registry, documents, tak, logger, onOutcome } = deps;
  const limits: XmlLimits = config.limits;
  const maxBody = config.limits.maxBodyBytes;
  const bodyTimeoutMs = config.limits.requestTimeoutMs;

  const run = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    handle(req, res, expectsContinue).catch((err: unknown) => {
      // last resort: the lifecycle itself failed
      logger.error({ err }, 'request lifecycle failed');
      if (!res.headersSent) sendFault(req, res, new SoapFault('RP009'), undefined, true, performance.now(), false);
      else res.destroy();
    });
  };
  return {
    onRequest: (req, res) => run(req, res, false),
    onCheckContinue: (req, res) => run(req, res, true),
  };

  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const started = performance.now();
    const deadline = started + bodyTimeoutMs;

    // ---- route by path
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const service = registry.lookup(pathname);
    if (!service) return plain(res, 404, 'Not found', started, '');

    // ---- GET ?wsdl / ?xsd= : open to any peer that passed mutual TLS, no TAK
    if (req.method === 'GET') return serveDocument(req, res, service, query, started);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'GET, POST');
      return plain(res, 405, 'Method not allowed', started, service.contract.name);
    }

    // ---- SOAP call
    const contract = service.contract;
    const correlationId = readCorrelationId(req.headers[CORRELATION_HEADER]);
    const logId = randomUUID();
    res.setHeader(CORRELATION_HEADER, correlationId);
    let who: EffectiveConsumer | undefined;
    let logicalAddress: string | undefined;
    let op: BoundOperation | undefined;
    let faultCode: FaultCode | undefined;
    let resultCode: string | undefined;
    let errorCode: string | undefined;
    let peer: string | undefined;
    let continued = false;
    let bodyRead = false;
    try {
      // ---- who is calling (RP008), and on whose behalf: from the TLS session and headers alone
      peer = peerHsaId(req.socket as TLSSocket);
      if (!peer) throw new SoapFault('RP008');
      who = effectiveConsumer(peer, req.headers[ORIGINAL_CONSUMER_HEADER], tak);
      if (who.ignoredHeader) {
        logger.warn(
          { correlationId, logId, peer, reason: who.ignoredHeader },
          `${ORIGINAL_CONSUMER_HEADER} ignored: ${who.ignoredHeader === 'not-a-routing-node' ? 'the peer is not a trusted routing node' : 'unusable value'}`,
        );
      }

      // ---- TAK for the contract at any logical address (RP007): a stranger costs no read and no parse
      if (!tak.authorisesContract(who.consumerHsaId, contract.namespace)) throw new SoapFault('RP007');

      // ---- body: streamed, bounded in size and time
      const body = await readBody(req, maxBody, deadline, () => {
        if (expectsContinue) res.writeContinue();
        continued = true;
      });
      bodyRead = true;

      // ---- parse (limits: RP001 / RP002); UTF-8 only: invalid bytes would otherwise become U+FFFD
      // here and only fail later, in the schema validator, as RP006
      if (!isUtf8(body)) throw new SoapFault('RP001', 'The body is not valid UTF-8');
      const text = body.toString('utf8');
      let parsed;
      try {
        parsed = parseXml(text, limits);
      } catch (err) {
        if (err instanceof XmlInputError) throw new SoapFault(err.code, err.message);
        throw err;
      }
      if (parsed.encoding && !/^utf-?8$/i.test(parsed.encoding)) {
        throw new SoapFault('RP001', 'The XML declaration names an encoding other than UTF-8');
      }

      // ---- SOAP 1.1 envelope (RP001 / VersionMismatch)
      const envelope = readEnvelope(parsed.root);

      // ---- dispatch: SOAPAction and body QName must agree (RP005)
      op = dispatch(service, req.headers.soapaction, envelope.body);

      // ---- LogicalAddress: missing (RP003), not served (RP004); logged only once known to be served
      const laElement = envelope.headers.find((h) => h.name === 'LogicalAddress' && `{${h.ns}}${h.name}` === LOGICAL_ADDRESS_QNAME);
      const address = laElement?.text.trim();
      if (!address) throw new SoapFault('RP003');
      if (address.length > 256 || !tak.serves(address)) throw new SoapFault('RP004');
      logicalAddress = address;

      // ---- TAK on the effective consumer at this logical address (RP007)
      if (!tak.isAuthorised(who.consumerHsaId, contract.namespace, logicalAddress)) throw new SoapFault('RP007');

      // ---- XSD validation of the whole envelope (RP006), per-contract mode
      if (service.validator && service.validationMode !== 'off') {
        const failure = service.validator.validate(body);
        if (failure) {
          if (service.validationMode === 'enforce') {
            throw new SoapFault('RP006', failure.message, failure.path ? { path: failure.path } : undefined);
          }
          logger.warn({ correlationId, logId, contract: contract.name, validation: failure }, 'XSD validation failed (mode warn)');
        }
      }

      // ---- decode
      const request = service.codec.decode(envelope.body, op.meta.request.type, parsed.source);
      const headers = decodeHeaders(service, op, envelope.headers, parsed.source);

      // ---- handler
      const context = new Context(
        correlationId,
        logId,
        logicalAddress,
        who,
        tak.consumer(who.consumerHsaId),
        contract.name,
        text,
        logger,
        headers,
      );
      const response = await op.invoke(request, context);

      // ---- encode and answer
      const xml =
        ENVELOPE_OPEN + service.codec.encodeElement(op.meta.response.element, op.meta.response.type, response) + ENVELOPE_CLOSE;
      ({ resultCode, errorCode } = resultOf(response));
      if (!res.destroyed) {
        if (deps.closing()) res.setHeader('Connection', 'close');
        res.writeHead(200, { 'Content-Type': XML_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(xml) });
        res.end(xml);
      }
    } catch (err) {
      if (err instanceof ClientGone) {
        faultCode = undefined;
        logLine('aborted');
        return;
      }
      const fault = toFault(err);
      faultCode = fault.code;
      if (fault.code === 'RP009' || fault.code === 'RP010') {
        // the stack trace goes to the log, never to the caller
        logger.error({ err, correlationId, logId, contract: contract.name }, `${fault.code} ${fault.code === 'RP010' ? 'database unavailable' : 'internal error'}`);
      }
      const close = !bodyRead || fault.code === 'RP002' || fault.code === 'RP011' || deps.closing();
      if (!res.destroyed && !res.headersSent) sendFault(req, res, fault, correlationId, close, deadline, expectsContinue && !continued);
    }
    logLine(faultCode ? 'fault' : 'ok');

    function logLine(outcome: 'ok' | 'fault' | 'aborted'): void {
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      logger.info(
        {
          correlationId,
          logId,
          peer,
          consumer: who?.consumerHsaId,
          originalConsumer: who?.viaRoutingNode ? who.consumerHsaId : undefined,
          contract: contract.name,
          operation: op?.meta.name,
          logicalAddress,
          outcome,
          faultCode,
          resultCode,
          errorCode,
          durationMs,
        },
        'soap request',
      );
      onOutcome({ contract: contract.name, outcome: outcome === 'ok' ? 'ok' : 'fault', faultCode, resultCode, durationMs });
    }
  }

  /**
   * THE one place faults are written. A fault answered before the request body has all arrived (a refusal
   * before reading it, or a body over the limits) closes the connection, and the rest of the body is
   * dropped within the body limits (request-body.ts); `clientWaits`: the client asked for `100 Continue`
   * and was not given it, so it sends no body.
   */
  function sendFault(
    req: IncomingMessage,
    res: ServerResponse,
    fault: SoapFault,
    correlationId: string | undefined,
    close: boolean,
    deadline: number,
    clientWaits: boolean,
  ): void {
    const body = buildFault(fault, correlationId);
    const pending = !req.complete;
    const headers: Record<string, string | number> = { 'Content-Type': XML_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) };
    if (close || pending) headers.Connection = 'close';
    res.writeHead(500, headers);
    if (!pending) {
      res.end(body);
      return;
    }
    res.write(body);
    endDiscardingBody(req, res, maxBody, deadline, clientWaits);
  }

  function serveDocument(req: IncomingMessage, res: ServerResponse, service: BoundService, query: string, started: number): void {
    const docs = documents.get(service.path);
    const base = baseUrlFor(config, req.headers.host, req.socket.localPort ?? config.port, service.path);
    let doc;
    if (docs && /^wsdl(=|&|$)/i.test(query)) {
      doc = docs.wsdlFor(base);
    } else if (docs && /^xsd=/i.test(query)) {
      const params = new URLSearchParams(query);
      const p = params.get('xsd') ?? params.get('XSD');
      doc = p === null ? undefined : docs.xsdFor(p, base);
    }
    if (!doc) return plain(res, 404, 'Not found', started, service.contract.name);
    if (deps.closing()) res.setHeader('Connection', 'close');
    res.writeHead(200, { 'Content-Type': doc.contentType, 'Content-Length': Buffer.byteLength(doc.body) });
    res.end(doc.body);
    const durationMs = performance.now() - started;
    logger.info({ contract: service.contract.name, document: /^wsdl/i.test(query) ? 'wsdl' : 'xsd', status: 200, durationMs }, 'document request');
    onOutcome({ contract: service.contract.name, outcome: 'other', durationMs });
  }

  function plain(res: ServerResponse, status: number, text: string, started: number, contract: string): void {
    if (deps.closing()) res.setHeader('Connection', 'close');
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    const durationMs = performance.now() - started;
    logger.info({ contract: contract || undefined, status, durationMs }, 'http request');
    onOutcome({ contract, outcome: 'other', durationMs });
  }
}

function readCorrelationId(h: string | string[] | undefined): string {
  const v = Array.isArray(h) ? h[0] : h;
  return v !== undefined && CORRELATION_RE.test(v) ? v : randomUUID();
}

/** SOAPAction quoted, unquoted, or missing/empty (→ body alone); both present must agree. */
function dispatch(service: BoundService, soapAction: string | string[] | undefined, body: XmlElement): BoundOperation {
  const qname = body.ns ? `{${body.ns}}${body.name}` : body.name;
  const byBody = service.byBodyQName.get(qname);
  let action = (Array.isArray(soapAction) ? soapAction[0] : soapAction)?.trim();
  if (action && action.length >= 2 && action.charCodeAt(0) === 34 && action.charCodeAt(action.length - 1) === 34) {
    action = action.slice(1, -1).trim();
  }
  if (action) {
    const byAction = service.bySoapAction.get(action);
    if (!byAction) throw new SoapFault('RP005', 'The SOAPAction names no operation of this contract');
    if (byAction !== byBody) throw new SoapFault('RP005', 'The SOAPAction does not match the body element');
    return byAction;
  }
  if (!byBody) throw new SoapFault('RP005', 'The body element is not an operation of this contract');
  return byBody;
}

function decodeHeaders(service: BoundService, op: BoundOperation, headers: readonly XmlElement[], source: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const h of headers) {
    const part = op.headerByQName.get(h.ns ? `{${h.ns}}${h.name}` : h.name);
    if (part && !(part.part in out)) out[part.part] = service.codec.decode(h, part.type, source);
  }
  for (const part of op.meta.headers) {
    if (part.required && !(part.part in out) && part.element !== LOGICAL_ADDRESS_QNAME) {
      throw new SoapFault('RP006', `Required SOAP header ${part.element} missing`);
    }
  }
  return out;
}

/** The RIVTA result of a response (resultCode, and errorCode when it is an ERROR), for the log line and metrics. */
function resultOf(response: unknown): { resultCode?: string; errorCode?: string } {
  if (typeof response !== 'object' || response === null) return {};
  const result = (response as { result?: { resultCode?: unknown; errorCode?: unknown } }).result;
  return {
    resultCode: typeof result?.resultCode === 'string' ? result.resultCode : undefined,
    errorCode: typeof result?.errorCode === 'string' ? result.errorCode : undefined,
  };
}

/** The RequestContext handed to handlers (plus the decoded SOAP headers); the child logger is made on first use. */
class Context implements RequestContext {
  readonly peerHsaId: string;
  readonly consumerHsaId: string;
  readonly viaRoutingNode: boolean;
  private childLog: Logger | undefined;
  constructor(
    readonly correlationId: string,
    readonly logId: string,
    readonly logicalAddress: string,
    who: EffectiveConsumer,
    readonly consumer: RequestContext['consumer'],
    readonly contractName: string,
    readonly requestXml: string,
    private readonly rootLog: Logger,
    readonly headers: Record<string, unknown>,
  ) {
    this.peerHsaId = who.peerHsaId;
    this.consumerHsaId = who.consumerHsaId;
    this.viaRoutingNode = who.viaRoutingNode;
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
