/**
 * The transport under test without the application: a producer over real mutual TLS (dev PKI, port 0)
 * serving PingForConfiguration with a tiny implementation, plus what the transport tests look at (request
 * outcomes, handshake refusals, log lines, the contexts the handler saw) and raw mTLS request helpers.
 *
 * The handler's answer is steered by the request's `logicalAddress` element: `db-down` throws a database
 * outage, `crash` any other error, `slow` waits for the switch `holdSlow()` sets; otherwise it answers with
 * the consumer's HSA-id and the LogicalAddress header it was given.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import type { RequestContext } from '../../src/soap/context.js';
import { DatabaseUnavailableError } from '../../src/storage/errors.js';
import { createProducer, type Producer, type RequestOutcome, type TlsRefusal } from '../../src/transport/producer.js';
import { makePki } from '../fixtures/pki.js';
import { pingSetup, type PingSetup } from '../fixtures/ping-setup.js';
import { httpsCall, type HttpsReply } from './https-call.js';

export const TJSR = 'urn:riv:itintegration:monitoring:PingForConfigurationResponder:1';
export const ACTION = `${TJSR}:PingForConfiguration`;
export const PATH = '/itintegration/monitoring/PingForConfiguration/1/rivtabp21';
/** The first of the two logical addresses the producer serves; the other is OTHER-PRODUCER. */
export const LA = 'TEST-PRODUCER';

