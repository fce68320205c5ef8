/**
 * Preparing a run's case data before anything is timed, through the producer's own contracts (as a case
 * system and a case view would): consent for the bench's person subjects when the build serves
 * UpdateCaseOverviewConsent, then exactly N cases per overview subject through PushCaseStatus, and for
 * GetCaseOverview version 2 the continuation tokens of a subject with many cases (walked once, page by
 * page, so that the timed point can read random deep pages).
 *
 * Every seeding request must succeed: a failed one throws, since a point measured on other data than
 * the one reported would be wrong, not merely slow.
 */
import https from 'node:https';
import type { ClientTls } from './load.js';

export interface Target {
  readonly url: string;
  readonly tls: ClientTls;
  readonly soapAction: string;
}

/** One POST over a keep-alive agent; resolves with status and body. */
function post(agent: https.Agent, target: Target, body: string): Promise<{ status: number; body: string }> {
  const u = new URL(target.url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        servername: 'localhost',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${target.soapAction}"`, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const RESULT_CODE = /<(?:[\w-]+:)?resultCode>([A-Z]+)</;
const FAULT_STRING = /<faultstring[^>]*>([^<]*)</;

/**
 * Sends every body `bodies` yields, `concurrency` at a time, and requires each answer to be a 200 that
 * `accept` accepts. Returns how many were sent.
 */
export async function sendAll(target: Target, bodies: Iterable<string>, concurrency: number, accept: (body: string) => boolean, what: string): Promise<number> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: concurrency, key: target.tls.key, cert: target.tls.cert, ca: target.tls.ca });
  const it = bodies[Symbol.iterator]();
  let sent = 0;
  try {
    const lane = async (): Promise<void> => {
      for (let n = it.next(); !n.done; n = it.next()) {
        const r = await post(agent, target, n.value);
        sent++;
        if (r.status !== 200 || !accept(r.body)) {
          const why = r.status !== 200 ? `HTTP ${r.status} ${FAULT_STRING.exec(r.body)?.[1] ?? ''}` : `resultCode ${RESULT_CODE.exec(r.body)?.[1] ?? '?'}`;
          throw new Error(`seeding (${what}): a request was not done: ${why.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    return sent;
  } finally {
    agent.destroy();
  }
}

const CONTINUATION = /<(?:[\w-]+:)?continuation>([^<]+)</;

/**
 * Reads every page of one subject in order (`pageAt(token)` builds the request for the page after
 * `token`, undefined for the first) and returns the continuation token of each page after the first.
 */
export async function walkPages(target: Target, pageAt: (continuation: string | undefined) => string, maxPages: number): Promise<string[]> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, key: target.tls.key, cert: target.tls.cert, ca: target.tls.ca });
  const tokens: string[] = [];
  try {
    let token: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const r = await post(agent, target, pageAt(token));
      if (r.status !== 200 || RESULT_CODE.exec(r.body)?.[1] === 'ERROR') throw new Error(`walking pages: page ${page + 1} was not answered (HTTP ${r.status})`);
      token = CONTINUATION.exec(r.body)?.[1];
      if (token === undefined) break;
      tokens.push(token);
    }
    return tokens;
  } finally {
    agent.destroy();
  }
}
