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
 * One structured log line per request, and one outcome callback (for metrics), both read from the
 * call's one record (CallRecord), filled in as the checks pass. The steps' details live in their own
 * files: request-body.ts (reading and dropping bodies), serve-document.ts (?wsdl, ?xsd=), dispatch.ts
 * (SOAPAction and body element), request-context.ts (what the handler receives), send-fault.ts.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { readEnvelope } from '../soap/envelope.js';
import { SoapFault, toFault, XML_CONTENT_TYPE, SOAP11_NS, type FaultCode } from '../soap/fault.js';
import type { BoundOperation, BoundService, ServiceRegistry } from '../soap/service.js';
import { parseXml, XmlInputError, type XmlElement, type XmlLimits } from '../soap/xml.js';
import { effectiveConsumer, ORIGINAL_CONSUMER_HEADER, peerHsaId, type EffectiveConsumer } from '../security/identity.js';
import type { Tak } from '../security/tak.js';
import { dispatch } from './dispatch.js';
import { ClientGone, readBody } from './request-body.js';
import { requestContext } from './request-context.js';
import { sendFault } from './send-fault.js';
import { requestedDocument } from './serve-document.js';
import type { ContractDocuments } from './wsdl.js';

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

/** The two entry points of the lifecycle: the server's `request` and `checkContinue` events. */
export interface RequestHandlers {
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** For a request with `Expect: 100-continue`: the go-ahead is sent only once the early checks pass. */
  readonly onCheckContinue: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * Everything the lifecycle learns about one SOAP call, filled in as its checks pass; the log line and
 * the outcome are read from it. Only what passed a check is kept (README, Faults, "No echo").
 */
interface CallRecord {
  readonly contract: string;
  readonly correlationId: string;
  readonly logId: string;
  /** `performance.now()` when the request arrived. */
  readonly started: number;
  /** The body is read, or dropped after a refusal, by then (`performance.now()` time). */
  readonly deadline: number;
  /** The client waits for `100 Continue` before it sends the body. */
  readonly expectsContinue: boolean;
  /** HSA-id of the TLS peer. */
  peer?: string;
  /** The effective consumer (the original consumer behind a trusted routing node, else the peer). */
  who?: EffectiveConsumer;
  operation?: string;
  /** Set once it is known to be served. */
  logicalAddress?: string;
  /** The body was asked for (a waiting client was sent `100 Continue`). */
  bodyRequested: boolean;
  bodyRead: boolean;
  faultCode?: FaultCode;
  resultCode?: string;
  errorCode?: string;
}

const CORRELATION_RE = /^[\x21-\x7e]{1,128}$/;
const PLAIN_CONTENT_TYPE = 'text/plain; charset=utf-8';
const ENVELOPE_OPEN = `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP11_NS}"><soap:Body>`;
const ENVELOPE_CLOSE = `</soap:Body></soap:Envelope>`;

export function createRequestHandler(deps: LifecycleDeps): RequestHandlers {
  const { config, registry, documents, tak, logger, onOutcome, closing } = deps;
  const limits: XmlLimits = config.limits;
  const maxBody = config.limits.maxBodyBytes;

  const run = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    handle(req, res, expectsContinue).catch((err: unknown) => {
      // last resort: the lifecycle itself failed
      logger.error({ err }, 'request lifecycle failed');
      if (!res.headersSent) {
        sendFault(req, res, new SoapFault('RP009'), { correlationId: undefined, close: true, deadline: performance.now(), maxBody, clientWaits: false });
      } else res.destroy();
    });
  };
  return {
    onRequest: (req, res) => run(req, res, false),
    onCheckContinue: (req, res) => run(req, res, true),
  };

  async function handle(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const started = performance.now();

    // ---- route by path
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const service = registry.lookup(pathname);
    if (!service) return answerOther(res, started, '', 404, PLAIN_CONTENT_TYPE, 'Not found');
    const contract = service.contract;

    // ---- GET ?wsdl / ?xsd= : open to any peer that passed mutual TLS, no TAK
    if (req.method === 'GET') {
      const doc = requestedDocument(req, service, query, config, documents);
      if (!doc) return answerOther(res, started, contract.name, 404, PLAIN_CONTENT_TYPE, 'Not found');
      return answerOther(res, started, contract.name, 200, doc.contentType, doc.body, doc.kind);
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'GET, POST');
      return answerOther(res, started, contract.name, 405, PLAIN_CONTENT_TYPE, 'Method not allowed');
    }