/** A PingForConfiguration request: `la: null` leaves the LogicalAddress header out; `header`/`body` replace those parts whole. */
export function envelope(opts: { la?: string | null; body?: string; header?: string } = {}): string {
  const la = opts.la === undefined ? LA : opts.la;
  const header = opts.header ?? (la === null ? '' : `<rgy:LogicalAddress>${la}</rgy:LogicalAddress>`);
  const body =
    opts.body ??
    `<tjsr:PingForConfiguration><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:logicalAddress>${la ?? ''}</tjsr:logicalAddress></tjsr:PingForConfiguration>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:rgy="urn:riv:itintegration:registry:1" xmlns:tjsr="${TJSR}">` +
    `<soapenv:Header>${header}</soapenv:Header><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  );
}

function fault(r: HttpsReply): { faultcode: string; faultstring: string } {
  const faultcode = /<faultcode>([^<]*)<\/faultcode>/.exec(r.body)?.[1] ?? '';
  const faultstring = /<faultstring>([^<]*)<\/faultstring>/.exec(r.body)?.[1] ?? '';
  return { faultcode, faultstring };
}

/** A SOAP 1.1 fault as the project writes it: 500, text/xml, `faultcode`, a faultstring starting with `code`, no stack trace. */
export function assertFault(r: HttpsReply, code: string, faultcode = 'soap:Client'): void {
  assert.equal(r.status, 500, r.body);
  assert.match(String(r.headers['content-type']), /^text\/xml; charset=utf-8$/i);
  assert.match(r.body, /<soap:Envelope xmlns:soap="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/">/);
  const f = fault(r);
  assert.equal(f.faultcode, faultcode, r.body);
  assert.ok(f.faultstring.startsWith(code + ' '), `${f.faultstring} should start with ${code}`);
  assert.doesNotMatch(r.body, /\bat .*\.(ts|js):\d+/, 'no stack traces');
}

interface RequestOptions {
  method?: string;
  path?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** The SOAPAction header for a request with a body: the quoted ACTION by default, `null` for none. */
  action?: string | null;
}

export interface PingProducer {
  readonly producer: Producer;
  readonly port: number;
  readonly config: Config;
  /** The dev PKI directory (ca.crt and `<role>.key`/`<role>.crt`). */
  readonly pki: string;
  readonly contract: PingSetup['contract'];
  readonly contractRoot: string;
  /** Appended to as they happen, never cleared. */
  readonly outcomes: RequestOutcome[];
  readonly refusals: TlsRefusal[];
  readonly logLines: Array<Record<string, unknown>>;
  readonly seen: RequestContext[];
  /** The latest log line with this message. */
  lastLine(msg: string): Record<string, unknown>;
  /** Makes requests for logical address `slow` wait until the returned function is called. */
  holdSlow(): () => void;
  /** The TLS material of a dev PKI role. */
  creds(role: string): { key: Buffer; cert: Buffer; ca: Buffer };
  /** One request as `role` (`null`: no client certificate) to PATH unless told otherwise. */
  request(role: string | null, opts?: RequestOptions): Promise<HttpsReply>;
  post(role: string, body: string, extra?: RequestOptions): Promise<HttpsReply>;
  close(): Promise<void>;
}

/** `env` overrides the settings below (e.g. a limit); log lines are captured at level info. */
export async function startPingProducer(env: Record<string, string> = {}): Promise<PingProducer> {
  const pki = await makePki();
  const { contract, contractRoot } = await pingSetup();
  const config = loadConfig(
    {
      PRODUCER_CERTS_DIR: pki,
      PRODUCER_LOGICAL_ADDRESSES: `${LA},OTHER-PRODUCER`,
      PRODUCER_MAX_BODY_BYTES: String(64 * 1024),
      PRODUCER_MAX_DEPTH: '32',
      PRODUCER_REQUEST_TIMEOUT_MS: '1500',
      PRODUCER_HEADERS_TIMEOUT_MS: '1000',
      PRODUCER_SHUTDOWN_TIMEOUT_MS: '3000',
      ...env,
    },
    pki,
  );
  const outcomes: RequestOutcome[] = [];
  const refusals: TlsRefusal[] = [];
  const logLines: Array<Record<string, unknown>> = [];
  const seen: RequestContext[] = [];
  let slowHandler: Promise<void> | undefined;

  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const producer = createProducer({ config, logger: createLogger('info', sink), contractRoot });
  producer.events.on('request', (o) => outcomes.push(o));
  producer.events.on('tlsRefused', (r) => refusals.push(r));
  producer.addService(contract, {
    async PingForConfiguration(req: { logicalAddress: string }, ctx: RequestContext & { headers: { LogicalAddress: string } }) {
      seen.push(ctx);
      if (req.logicalAddress === 'db-down') throw new DatabaseUnavailableError('connection refused to 10.0.0.1');
      if (req.logicalAddress === 'crash') throw new Error('boom with secret detail');
      if (req.logicalAddress === 'slow') await slowHandler;
      return {
        version: '1.0.0-test',
        pingDateTime: '20250101120000',
        configuration: [
          { name: 'consumer', value: ctx.consumerHsaId },
          { name: 'header', value: ctx.headers.LogicalAddress },
        ],
      };
    },
  });
  await producer.listen(0, '127.0.0.1');
  const port = producer.address()!.port;

  const creds = (role: string) => ({
    key: fs.readFileSync(path.join(pki, `${role}.key`)),
    cert: fs.readFileSync(path.join(pki, `${role}.crt`)),
    ca: fs.readFileSync(path.join(pki, 'ca.crt')),
  });

  function request(role: string | null, opts: RequestOptions = {}): Promise<HttpsReply> {
    const c = role ? creds(role) : { ca: fs.readFileSync(path.join(pki, 'ca.crt')) };
    const headers: Record<string, string | number> = { ...(opts.headers ?? {}) };
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'text/xml; charset=utf-8';
      headers['Content-Length'] = Buffer.byteLength(opts.body);
      if (opts.action !== null) headers.SOAPAction = opts.action ?? `"${ACTION}"`;
    }
    return httpsCall(
      { host: '127.0.0.1', servername: 'localhost', port, path: opts.path ?? PATH, method: opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'), headers, agent: false, ...c },
      opts.body,
    );
  }

  return {
    producer,
    port,
    config,
    pki,
    contract,
    contractRoot,
    outcomes,
    refusals,
    logLines,
    seen,
    lastLine: (msg) => [...logLines].reverse().find((l) => l.msg === msg)!,
    holdSlow() {
      let release!: () => void;
      slowHandler = new Promise<void>((r) => (release = r));
      return release;
    },
    creds,
    request,
    post: (role, body, extra = {}) => request(role, { ...extra, body }),
    async close() {
      await producer.close();
      fs.rmSync(pki, { recursive: true, force: true });
    },
  };
}
