/**
 * One HTTPS request from a test, answered whole: the status, the headers and the body as UTF-8 text. The
 * tests that call a server by hand use it; the drills that trickle a body or watch the socket itself
 * (test/hostile*.test.ts, helpers/hostile-clients.ts) write their requests out.
 */
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface HttpsReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** `options` as for https.request, with `url` when the target is given as one; `body` is sent and the request ended. */
export function httpsCall(options: https.RequestOptions & { readonly url?: string }, body?: string | Buffer): Promise<HttpsReply> {
  const { url, ...rest } = options;
  return new Promise((resolve, reject) => {
    const answer = (res: import('node:http').IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req = url === undefined ? https.request(rest, answer) : https.request(url, rest, answer);
    req.on('error', reject);
    req.end(body);
  });
}
