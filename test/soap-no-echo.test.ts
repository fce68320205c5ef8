/**
 * No echo (README, Faults): no fault and no log line of the runtime repeats a value from the request body
 * or a free-text header. A marker shaped like a personnummer is placed in every such spot a caller
 * controls, over real mutual TLS, with validation in warn mode so that the validator's findings are
 * logged; neither the answers nor anything logged may contain it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createProducer, type Producer } from '../src/transport/producer.js';
import { makePki } from './fixtures/pki.js';
import { pingSetup } from './fixtures/ping-setup.js';
import { httpsCall, type HttpsReply } from './helpers/https-call.js';

const TJSR = 'urn:riv:itintegration:monitoring:PingForConfigurationResponder:1';
const ACTION = `${TJSR}:PingForConfiguration`;
const PATH = '/itintegration/monitoring/PingForConfiguration/1/rivtabp21';
const MARKER = '191212121212';

function envelope(o: { la?: string; body?: string; decl?: string } = {}): string {
  return (
    `<?xml version="1.0" encoding="${o.decl ?? 'UTF-8'}"?>` +
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:rgy="urn:riv:itintegration:registry:1" xmlns:tjsr="${TJSR}">` +
    `<soapenv:Header><rgy:LogicalAddress>${o.la ?? 'TEST-PRODUCER'}</rgy:LogicalAddress></soapenv:Header><soapenv:Body>` +
    (o.body ?? `<tjsr:PingForConfiguration><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:logicalAddress>x</tjsr:logicalAddress></tjsr:PingForConfiguration>`) +
    `</soapenv:Body></soapenv:Envelope>`
  );
}

describe('no echo of request values in faults and logs', () => {
  let pki: string;
  let producer: Producer;
  let port: number;
  let logged = '';

  before(async () => {
    pki = await makePki();
    const { contract, contractRoot } = await pingSetup();
    const config = loadConfig({ PRODUCER_CERTS_DIR: pki, PRODUCER_VALIDATION: 'warn', PRODUCER_MAX_ATTRIBUTE_BYTES: '256' }, pki);
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        logged += chunk.toString('utf8');
        cb();
      },
    });
    producer = createProducer({ config, logger: createLogger('debug', sink), contractRoot });
    producer.addService(contract, {
      async PingForConfiguration() {
        return { version: '1', pingDateTime: '20250101120000' };
      },
    });
    await producer.listen(0, '127.0.0.1');
    port = producer.address()!.port;
  });

  after(async () => {
    await producer.close();
    fs.rmSync(pki, { recursive: true, force: true });
  });

  function post(role: string, body: string, headers: Record<string, string> = {}): Promise<HttpsReply> {
    return httpsCall(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path: PATH,
        method: 'POST',
        agent: false,
        key: fs.readFileSync(path.join(pki, `${role}.key`)),
        cert: fs.readFileSync(path.join(pki, `${role}.crt`)),
        ca: fs.readFileSync(path.join(pki, 'ca.crt')),
        headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${ACTION}"`, ...headers },
      },
      body,
    );
  }

  it('repeats no marker placed in the body, the SOAPAction, the encoding or a header', async () => {
    const answers = [
      // schema violations, logged in warn mode and answered normally
      await post('journal-system', envelope({ body: `<tjsr:PingForConfiguration><tjsr:wrong>${MARKER}</tjsr:wrong></tjsr:PingForConfiguration>` })),
      await post('journal-system', envelope({ body: `<tjsr:PingForConfiguration k="${MARKER}"><tjsr:serviceContractNamespace>x</tjsr:serviceContractNamespace><tjsr:logicalAddress>x</tjsr:logicalAddress></tjsr:PingForConfiguration>` })),
      await post('journal-system', envelope({ body: `<tjsr:PingForConfiguration xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="${MARKER}"><tjsr:serviceContractNamespace>x</tjsr:serviceContractNamespace><tjsr:logicalAddress>x</tjsr:logicalAddress></tjsr:PingForConfiguration>` })),
      // faults
      await post('journal-system', envelope({ la: `NOT-SERVED-${MARKER}` })),
      await post('journal-system', envelope(), { SOAPAction: `"urn:${MARKER}"` }),
      await post('journal-system', envelope({ decl: `X${MARKER}` })),
      await post('journal-system', envelope({ body: `<tjsr:PingForConfiguration k="${MARKER.repeat(30)}"/>` })),
      await post('journal-system', envelope({ body: `<tjsr:PingForConfiguration>${MARKER}</tjsr:Ping>` })),
      await post('journal-system', envelope(), { 'x-rivta-original-serviceconsumer-hsaid': `SE-${MARKER}` }),
      await post('routing-node', envelope(), { 'x-rivta-original-serviceconsumer-hsaid': `SE ${MARKER}` }),
      await post('unknown', envelope({ body: `<x>${MARKER}` }), { 'x-rivta-original-serviceconsumer-hsaid': `SE-${MARKER}` }),
    ];
    for (const a of answers) assert.ok(!a.body.includes(MARKER), a.body);
    assert.match(logged, /XSD validation failed \(mode warn\)/, 'the validator findings are logged');
    assert.ok(!logged.includes(MARKER), logged.split('\n').filter((l) => l.includes(MARKER)).join('\n'));
    // and each got the answer it should (the order of checks decides the code)
    assert.deepEqual(
      answers.map((a) => /<faultstring>(RP\d{3})/.exec(a.body)?.[1] ?? a.status),
      [200, 200, 200, 'RP004', 'RP005', 'RP001', 'RP002', 'RP001', 200, 200, 'RP007'],
    );
  });
});
