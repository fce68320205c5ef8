/**
 * THE one SOAP 1.1 fault builder and the RP001–RP011 table (README, Faults).
 * Every technical error leaves the process through here (`faultResponse`): HTTP FAULT_STATUS (500, as
 * routing nodes require; anything else becomes their own error), text/xml; charset=utf-8, a SOAP 1.1
 * envelope, faultcode soap:Client / soap:Server / soap:VersionMismatch, a faultstring that starts with
 * the stable code, and a detail element in our own namespace. Never a stack trace.
 */
import { DatabaseUnavailableError } from '../storage/errors.js';
import { escapeText } from './escape.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
/** Namespace of the `detail` child of our faults. */
const FAULT_DETAIL_NS = 'urn:riv-producer:fault:1';

export type FaultCode = 'RP001' | 'RP002' | 'RP003' | 'RP004' | 'RP005' | 'RP006' | 'RP007' | 'RP008' | 'RP009' | 'RP010' | 'RP011';
export type SoapFaultCode = 'Client' | 'Server' | 'VersionMismatch';

export interface FaultDefinition {
  readonly code: FaultCode;
  readonly faultcode: SoapFaultCode;
  readonly text: string;
}

/** The fixed table (copy in README). RP001 becomes VersionMismatch for a SOAP 1.2 envelope. */
export const FAULTS: Readonly<Record<FaultCode, FaultDefinition>> = {
  RP001: { code: 'RP001', faultcode: 'Client', text: 'Malformed XML, DTD or entity, or not a SOAP 1.1 envelope' },
  RP002: { code: 'RP002', faultcode: 'Client', text: 'Request exceeds the size, depth or element-count limit' },
  RP003: { code: 'RP003', faultcode: 'Client', text: 'LogicalAddress missing' },
  RP004: { code: 'RP004', faultcode: 'Client', text: 'LogicalAddress not served by this producer' },
  RP005: { code: 'RP005', faultcode: 'Client', text: 'Unknown operation, or SOAPAction does not match the body' },
  RP006: { code: 'RP006', faultcode: 'Client', text: 'XSD validation failed' },
  RP007: { code: 'RP007', faultcode: 'Client', text: 'Consumer not authorised for this contract and logical address' },
  RP008: { code: 'RP008', faultcode: 'Client', text: 'Client certificate has no usable HSA-id' },
  RP009: { code: 'RP009', faultcode: 'Server', text: 'Internal error' },
  RP010: { code: 'RP010', faultcode: 'Server', text: 'Database unavailable' },
  RP011: { code: 'RP011', faultcode: 'Client', text: 'Request too slow' },
};

/** A fault to answer; thrown or returned by the request lifecycle. */
export class SoapFault extends Error {
  readonly faultcode: SoapFaultCode;
  constructor(
    readonly code: FaultCode,
    /** Human-readable detail appended to the default text; must never contain personal data or stack traces. */
    readonly detailMessage?: string,
    options?: { faultcode?: SoapFaultCode; path?: string },
  ) {
    super(detailMessage ? `${code} ${FAULTS[code].text}: ${detailMessage}` : `${code} ${FAULTS[code].text}`);
    this.name = 'SoapFault';
    this.faultcode = options?.faultcode ?? FAULTS[code].faultcode;
    this.path = options?.path;
  }
  readonly path: string | undefined;
}

const FAULT_STATUS = 500;
export const XML_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** A fault as an HTTP response: what src/transport/send-fault.ts writes, on a response or a bare socket. */
export interface FaultResponse {
  readonly status: typeof FAULT_STATUS;
  readonly headers: { readonly 'Content-Type': string; readonly 'Content-Length': number };
  readonly body: string;
}

/** The HTTP response of a fault: status, headers and the envelope. */
export function faultResponse(fault: SoapFault, correlationId?: string): FaultResponse {
  const body = buildFault(fault, correlationId);
  return { status: FAULT_STATUS, headers: { 'Content-Type': XML_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) }, body };
}

/** Builds the SOAP 1.1 fault envelope text for a fault. */
export function buildFault(fault: SoapFault, correlationId?: string): string {
  const parts = [
    `<rp:code>${fault.code}</rp:code>`,
    correlationId ? `<rp:correlationId>${escapeText(correlationId)}</rp:correlationId>` : '',
    fault.detailMessage ? `<rp:message>${escapeText(fault.detailMessage)}</rp:message>` : '',
    fault.path ? `<rp:path>${escapeText(fault.path)}</rp:path>` : '',
  ].join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soap:Envelope xmlns:soap="${SOAP11_NS}"><soap:Body><soap:Fault>` +
    `<faultcode>soap:${fault.faultcode}</faultcode>` +
    `<faultstring>${escapeText(fault.message)}</faultstring>` +
    `<detail><rp:fault xmlns:rp="${FAULT_DETAIL_NS}">${parts}</rp:fault></detail>` +
    `</soap:Fault></soap:Body></soap:Envelope>`
  );
}

/** Maps anything thrown by a handler or the runtime to a fault (RP010 for a database outage, else RP009). */
export function toFault(err: unknown): SoapFault {
  if (err instanceof SoapFault) return err;
  if (err instanceof DatabaseUnavailableError) return new SoapFault('RP010');
  return new SoapFault('RP009');
}
