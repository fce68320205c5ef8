/**
 * THE one place fault responses are written, with status, headers and body from `faultResponse`
 * (soap/fault.ts): on a request's response (the lifecycle), or straight onto the socket when Node's HTTP
 * parser gave up before there was a request to answer (headers too slow).
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { faultResponse, type SoapFault } from '../soap/fault.js';
import { endDiscardingBody } from './request-body.js';

export interface FaultDelivery {
  readonly correlationId: string | undefined;
  /** Answer with `Connection: close` (always so while the request body is still arriving). */
  readonly close: boolean;
  /** The request's deadline (`performance.now()` time): the unread rest of the body is dropped until then. */
  readonly deadline: number;
  /** Most bytes of unread body dropped before the connection is cut. */
  readonly maxBody: number;
  /** The client asked for `100 Continue` and was not given it, so it sends no body. */
  readonly clientWaits: boolean;
}

/**
 * Answers a request with a fault. A fault answered before the request body has all arrived (a refusal
 * before reading it, or a body over the limits) closes the connection, and the rest of the body is
 * dropped within the body limits (request-body.ts).
 */
export function sendFault(req: IncomingMessage, res: ServerResponse, fault: SoapFault, how: FaultDelivery): void {
  const { status, headers, body } = faultResponse(fault, how.correlationId);
  const pending = !req.complete;
  res.writeHead(status, how.close || pending ? { ...headers, Connection: 'close' } : headers);
  if (!pending) {
    res.end(body);
    return;
  }
  res.write(body);
  endDiscardingBody(req, res, how.maxBody, how.deadline, how.clientWaits);
}

/** Writes a fault as a whole HTTP/1.1 response onto a socket that has no request object, and ends it. */
export function endSocketWithFault(socket: Duplex, fault: SoapFault): void {
  const { status, headers, body } = faultResponse(fault);
  const head = Object.entries({ ...headers, Connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
}
