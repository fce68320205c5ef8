/**
 * End to end over real mutual TLS: raw HTTPS requests and the `soap` npm client against the
 * producer serving PingForConfiguration with a tiny test implementation.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { Writable } from 'node:stream';
import soap from 'soap';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import type { RequestContext } from '../src/soap/context.js';
import { DatabaseUnavailableError } from '../src/storage/errors.js';
import { validateResponse } from '../src/soap/validator.js';
import { createProducer, type Producer, type RequestOutcome, type TlsRefusal } from '../src/transport/producer.js';
import { makePki } from './fixtures/pki.js';
import { pingSetup } from './fixtures/ping-setup.js';
import { httpsCall } from './helpers/https-call.js';

const TJSR = 'urn:riv:itintegration:monitoring:PingForConfigurationResponder:1';
const ACTION = `${TJSR}:PingForConfiguration`;
const PATH = '/itintegration/monitoring/PingForConfiguration/1/rivtabp21';
const LA = 'TEST-PRODUCER';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function envelope(opts: { la?: string | null; body?: string; header?: string } = {}): string {
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

function fault(r: Reply): { faultcode: string; faultstring: string } {
  const faultcode = /<faultcode>([^<]*)<\/faultcode>/.exec(r.body)?.[1] ?? '';
  const faultstring = /<faultstring>([^<]*)<\/faultstring>/.exec(r.body)?.[1] ?? '';
  return { faultcode, faultstring };
}

function assertFault(r: Reply, code: string, faultcode = 'soap:Client'): void {
  assert.equal(r.status, 500, r.body);
  assert.match(String(r.headers['content-type']), /^text\/xml; charset=utf-8$/i);
  assert.match(r.body, /<soap:Envelope xmlns:soap="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/">/);
  const f = fault(r);
  assert.equal(f.faultcode, faultcode, r.body);
  assert.ok(f.faultstring.startsWith(code + ' '), `${f.faultstring} should start with ${code}`);
  assert.doesNotMatch(r.body, /\bat .*\.(ts|js):\d+/, 'no stack traces');
}

describe('producer end to end over mutual TLS', () => {
  let pki: string;
  let producer: Producer;
  let port: number;
  let config: Config;
  let contractRoot: string;
  let contract: Awaited<ReturnType<typeof pingSetup>>['contract'];
  const outcomes: RequestOutcome[] = [];
  const refusals: TlsRefusal[] = [];
  const logLines: Array<Record<string, unknown>> = [];
  const seen: RequestContext[] = [];
  const lastLine = (msg: string) => [...logLines].reverse().find((l) => l.msg === msg)!;
  let slowHandler: Promise<void> | undefined;
  let releaseSlow: (() => void) | undefined;

  const creds = (role: string) => ({
    key: fs.readFileSync(path.join(pki, `${role}.key`)),
    cert: fs.readFileSync(path.join(pki, `${role}.crt`)),
    ca: fs.readFileSync(path.join(pki, 'ca.crt')),
  });

  function request(
    role: string | null,
    opts: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string>; action?: string | null } = {},
  ): Promise<Reply> {
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

  const post = (role: string, body: string, extra: Parameters<typeof request>[1] = {}) => request(role, { ...extra, body });

  before(async () => {
    pki = await makePki();
    const setup = await pingSetup();
    contract = setup.contract;
    contractRoot = setup.contractRoot;
    config = loadConfig(
      {
        PRODUCER_CERTS_DIR: pki,
        PRODUCER_LOGICAL_ADDRESSES: `${LA},OTHER-PRODUCER`,
        PRODUCER_MAX_BODY_BYTES: String(64 * 1024),
        PRODUCER_MAX_DEPTH: '32',
        PRODUCER_REQUEST_TIMEOUT_MS: '1500',
        PRODUCER_HEADERS_TIMEOUT_MS: '1000',
        PRODUCER_SHUTDOWN_TIMEOUT_MS: '3000',
      },
      pki,
    );
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    });
    producer = createProducer({ config, logger: createLogger('info', sink), contractRoot });
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
    port = producer.address()!.port;
  });

  after(async () => {
    await producer.close();
    fs.rmSync(pki, { recursive: true, force: true });
  });

  it('answers PingForConfiguration with a schema-valid response, and echoes a generated correlation id', async () => {
    const r = await post('journal-system', envelope());
    assert.equal(r.status, 200, r.body);
    assert.match(String(r.headers['content-type']), /^text\/xml; charset=utf-8$/i);
    assert.equal(validateResponse(contract, r.body, contractRoot), undefined);
    assert.match(r.body, /<ns\d:version>1\.0\.0-test<\/ns\d:version>/);
    assert.match(r.body, /<ns\d:value>SE5599999991-1001<\/ns\d:value>/);
    assert.match(String(r.headers['x-skltp-correlation-id']), /^[0-9a-f-]{36}$/);
    const ctx = seen.at(-1)!;
    assert.equal(ctx.logicalAddress, LA);
    assert.equal(ctx.peerHsaId, 'SE5599999991-1001');
    assert.equal(ctx.viaRoutingNode, false);
    assert.equal(ctx.consumer?.category, 'PUBLIC_CARE_PROVIDER');
    const line = lastLine('soap request');
    assert.equal(line.outcome, 'ok');
    assert.equal(line.peer, 'SE5599999991-1001');
    assert.equal(line.logicalAddress, LA);
    assert.equal(line.correlationId, r.headers['x-skltp-correlation-id']);
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(outcomes.at(-1)?.outcome, 'ok');
  });

  it('echoes a given x-skltp-correlation-id, also on faults', async () => {
    const ok = await post('journal-system', envelope(), { headers: { 'x-skltp-correlation-id': 'corr-123' } });
    assert.equal(ok.headers['x-skltp-correlation-id'], 'corr-123');
    assert.equal(seen.at(-1)!.correlationId, 'corr-123');
    const bad = await post('journal-system', envelope({ la: null }), { headers: { 'x-skltp-correlation-id': 'corr-456' } });
    assert.equal(bad.headers['x-skltp-correlation-id'], 'corr-456');
    assert.match(bad.body, /<rp:correlationId>corr-456<\/rp:correlationId>/);
  });

  it('accepts SOAPAction unquoted and missing (dispatch by body)', async () => {
    assert.equal((await post('journal-system', envelope(), { action: ACTION })).status, 200);
    assert.equal((await post('journal-system', envelope(), { action: null })).status, 200);
    assert.equal((await post('journal-system', envelope(), { action: '""' })).status, 200);
  });

  it('works with the soap npm client loading the WSDL by URL', async () => {
    const c = creds('journal-system');
    const client = await soap.createClientAsync(`https://localhost:${port}${PATH}?wsdl`, {
      // soap 1.x fetches the WSDL with axios, which takes TLS material through an agent
      wsdl_options: { httpsAgent: new https.Agent({ key: c.key, cert: c.cert, ca: c.ca }) },
    });
    client.setSecurity(new soap.ClientSSLSecurity(c.key, c.cert, c.ca));
    client.addSoapHeader({ LogicalAddress: LA }, '', 'rgy', 'urn:riv:itintegration:registry:1');
    // node-soap takes the FIRST message part (LogicalAddress, bound as a header in RIVTA) as the body
    // element (node-soap #704/#467), so the body is handed over as XML; the header and the response
    // go through node-soap's normal paths.
    const body = `<tjsr:PingForConfiguration xmlns:tjsr="${TJSR}"><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:logicalAddress>${LA}</tjsr:logicalAddress></tjsr:PingForConfiguration>`;
    const [result] = (await client.PingForConfigurationAsync({ _xml: body })) as [
      { version: string; configuration: Array<{ name: string; value: string }> },
    ];
    assert.equal(result.version, '1.0.0-test');
    assert.equal(result.configuration[0]!.value, 'SE5599999991-1001');
  });

  it('serves ?wsdl with the real address and every schemaLocation rewritten to ?xsd=, all resolvable', async () => {
    const r = await request('journal-system', { path: `${PATH}?wsdl` });
    assert.equal(r.status, 200);
    const base = `https://127.0.0.1:${port}${PATH}`;
    assert.match(r.body, new RegExp(`location=['"]${base.replace(/[.?/]/g, '\\$&')}['"]`));
    const locs = [...r.body.matchAll(/schemaLocation=['"]([^'"]*)['"]/g)].map((m) => m[1]!);
    assert.ok(locs.length >= 2);
    const queue = [...locs];
    const fetched = new Set<string>();
    while (queue.length > 0) {
      const loc = queue.shift()!;
      if (fetched.has(loc)) continue;
      fetched.add(loc);
      assert.ok(loc.startsWith(`${base}?xsd=`), loc);
      const x = await request('journal-system', { path: loc.slice(`https://127.0.0.1:${port}`.length) });
      assert.equal(x.status, 200, loc);
      assert.match(x.body, /<(xs:)?schema/);
      for (const m of x.body.matchAll(/schemaLocation=['"]([^'"]*)['"]/g)) queue.push(m[1]!);
    }
    assert.ok(fetched.size >= contract.schemaFiles.length);
  });

  it('refuses ?xsd= outside the imported schema set with 404', async () => {
    for (const p of [
      '../package.json',
      '..%2Fpackage.json',
      '%2e%2e/%2e%2e/etc/passwd',
      '/etc/passwd',
      'schemas/../package.json',
      'schemas/soap/soap-envelope-1.1.xsd',
      'wsdl/PingForConfigurationInteraction_1.0_RIVTABP21.wsdl',
      '',
    ]) {
      const r = await request('journal-system', { path: `${PATH}?xsd=${p}` });
      assert.equal(r.status, 404, p);
    }
    assert.equal((await request('journal-system', { path: `${PATH}` })).status, 404);
    assert.equal((await request('journal-system', { path: '/nope?wsdl' })).status, 404);
    assert.equal((await request('journal-system', { path: PATH, method: 'PUT' })).status, 405);
  });

  describe('TLS handshake refusals', () => {
    async function handshake(role: string | null): Promise<'refused' | 'accepted'> {
      const c = role ? creds(role) : { ca: fs.readFileSync(path.join(pki, 'ca.crt')) };
      if (role === 'untrusted') c.ca = fs.readFileSync(path.join(pki, 'ca.crt'));
      try {
        const r = await httpsCall({ host: '127.0.0.1', servername: 'localhost', port, path: `${PATH}?wsdl`, agent: false, ...c });
        return r.status === 200 ? 'accepted' : 'refused';
      } catch {
        return 'refused';
      }
    }

    for (const role of [null, 'expired', 'revoked', 'untrusted'] as const) {
      it(`refuses ${role ?? 'a missing'} certificate in the handshake, and reports it`, async () => {
        const before = refusals.length;
        assert.equal(await handshake(role), 'refused');
        for (let i = 0; i < 20 && refusals.length === before; i++) await new Promise((r) => setTimeout(r, 25));
        assert.ok(refusals.length > before, 'tlsRefused event');
        assert.ok(refusals.at(-1)!.reason.length > 0);
      });
    }

    it('accepts a valid certificate (control)', async () => {
      assert.equal(await handshake('unknown'), 'accepted');
    });

    /**
     * A handshake that really offers the given protocol range: SECLEVEL=0 lets this client's OpenSSL
     * put TLS 1.0/1.1 (and their SHA-1 signatures) on the wire, so it is the server that must refuse.
     */
    const handshakeAt = (minVersion: tls.SecureVersion, maxVersion: tls.SecureVersion) =>
      new Promise<{ protocol: string | null } | { code: string; message: string }>((resolve) => {
        const s = tls.connect(
          { host: '127.0.0.1', port, servername: 'localhost', ...creds('journal-system'), minVersion, maxVersion, ciphers: 'DEFAULT@SECLEVEL=0' },
          () => {
            resolve({ protocol: s.getProtocol() });
            s.destroy();
          },
        );
        s.on('error', (err: NodeJS.ErrnoException) => resolve({ code: err.code ?? '', message: err.message }));
      });

    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      it(`refuses a client that offers at most ${version} with a protocol_version alert`, async () => {
        const before = refusals.length;
        const r = await handshakeAt('TLSv1', version);
        assert.ok('code' in r, `the handshake succeeded with ${JSON.stringify(r)}`);
        // the server's alert 70 (protocol_version), as the client's OpenSSL reports it
        assert.equal(r.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', r.message);
        assert.match(r.message, /alert number 70/);
        for (let i = 0; i < 20 && refusals.length === before; i++) await new Promise((res) => setTimeout(res, 25));
        assert.equal(refusals.at(-1)?.reason, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
      });
    }

    it('accepts the same client options at TLS 1.2 (control)', async () => {
      assert.deepEqual(await handshakeAt('TLSv1.2', 'TLSv1.2'), { protocol: 'TLSv1.2' });
    });
  });

  it('RP007 for a consumer not in TAK', async () => {
    assertFault(await post('unknown', envelope()), 'RP007');
  });

  it('RP008 for a certificate without an HSA-id', async () => {
    assertFault(await post('no-hsa-id', envelope()), 'RP008');
  });

  it('RP003 for a missing LogicalAddress, RP004 for one not served', async () => {
    assertFault(await post('journal-system', envelope({ la: null })), 'RP003');
    assertFault(await post('journal-system', envelope({ la: '   ' })), 'RP003');
    assertFault(await post('journal-system', envelope({ la: 'NOT-SERVED' })), 'RP004');
  });

  it('serves every configured logical address', async () => {
    const r = await post('journal-system', envelope({ la: 'OTHER-PRODUCER' }));
    assert.equal(r.status, 200);
  });

  it('RP001 for malformed XML, a DOCTYPE / XXE, a processing instruction and a non-envelope', async () => {
    assertFault(await post('journal-system', '<soapenv:Envelope'), 'RP001');
    assertFault(await post('journal-system', 'not xml at all'), 'RP001');
    const xxe =
      `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + envelope().replace(/^<\?xml[^>]*>/, '').replace(LA, '&xxe;');
    const r = await post('journal-system', xxe);
    assertFault(r, 'RP001');
    assert.doesNotMatch(r.body, /root:/);
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` + envelope().replace(/^<\?xml[^>]*>/, '');
    assertFault(await post('journal-system', bomb), 'RP001');
    assertFault(await post('journal-system', envelope().replace('<soapenv:Header>', '<?evil stuff?><soapenv:Header>')), 'RP001');
    assertFault(await post('journal-system', '<foo xmlns="urn:x"/>'), 'RP001');
    assertFault(await post('journal-system', envelope().replace('&', '&amp;').replace(LA, 'A&undefined;B')), 'RP001');
  });

  it('VersionMismatch for a SOAP 1.2 envelope', async () => {
    const v12 = envelope().replace('http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope');
    assertFault(await post('journal-system', v12, { headers: { 'Content-Type': 'application/soap+xml' } }), 'RP001', 'soap:VersionMismatch');
  });

  it('RP005 for a SOAPAction that does not match the body, or an unknown operation', async () => {
    assertFault(await post('journal-system', envelope(), { action: '"urn:riv:other:Op"' }), 'RP005');
    const other = envelope({ body: `<x:Other xmlns:x="urn:x"/>` });
    assertFault(await post('journal-system', other, { action: null }), 'RP005');
    assertFault(await post('journal-system', other), 'RP005');
  });

  it('RP006 with the element, the rule and the path for a schema violation', async () => {
    const bad = envelope({
      body: `<tjsr:PingForConfiguration><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:wrong>x</tjsr:wrong></tjsr:PingForConfiguration>`,
    });
    const r = await post('journal-system', bad);
    assertFault(r, 'RP006');
    assert.match(r.body, /<rp:path>[^<]*PingForConfiguration[^<]*<\/rp:path>/);
    assert.match(r.body, /<rp:message>element \{[^}]*\}wrong: this element is not expected here<\/rp:message>/);
  });

  it('checks who before what: identity and TAK for the contract before the body, LogicalAddress and TAK before the schema', async () => {
    // no TAK entry for the contract, or no HSA-id: refused before the body is parsed, and the connection closed
    const malformed = envelope().replace('</soapenv:Body>', '<unclosed></soapenv:Body>');
    const stranger = await post('unknown', malformed);
    assertFault(stranger, 'RP007');
    assert.equal(stranger.headers.connection, 'close');
    assertFault(await post('no-hsa-id', malformed), 'RP008');
    assertFault(await post('journal-system', malformed), 'RP001');
    // in TAK for the contract: LogicalAddress and TAK at that address come before the schema
    const bad = (la: string) => envelope({ la, body: `<tjsr:PingForConfiguration><tjsr:wrong/></tjsr:PingForConfiguration>` });
    assertFault(await post('journal-system', bad('NOT-SERVED')), 'RP004');
    producer.tak.reload({ ...config, tak: [...config.tak, { consumer: 'SE5599999991-1007', contract: TJSR, logicalAddress: LA }] });
    try {
      assertFault(await post('unknown', bad('OTHER-PRODUCER')), 'RP007');
      assertFault(await post('unknown', bad(LA)), 'RP006');
    } finally {
      producer.tak.reload(config);
    }
  });

  it('RP002 for an oversized body (declared and streamed) and for deep nesting', async () => {
    const big = envelope().replace('</soapenv:Header>', `<x:pad xmlns:x="urn:x">${'a'.repeat(100 * 1024)}</x:pad></soapenv:Header>`);
    try {
      assertFault(await post('journal-system', big), 'RP002');
    } catch (err) {
      // the server may close before the client finished writing; a reset is also a refusal
      assert.match(String((err as Error).message), /ECONNRESET|EPIPE|socket hang up/);
    }
    // chunked (no Content-Length): refused while streaming
    const r = await new Promise<Reply>((resolve, reject) => {
      const c = creds('journal-system');
      const req = https.request(
        { host: '127.0.0.1', servername: 'localhost', port, path: PATH, method: 'POST', agent: false, ...c, headers: { 'Content-Type': 'text/xml', SOAPAction: ACTION } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < 80 * 1024) {
          sent += 8192;
          if (!req.write('<a>' + 'x'.repeat(8185) + '</a>'.slice(0, 0))) return req.once('drain', pump);
        }
      };
      pump();
    });
    assertFault(r, 'RP002');
    const deep = envelope({ header: `<rgy:LogicalAddress>${LA}</rgy:LogicalAddress>` + '<x:d xmlns:x="urn:x">'.repeat(50) + '</x:d>'.repeat(50) });
    assertFault(await post('journal-system', deep), 'RP002');
  });

  it('RP011 for a body that arrives too slowly', async () => {
    const c = creds('journal-system');
    const r = await new Promise<Reply>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', servername: 'localhost', port, path: PATH, method: 'POST', agent: false, ...c, headers: { 'Content-Type': 'text/xml', 'Content-Length': 1000, SOAPAction: ACTION } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      req.write('<soapenv:Envelope');
    });
    assertFault(r, 'RP011');
  });

  it('closes a connection whose headers arrive too slowly (answering RP011 where possible)', async () => {
    const c = creds('journal-system');
    const text = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...c }, () => {
        s.write(`POST ${PATH} HTTP/1.1\r\nHost: localhost\r\n`);
      });
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
    if (text) assert.match(text, /RP011/);
  });

  it('ignores x-rivta-original-serviceconsumer-hsaid from a non-routing peer (with a warning)', async () => {
    const forged = await post('unknown', envelope(), { headers: { 'x-rivta-original-serviceconsumer-hsaid': 'SE5599999991-1001' } });
    assertFault(forged, 'RP007');
    assert.ok(logLines.some((l) => l.level === 'warn' && String(l.msg).includes('x-rivta-original-serviceconsumer-hsaid')));
    const own = await post('supervisor', envelope(), { headers: { 'x-rivta-original-serviceconsumer-hsaid': 'SE5599999991-1007' } });
    assert.equal(own.status, 200);
    assert.equal(seen.at(-1)!.consumerHsaId, 'SE5599999991-1002');
    assert.equal(seen.at(-1)!.viaRoutingNode, false);
  });

  it('a trusted routing node acts for the original consumer, whose TAK entries apply', async () => {
    const ok = await post('routing-node', envelope(), { headers: { 'x-rivta-original-serviceconsumer-hsaid': 'SE5599999991-1003' } });
    assert.equal(ok.status, 200);
    const ctx = seen.at(-1)!;
    assert.equal(ctx.peerHsaId, 'SE5599999991-1004');
    assert.equal(ctx.consumerHsaId, 'SE5599999991-1003');
    assert.equal(ctx.viaRoutingNode, true);
    assert.equal(ctx.consumer?.category, 'TRANSPORT_AUTHORITY');
    const line = lastLine('soap request');
    assert.equal(line.originalConsumer, 'SE5599999991-1003');
    assertFault(await post('routing-node', envelope(), { headers: { 'x-rivta-original-serviceconsumer-hsaid': 'SE5599999991-1007' } }), 'RP007');
    // without the header the routing node is itself the consumer
    assert.equal((await post('routing-node', envelope())).status, 200);
    assert.equal(seen.at(-1)!.consumerHsaId, 'SE5599999991-1004');
  });

  it('RP010 for a database outage and RP009 for any other error, without details or stack', async () => {
    const db = await post('journal-system', envelope({ la: LA, body: `<tjsr:PingForConfiguration><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:logicalAddress>db-down</tjsr:logicalAddress></tjsr:PingForConfiguration>` }));
    assertFault(db, 'RP010', 'soap:Server');
    assert.doesNotMatch(db.body, /10\.0\.0\.1/);
    const crash = await post('journal-system', envelope({ la: LA, body: `<tjsr:PingForConfiguration><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:logicalAddress>crash</tjsr:logicalAddress></tjsr:PingForConfiguration>` }));
    assertFault(crash, 'RP009', 'soap:Server');
    assert.doesNotMatch(crash.body, /boom|secret/);
    assert.equal(outcomes.at(-1)?.faultCode, 'RP009');
  });

  it('TAK reload takes effect without a restart', async () => {
    producer.tak.reload({ ...config, tak: [...config.tak, { consumer: 'SE5599999991-1007', contract: TJSR, logicalAddress: LA }] });
    assert.equal((await post('unknown', envelope())).status, 200);
    assertFault(await post('unknown', envelope({ la: 'OTHER-PRODUCER' })), 'RP007');
    producer.tak.reload(config);
    assertFault(await post('unknown', envelope()), 'RP007');
  });

  it('graceful close lets an in-flight request finish, then stops accepting', async () => {
    slowHandler = new Promise<void>((r) => (releaseSlow = r));
    const inflight = post('journal-system', envelope({ la: LA, body: `<tjsr:PingForConfiguration><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:logicalAddress>slow</tjsr:logicalAddress></tjsr:PingForConfiguration>` }));
    await new Promise((r) => setTimeout(r, 100));
    const closed = producer.close();
    await new Promise((r) => setTimeout(r, 50));
    releaseSlow!();
    const r = await inflight;
    assert.equal(r.status, 200);
    await closed;
    await assert.rejects(post('journal-system', envelope()));
  });
});
