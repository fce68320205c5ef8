/**
 * A request body under the size and time limits: read whole (RP002 over the size, RP011 past the
 * deadline), or, after a refusal made before it was read, discarded: never kept, at most the body
 * limit's worth of bytes and no later than the request's deadline, and then the connection is closed
 * (README, Faults: "Who before what").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SoapFault } from '../soap/fault.js';

/** The body could not be read because the client went away; nothing is answered. */
export class ClientGone extends Error {}

/**
 * Reads the whole body. A declared Content-Length over `maxBytes` is refused before anything is read,
 * a streamed body as soon as it passes `maxBytes`; `deadline` is a `performance.now()` time. `goAhead`
 * runs once the body is wanted (it sends `100 Continue` to a client that waits for one).
 */
export function readBody(req: IncomingMessage, maxBytes: number, deadline: number, goAhead: () => void): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      reject(new SoapFault('RP002', `The declared body exceeds ${maxBytes} bytes`));
      return;
    }
    goAhead();
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const timer = setTimeout(
      () => {
        finish();
        reject(new SoapFault('RP011', 'Body not received in time'));
      },
      Math.max(0, deadline - performance.now()),
    );
    const finish = () => {
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('aborted', onGone);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        finish();
        reject(new SoapFault('RP002', `Body exceeds ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (done) return;
      finish();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onGone = () => {
      if (done) return;
      finish();
      reject(new ClientGone());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('aborted', onGone);
  });
}

/**
 * Ends a response whose head and body are written (with `Connection: close`) while the request body is
 * still arriving. The rest of the body is read and dropped so the client can finish sending and read the
 * answer instead of a reset; past `maxBytes` more bytes or the deadline the connection is cut instead.
 * A client told nothing (it waits for `100 Continue`) must not send the body, so its answer ends at once.
 */
export function endDiscardingBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, deadline: number, clientWaits: boolean): void {
  const budgetMs = deadline - performance.now();
  if (req.complete || clientWaits || budgetMs <= 0) {
    res.end();
    return;
  }
  let dropped = 0;
  const stop = (ended: boolean) => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onClose);
    if (ended) res.end();
    else req.socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes) stop(false);
  };
  const onEnd = () => stop(true);
  const onClose = () => stop(false);
  const timer = setTimeout(() => stop(false), budgetMs);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onClose);
  req.resume();
}
