/**
 * One measurement point: autocannon over mutual TLS (its `tlsOptions` carry the client certificate),
 * keep-alive, N connections, a fixed duration, a fresh request body per request from `next()`.
 *
 * Latency is recorded from autocannon's per-response event into our own 10 µs histogram: autocannon's
 * own histogram stores whole milliseconds and has no p95, and the targets are p95/p99 of a few ms.
 * `errors` = transport errors and timeouts, `non2xx` = HTTP status outside 2xx (our faults are 500),
 * `logicalErrors` = 200 answers whose result carries resultCode ERROR, or that do not match the point's `done`
 * (a push that was not stored: no consent, STALE, UNCHANGED). Each connection's first response
 * is left out of the percentiles (see runPoint).
 */
import https from 'node:https';
import autocannon from 'autocannon';

export interface ClientTls {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly ca: Buffer;
}

export interface LoadPoint {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly tls: ClientTls;
  readonly headers?: Record<string, string>;
  /**
   * A pool of distinct request bodies, sent in turn (built once: autocannon rebuilds a request with
   * `setupRequest` on every send, which costs the load generator — on the same 2 cores — ~30 %).
   */
  readonly bodies?: readonly string[];
  /** Or a fresh body for every request (when each must be unique, e.g. a new case per push). */
  readonly next?: () => string;
  /** A 200 answer is done only when it matches this (requests.ts BenchOperation.done). */
  readonly done?: RegExp;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly logicalErrors: number;
  /** Mean response size in bytes (2xx). */
  readonly meanBytes: number;
  /** Status and faultstring of the first non-2xx answer, for the log. */
  readonly firstFault: string | undefined;
  /** The slowest first response of a connection (handshake included), for the console line only. */
  readonly connectMaxMs: number;
}

const BUCKET_US = 10;
const MAX_MS = 10_000;

/** Fixed-resolution latency histogram: 10 µs buckets up to 10 s (larger values land in the last one). */
export class LatencyHistogram {
  private readonly counts = new Uint32Array((MAX_MS * 1000) / BUCKET_US + 1);
  private n = 0;
  record(ms: number): void {
    const i = Math.min(this.counts.length - 1, Math.max(0, Math.round((ms * 1000) / BUCKET_US)));
    this.counts[i]!++;
    this.n++;
  }
  get count(): number {
    return this.n;
  }
  percentile(p: number): number {
    if (this.n === 0) return 0;
    const rank = Math.ceil((p / 100) * this.n);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return (i * BUCKET_US) / 1000;
    }
    return MAX_MS;
  }
}

const LOGICAL_ERROR = /resultCode>ERROR</;
const FAULT_STRING = /<faultstring[^>]*>([^<]*)</;

type OnResponse = (status: number, body: string) => void;

function requestList(point: LoadPoint, onResponse: OnResponse): autocannon.Request[] {
  const next = point.next;
  if (next) {
    const setupRequest = (req: autocannon.Request) => {
      req.body = next();
      return req;
    };
    return [{ setupRequest, onResponse }];
  }
  if (point.bodies) return point.bodies.map((body) => ({ body, onResponse }));
  return [{ onResponse }];
}

export async function runPoint(point: LoadPoint): Promise<LoadResult> {
  const hist = new LatencyHistogram();
  let logicalErrors = 0;
  let firstFault: string | undefined;
  let bytes = 0;
  let ok = 0;
  const onResponse = (status: number, body: string) => {
    if (status === 200) {
      if (LOGICAL_ERROR.test(body) || (point.done !== undefined && !point.done.test(body))) logicalErrors++;
    } else if (firstFault === undefined) {
      firstFault = `${status} ${(FAULT_STRING.exec(body)?.[1] ?? body).slice(0, 300)}`;
    }
  };
  let instance!: autocannon.Instance;
  const firstResponses: number[] = [];
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: point.url,
        connections: point.connections,
        duration: point.durationSeconds,
        pipelining: 1,
        timeout: 10,
        // autocannon checks its stop flag once per sample; 250 ms keeps short points short
        sampleInt: 250,
        tlsOptions: { key: point.tls.key, cert: point.tls.cert, ca: point.tls.ca },
        servername: 'localhost',
        method: point.bodies || point.next ? 'POST' : 'GET',
        headers: { 'content-type': 'text/xml; charset=utf-8', ...(point.headers ?? {}) },
        requests: requestList(point, onResponse),
      },
      (err, res) => (err ? reject(err as Error) : resolve(res)),
    );
  });
  // A connection's first response also waits for the TLS handshake, which queues behind the requests of
  // connections already established; it measures connection setup, not the steady state, so it is left
  // out of the latency percentiles (it still counts as a request).
  const connected = new WeakSet<object>();
  instance.on('response', (client: object, status: number, resBytes: number, ms: number) => {
    if (connected.has(client)) hist.record(ms);
    else {
      connected.add(client);
      firstResponses.push(ms);
    }
    if (status >= 200 && status < 300) {
      ok++;
      bytes += resBytes;
    }
  });
  const result = await done;
  const seconds = result.duration;
  const requests = result.statusCodeStats ? Object.values(result.statusCodeStats).reduce((a, s) => a + (s.count ?? 0), 0) : hist.count;
  return {
    requests,
    seconds,
    rps: Math.round(requests / seconds),
    p50_ms: hist.percentile(50),
    p95_ms: hist.percentile(95),
    p99_ms: hist.percentile(99),
    errors: result.errors, // includes timeouts
    non2xx: result.non2xx,
    logicalErrors,
    meanBytes: ok > 0 ? Math.round(bytes / ok) : 0,
    firstFault,
    connectMaxMs: firstResponses.length > 0 ? Math.max(...firstResponses) : 0,
  };
}

/**
 * Sends requests once, before timing (consent for the subjects the pushes use), a few at a time over one
 * keep-alive agent per role; throws on the first answer that does not match its `expect`, naming the request's
 * path and position only (never a request value).
 */
export async function sendSetup(
  base: string,
  requests: ReadonlyArray<{ path: string; soapAction: string; role: string; body: string; expect: RegExp }>,
  tlsFor: (role: string) => ClientTls,
  concurrency = 8,
): Promise<void> {
  const agents = new Map<string, https.Agent>();
  const agent = (role: string) => {
    let a = agents.get(role);
    if (!a) agents.set(role, (a = new https.Agent({ keepAlive: true, ...tlsFor(role) })));
    return a;
  };
  const post = (r: (typeof requests)[number]) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(
        `${base}${r.path}`,
        { method: 'POST', agent: agent(r.role), servername: 'localhost', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${r.soapAction}"` } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(r.body);
    });
  let next = 0;
  const lane = async () => {
    while (next < requests.length) {
      const i = next++;
      const r = requests[i]!;
      const answer = await post(r);
      if (answer.status !== 200 || !r.expect.test(answer.body)) {
        throw new Error(`setup request ${i + 1} of ${requests.length} to ${r.path}: HTTP ${answer.status}, not the expected answer`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, lane));
  } finally {
    for (const a of agents.values()) a.destroy();
  }
}
