/**
 * The transport's faults end to end over real mutual TLS, against a tiny PingForConfiguration
 * implementation (test/helpers/ping-producer.ts): each RPxxx fault and its trigger (identity, TAK,
 * LogicalAddress, malformed or hostile XML, SOAP 1.2, SOAPAction, schema), the order the checks run in
 * (who before what), the size, depth and slowness limits (RP002, RP011), the routing node's
 * x-rivta-original-serviceconsumer-hsaid header, and handler errors (RP010, RP009) without details.
 * See README, Faults. The normal path is in test/transport-e2e.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import type { HttpsReply } from './helpers/https-call.js';
import { ACTION, assertFault, envelope, LA, PATH, startPingProducer, TJSR, type PingProducer } from './helpers/ping-producer.js';

describe('producer faults end to end over mutual TLS', () => {
  let ping: PingProducer;

  before(async () => {
    ping = await startPingProducer();
  });

  after(async () => {
    await ping.close();
  });

  it('RP007 for a consumer not in TAK', async () => {
    assertFault(await ping.post('unknown', envelope()), 'RP007');
  });

  it('RP008 for a certificate without an HSA-id', async () => {
    assertFault(await ping.post('no-hsa-id', envelope()), 'RP008');
  });

  it('RP003 for a missing LogicalAddress, RP004 for one not served', async () => {
    assertFault(await ping.post('journal-system', envelope({ la: null })), 'RP003');
    assertFault(await ping.post('journal-system', envelope({ la: '   ' })), 'RP003');
    assertFault(await ping.post('journal-system', envelope({ la: 'NOT-SERVED' })), 'RP004');
  });

  it('RP001 for malformed XML, a DOCTYPE / XXE, a processing instruction and a non-envelope', async () => {
    assertFault(await ping.post('journal-system', '<soapenv:Envelope'), 'RP001');
    assertFault(await ping.post('journal-system', 'not xml at all'), 'RP001');
    const xxe =
      `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + envelope().replace(/^<\?xml[^>]*>/, '').replace(LA, '&xxe;');
    const r = await ping.post('journal-system', xxe);
    assertFault(r, 'RP001');
    assert.doesNotMatch(r.body, /root:/);
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` + envelope().replace(/^<\?xml[^>]*>/, '');
    assertFault(await ping.post('journal-system', bomb), 'RP001');
    assertFault(await ping.post('journal-system', envelope().replace('<soapenv:Header>', '<?evil stuff?><soapenv:Header>')), 'RP001');
    assertFault(await ping.post('journal-system', '<foo xmlns="urn:x"/>'), 'RP001');
    assertFault(await ping.post('journal-system', envelope().replace('&', '&amp;').replace(LA, 'A&undefined;B')), 'RP001');
  });

  it('VersionMismatch for a SOAP 1.2 envelope', async () => {
    const v12 = envelope().replace('http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope');
    assertFault(await ping.post('journal-system', v12, { headers: { 'Content-Type': 'application/soap+xml' } }), 'RP001', 'soap:VersionMismatch');
  });

  it('RP005 for a SOAPAction that does not match the body, or an unknown operation', async () => {
    assertFault(await ping.post('journal-system', envelope(), { action: '"urn:riv:other:Op"' }), 'RP005');
    const other = envelope({ body: `<x:Other xmlns:x="urn:x"/>` });
    assertFault(await ping.post('journal-system', other, { action: null }), 'RP005');
    assertFault(await ping.post('journal-system', other), 'RP005');
  });

  it('RP006 with the element, the rule and the path for a schema violation', async () => {
    const bad = envelope({
      body: `<tjsr:PingForConfiguration><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:wrong>x</tjsr:wrong></tjsr:PingForConfiguration>`,
    });
    const r = await ping.post('journal-system', bad);
    assertFault(r, 'RP006');
    assert.match(r.body, /<rp:path>[^<]*PingForConfiguration[^<]*<\/rp:path>/);
    assert.match(r.body, /<rp:message>element \{[^}]*\}wrong: this element is not expected here<\/rp:message>/);
  });

  it('checks who before what: identity and TAK for the contract before the body, LogicalAddress and TAK before the schema', async () => {
    // no TAK entry for the contract, or no HSA-id: refused before the body is parsed, and the connection closed
    const malformed = envelope().replace('</soapenv:Body>', '<unclosed></soapenv:Body>');
    const stranger = await ping.post('unknown', malformed);
    assertFault(stranger, 'RP007');
    assert.equal(stranger.headers.connection, 'close');
    assertFault(await ping.post('no-hsa-id', malformed), 'RP008');
    assertFault(await ping.post('journal-system', malformed), 'RP001');
    // in TAK for the contract: LogicalAddress and TAK at that address come before the schema
    const bad = (la: string) => envelope({ la, body: `<tjsr:PingForConfiguration><tjsr:wrong/></tjsr:PingForConfiguration>` });
    assertFault(await ping.post('journal-system', bad('NOT-SERVED')), 'RP004');
    ping.producer.tak.reload({ ...ping.config, tak: [...ping.config.tak, { consumer: 'SE5599999991-1007', contract: TJSR, logicalAddress: LA }] });
    try {
      assertFault(await ping.post('unknown', bad('OTHER-PRODUCER')), 'RP007');
      assertFault(await ping.post('unknown', bad(LA)), 'RP006');
    } finally {
      ping.producer.tak.reload(ping.config);
    }
  });

  it('RP002 for an oversized body (declared and streamed) and for deep nesting', async () => {
    const big = envelope().replace('</soapenv:Header>', `<x:pad xmlns:x="urn:x">${'a'.repeat(100 * 1024)}</x:pad></soapenv:Header>`);
    try {
      assertFault(await ping.post('journal-system', big), 'RP002');
    } catch (err) {
      // the server may close before the client finished writing; a reset is also a refusal
      assert.match(String((err as Error).message), /ECONNRESET|EPIPE|socket hang up/);
    }
    // chunked (no Content-Length): refused while streaming
    const r = await new Promise<HttpsReply>((resolve, reject) => {
      const c = ping.creds('journal-system');
      const req = https.request(
        { host: '127.0.0.1', servername: 'localhost', port: ping.port, path: PATH, method: 'POST', agent: false, ...c, headers: { 'Content-Type': 'text/xml', SOAPAction: ACTION } },
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
    assertFault(await ping.post('journal-system', deep), 'RP002');
  });

  it('RP011 for a body that arrives too slowly', async () => {
    const c = ping.creds('journal-system');
    const r = await new Promise<HttpsReply>((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', servername: 'localhost', port: ping.port, path: PATH, method: 'POST', agent: false, ...c, headers: { 'Content-Type': 'text/xml', 'Content-Length': 1000, SOAPAction: ACTION } },
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
    const c = ping.creds('journal-system');
    const text = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: ping.port, servername: 'localhost', ...c }, () => {
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
    const forged = await ping.post('unknown', envelope(), { headers: { 'x-rivta-original-serviceconsumer-hsaid': 'SE5599999991-1001' } });
    assertFault(forged, 'RP007');
    assert.ok(ping.logLines.some((l) => l.level === 'warn' && String(l.msg).includes('x-rivta-original-serviceconsumer-hsaid')));
    const own = await ping.post('supervisor', envelope(), { headers: { 'x-rivta-original-serviceconsumer-hsaid': 'SE5599999991-1007' } });
    assert.equal(own.status, 200);
    assert.equal(ping.seen.at(-1)!.consumerHsaId, 'SE5599999991-1002');
    assert.equal(ping.seen.at(-1)!.viaRoutingNode, false);
  });

  it('a trusted routing node acts for the original consumer, whose TAK entries apply', async () => {
    const ok = await ping.post('routing-node', envelope(), { headers: { 'x-rivta-original-serviceconsumer-hsaid': 'SE5599999991-1003' } });
    assert.equal(ok.status, 200);
    const ctx = ping.seen.at(-1)!;
    assert.equal(ctx.peerHsaId, 'SE5599999991-1004');
    assert.equal(ctx.consumerHsaId, 'SE5599999991-1003');
    assert.equal(ctx.viaRoutingNode, true);
    assert.equal(ctx.consumer?.category, 'TRANSPORT_AUTHORITY');
    const line = ping.lastLine('soap request');
    assert.equal(line.originalConsumer, 'SE5599999991-1003');
    assertFault(await ping.post('routing-node', envelope(), { headers: { 'x-rivta-original-serviceconsumer-hsaid': 'SE5599999991-1007' } }), 'RP007');
    // without the header the routing node is itself the consumer
    assert.equal((await ping.post('routing-node', envelope())).status, 200);
    assert.equal(ping.seen.at(-1)!.consumerHsaId, 'SE5599999991-1004');
  });

  it('RP010 for a database outage and RP009 for any other error, without details or stack', async () => {
    const db = await ping.post('journal-system', envelope({ la: LA, body: `<tjsr:PingForConfiguration><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:logicalAddress>db-down</tjsr:logicalAddress></tjsr:PingForConfiguration>` }));
    assertFault(db, 'RP010', 'soap:Server');
    assert.doesNotMatch(db.body, /10\.0\.0\.1/);
    const crash = await ping.post('journal-system', envelope({ la: LA, body: `<tjsr:PingForConfiguration><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:logicalAddress>crash</tjsr:logicalAddress></tjsr:PingForConfiguration>` }));
    assertFault(crash, 'RP009', 'soap:Server');
    assert.doesNotMatch(crash.body, /boom|secret/);
    assert.equal(ping.outcomes.at(-1)?.faultCode, 'RP009');
  });
});