    // ---- SOAP call: correlation id (read or generated; echoed)
    const call: CallRecord = {
      contract: contract.name,
      correlationId: readCorrelationId(req.headers[CORRELATION_HEADER]),
      logId: randomUUID(),
      started,
      deadline: started + config.limits.requestTimeoutMs,
      expectsContinue,
      bodyRequested: false,
      bodyRead: false,
    };
    res.setHeader(CORRELATION_HEADER, call.correlationId);
    try {
      // ---- who is calling (RP008), and on whose behalf: from the TLS session and headers alone
      const peer = peerHsaId(req.socket as TLSSocket);
      call.peer = peer;
      if (!peer) throw new SoapFault('RP008');
      const who = effectiveConsumer(peer, req.headers[ORIGINAL_CONSUMER_HEADER], tak);
      call.who = who;
      if (who.ignoredHeader) {
        logger.warn(
          { correlationId: call.correlationId, logId: call.logId, peer, reason: who.ignoredHeader },
          `${ORIGINAL_CONSUMER_HEADER} ignored: ${who.ignoredHeader === 'not-a-routing-node' ? 'the peer is not a trusted routing node' : 'unusable value'}`,
        );
      }

      // ---- TAK for the contract at any logical address (RP007): a stranger costs no read and no parse
      if (!tak.authorisesContract(who.consumerHsaId, contract.namespace)) throw new SoapFault('RP007');

      // ---- body: streamed, bounded in size and time
      const body = await readBody(req, maxBody, call.deadline, () => {
        if (expectsContinue) res.writeContinue();
        call.bodyRequested = true;
      });
      call.bodyRead = true;

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
      const op = dispatch(service, req.headers.soapaction, envelope.body);
      call.operation = op.meta.name;

      // ---- LogicalAddress: missing (RP003), not served (RP004); logged only once known to be served
      const laElement = envelope.headers.find((h) => h.name === 'LogicalAddress' && `{${h.ns}}${h.name}` === LOGICAL_ADDRESS_QNAME);
      const logicalAddress = laElement?.text.trim();
      if (!logicalAddress) throw new SoapFault('RP003');
      if (logicalAddress.length > 256 || !tak.serves(logicalAddress)) throw new SoapFault('RP004');
      call.logicalAddress = logicalAddress;

      // ---- TAK on the effective consumer at this logical address (RP007)
      if (!tak.isAuthorised(who.consumerHsaId, contract.namespace, logicalAddress)) throw new SoapFault('RP007');

      // ---- XSD validation of the whole envelope (RP006), per-contract mode
      if (service.validator && service.validationMode !== 'off') {
        const failure = service.validator.validate(body);
        if (failure) {
          if (service.validationMode === 'enforce') {
            throw new SoapFault('RP006', failure.message, failure.path ? { path: failure.path } : undefined);
          }
          logger.warn({ correlationId: call.correlationId, logId: call.logId, contract: contract.name, validation: failure }, 'XSD validation failed (mode warn)');
        }
      }

      // ---- decode
      const request = service.codec.decode(envelope.body, op.meta.request.type, parsed.source);
      const headers = decodeHeaders(service, op, envelope.headers, parsed.source);

      // ---- handler
      const context = requestContext(
        {
          correlationId: call.correlationId,
          logId: call.logId,
          logicalAddress,
          who,
          consumer: tak.consumer(who.consumerHsaId),
          contractName: contract.name,
          requestXml: text,
          headers,
        },
        logger,
      );
      const response = await op.invoke(request, context);

      // ---- encode and answer
      const xml =
        ENVELOPE_OPEN + service.codec.encodeElement(op.meta.response.element, op.meta.response.type, response) + ENVELOPE_CLOSE;
      ({ resultCode: call.resultCode, errorCode: call.errorCode } = resultOf(response));
      if (!res.destroyed) respond(res, 200, XML_CONTENT_TYPE, xml);
    } catch (err) {
      if (err instanceof ClientGone) return reportCall(call, 'aborted');
      const fault = toFault(err);
      call.faultCode = fault.code;
      if (fault.code === 'RP009' || fault.code === 'RP010') {
        // the stack trace goes to the log, never to the caller
        logger.error(
          { err, correlationId: call.correlationId, logId: call.logId, contract: contract.name },
          `${fault.code} ${fault.code === 'RP010' ? 'database unavailable' : 'internal error'}`,
        );
      }
      if (!res.destroyed && !res.headersSent) {
        sendFault(req, res, fault, {
          correlationId: call.correlationId,
          close: !call.bodyRead || fault.code === 'RP002' || fault.code === 'RP011' || closing(),
          deadline: call.deadline,
          maxBody,
          clientWaits: call.expectsContinue && !call.bodyRequested,
        });
      }
    }
    reportCall(call, call.faultCode ? 'fault' : 'ok');
  }

  /** The one log line of a SOAP call and its outcome, both read from its record. */
  function reportCall(call: CallRecord, end: 'ok' | 'fault' | 'aborted'): void {
    const durationMs = Math.round((performance.now() - call.started) * 1000) / 1000;
    logger.info(
      {
        correlationId: call.correlationId,
        logId: call.logId,
        peer: call.peer,
        consumer: call.who?.consumerHsaId,
        originalConsumer: call.who?.viaRoutingNode ? call.who.consumerHsaId : undefined,
        contract: call.contract,
        operation: call.operation,
        logicalAddress: call.logicalAddress,
        outcome: end,
        faultCode: call.faultCode,
        resultCode: call.resultCode,
        errorCode: call.errorCode,
        durationMs,
      },
      'soap request',
    );
    onOutcome({ contract: call.contract, outcome: end === 'ok' ? 'ok' : 'fault', faultCode: call.faultCode, resultCode: call.resultCode, durationMs });
  }

  /** Answers a request that is not a SOAP call (a document, 404, 405): its own log line, outcome 'other'. */
  function answerOther(
    res: ServerResponse,
    started: number,
    contract: string,
    status: number,
    contentType: string,
    body: string,
    document?: 'wsdl' | 'xsd',
  ): void {
    respond(res, status, contentType, body);
    const durationMs = performance.now() - started;
    if (document) logger.info({ contract, document, status, durationMs }, 'document request');
    else logger.info({ contract: contract || undefined, status, durationMs }, 'http request');
    onOutcome({ contract, outcome: 'other', durationMs });
  }

  /** A whole response that is not a fault (faults go through send-fault.ts). */
  function respond(res: ServerResponse, status: number, contentType: string, body: string): void {
    if (closing()) res.setHeader('Connection', 'close');
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
}

function readCorrelationId(h: string | string[] | undefined): string {
  const v = Array.isArray(h) ? h[0] : h;
  return v !== undefined && CORRELATION_RE.test(v) ? v : randomUUID();
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
