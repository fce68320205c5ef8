/**
 * The hostile drill at the default limits (1 MiB, 20,000 elements, the namespace-declaration caps), with
 * bodies generated here (bench/drill-bodies.ts) rather than committed: every body shape is answered as
 * expected; a small request from another caller is answered while the costliest ones are processed; no
 * fault repeats a value from the body, the SOAPAction or the declared encoding; and a caller with no TAK
 * entry for the contract is refused before its body is read: RP007 with `Connection: close`, also for a
 * malformed or oversized body, and instead of `100 Continue`. The small-limit corpus is test/hostile.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { bodyShapes, DEFAULT_SHAPE_LIMITS, SHAPE_OPERATION } from '../bench/body-shapes.js';
import { findProjectRoot } from '../src/project-root.js';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

const SAMPLE = fs.readFileSync(
  path.join(findProjectRoot(), 'schemas/interactions/GetDiagnosisInteraction/samples/GetDiagnosisRequest.xml'),
  'utf8',
);
const PING_PATH = '/itintegration/monitoring/PingForConfiguration/1/rivtabp21';
const PING = fs.readFileSync(
  path.join(findProjectRoot(), 'schemas/interactions/PingForConfigurationInteraction/samples/PingForConfigurationRequest.xml'),
  'utf8',
);
/** Looks like a personnummer: it must never come back in a fault. */
const MARKER = 'MARK191212121212';

function faultString(body: string): string {
  return /<faultstring>([^<]*)<\/faultstring>/.exec(body)?.[1] ?? '';
}

describe('hostile bodies at the default limits', () => {
  let t: TestApp;
  const shapes = bodyShapes(DEFAULT_SHAPE_LIMITS);

  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  const credsOf = (role: string) => ({
    key: fs.readFileSync(path.join(t.certsDir, `${role}.key`)),
    cert: fs.readFileSync(path.join(t.certsDir, `${role}.crt`)),
    ca: fs.readFileSync(path.join(t.certsDir, 'ca.crt')),
  });

  /**
   * One POST on a new connection; `body` is sent whole, or chunk by chunk (no Content-Length) when it is an
   * array. Resolves with the answer as soon as it is complete, even if the server then cuts the upload.
   */
  function post(role: string, body: string | Buffer[], headers: Record<string, string> = {}, where: string = SHAPE_OPERATION.path): Promise<Reply> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = https.request(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port: t.port,
          path: where,
          method: 'POST',
          agent: false,
          ...credsOf(role),
          headers: { 'Content-Type': 'text/xml; charset=utf-8', ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => {
            answered = true;
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', () => undefined);
        },
      );
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      if (!Array.isArray(body)) {
        req.end(body);
        return;
      }
      let i = 0;
      const pump = () => {
        while (i < body.length && !answered) if (!req.write(body[i++]!)) return void req.once('drain', pump);
        req.end();
      };
      pump();
    });
  }

  /**
   * A request written by hand on a TLS socket, to see every interim response: the head, then `body` only
   * once the server says `100 Continue`. Resolves with all the text received up to the final response.
   */
  function rawExchange(role: string, head: Record<string, string | number>, body?: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      let got = '';
      let sent = false;
      const s = tls.connect({ host: '127.0.0.1', port: t.port, servername: 'localhost', ...credsOf(role) }, () => {
        const lines = Object.entries(head).map(([k, v]) => `${k}: ${v}\r\n`);
        s.write(`POST ${SHAPE_OPERATION.path} HTTP/1.1\r\nHost: localhost\r\n${lines.join('')}\r\n`);
      });
      s.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (body && !sent && got.startsWith('HTTP/1.1 100 ')) {
          sent = true;
          s.write(body);
        }
        const final = got.search(/HTTP\/1\.1 [2-5]\d\d /);
        const headEnd = final < 0 ? -1 : got.indexOf('\r\n\r\n', final);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(got.slice(final, headEnd))?.[1] ?? NaN);
        if (headEnd >= 0 && got.length >= headEnd + 4 + length) s.end();
      });
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
  }

  it('generates the shapes for the limits the application runs with', () => {
    for (const k of Object.keys(DEFAULT_SHAPE_LIMITS) as Array<keyof typeof DEFAULT_SHAPE_LIMITS>) {
      assert.equal(t.config.limits[k], DEFAULT_SHAPE_LIMITS[k], k);
    }
  });

  for (const s of shapes) {
    it(`${s.name}: ${s.expect === 'ok' ? 'answered' : s.expect} (${s.note})`, async () => {
      const r = await post(SHAPE_OPERATION.role, s.body, { SOAPAction: `"${SHAPE_OPERATION.soapAction}"` });
      if (s.expect === 'ok') assert.equal(r.status, 200, faultString(r.body));
      else assert.ok(faultString(r.body).startsWith(`${s.expect} `), `expected ${s.expect}, got ${r.status} ${faultString(r.body)}`);
    });
  }

  it('answers a small request from another caller while the costliest bodies are being processed', async () => {
    const heavy = shapes.filter((s) => s.name !== 'plain');
    let stop = false;
    let sent = 0;
    const load = async (from: number) => {
      for (let i = from; !stop; i++) {
        await post(SHAPE_OPERATION.role, heavy[i % heavy.length]!.body);
        sent++;
      }
    };
    const loads = [load(0), load(Math.floor(heavy.length / 2))];
    const latencies: number[] = [];
    try {
      while (sent < 2) await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 8; i++) {
        const started = performance.now();
        const r = await post('supervisor', PING, {}, PING_PATH);
        latencies.push(performance.now() - started);
        assert.equal(r.status, 200, faultString(r.body));
      }
    } finally {
      stop = true;
      await Promise.all(loads);
    }
    // a generous bound relative to the configured body time-out; the figures are the drill's (bench/drill-bodies.ts)
    const bound = t.config.limits.requestTimeoutMs / 4;
    assert.ok(Math.max(...latencies) < bound, `small request latencies ${latencies.map(Math.round).join(', ')} ms, bound ${bound} ms`);
  });

  it('never repeats a value from the body, the SOAPAction or the declared encoding in a fault', async () => {
    const withBody = (inner: string) => SAMPLE.replace(/<tjsr:GetDiagnosis>[\s\S]*<\/tjsr:GetDiagnosis>/, `<tjsr:GetDiagnosis>${inner}</tjsr:GetDiagnosis>`);
    const cases: Array<[string, string, Record<string, string>]> = [
      ['RP006', withBody(`<tjsr:includeInactive>${MARKER}</tjsr:includeInactive>`), {}],
      ['RP006', withBody(`<tjsr:diagnosisCode><core:code>${MARKER}${'X'.repeat(40)}</core:code></tjsr:diagnosisCode>`), {}],
      ['RP006', SAMPLE.replace('<tjsr:GetDiagnosis>', `<tjsr:GetDiagnosis k="${MARKER}">`), {}],
      ['RP006', SAMPLE.replace('<tjsr:GetDiagnosis>', `<tjsr:GetDiagnosis xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="tjsr:${MARKER}">`), {}],
      ['RP005', SAMPLE, { SOAPAction: `"urn:${MARKER}"` }],
      ['RP005', SAMPLE.replace(/tjsr:GetDiagnosis\b/g, `tjsr:${MARKER}`), {}],
      ['RP001', SAMPLE.replace('encoding="UTF-8"', `encoding="${MARKER}"`), {}],
      ['RP001', withBody(`<x:e xmlns:x="urn:x" a="${MARKER}" a="${MARKER}"/>`), {}],
      ['RP001', withBody(`<x:e xmlns:x="urn:x">${MARKER}</x:f>`), {}],
      ['RP002', withBody(`<x:e xmlns:x="urn:x" a="${MARKER.repeat(600)}"/>`), {}],
      ['RP004', SAMPLE.replace('TEST-PRODUCER', MARKER), {}],
    ];
    for (const [code, body, headers] of cases) {
      const r = await post('journal-system', body, headers);
      assert.ok(faultString(r.body).startsWith(`${code} `), `expected ${code}, got ${faultString(r.body)}`);
      assert.ok(!r.body.includes(MARKER) && !r.body.includes(MARKER.slice(4)), `${code} repeats the marker: ${r.body}`);
    }
  });

  describe('who before what', () => {
    it('refuses a consumer with no TAK entry for the contract before parsing: RP007, not RP001, and closes', async () => {
      for (const role of ['unknown', 'case-view']) {
        const r = await post(role, SAMPLE.replace('</soapenv:Body>', '<unclosed></soapenv:Body>'));
        assert.ok(faultString(r.body).startsWith('RP007 '), `${role}: ${faultString(r.body)}`);
        assert.equal(r.headers.connection, 'close', role);
      }
    });

    it('refuses an oversized body from such a consumer with RP007, not RP002, reading none of it', async () => {
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const huge = Array.from({ length: Math.ceil((3 * DEFAULT_SHAPE_LIMITS.maxBodyBytes) / chunk.length) }, () => chunk);
      const r = await post('case-view', huge);
      assert.ok(faultString(r.body).startsWith('RP007 '), faultString(r.body));
      assert.equal(r.headers.connection, 'close');
      const declared = await post('unknown', SAMPLE.replace('</soapenv:Body>', `<x:pad xmlns:x="urn:x">${'p'.repeat(2 * DEFAULT_SHAPE_LIMITS.maxBodyBytes)}</x:pad></soapenv:Body>`));
      assert.ok(faultString(declared.body).startsWith('RP007 '), faultString(declared.body));
    });

    it('answers `Expect: 100-continue` from such a consumer with the fault, never with 100 Continue', async () => {
      const head = { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(SAMPLE), Expect: '100-continue' };
      for (const role of ['unknown', 'no-hsa-id']) {
        const got = await rawExchange(role, head, Buffer.from(SAMPLE));
        assert.doesNotMatch(got, /^HTTP\/1\.1 100/m, role);
        assert.match(got, /^HTTP\/1\.1 500 /, role);
        assert.match(got, role === 'unknown' ? /RP007 / : /RP008 /, role);
        assert.match(got, /\r\nconnection: close\r\n/i, role);
      }
      // an authorised caller gets the go-ahead, and its answer after the body; a declared oversize gets RP002 instead
      const ok = await rawExchange('journal-system', head, Buffer.from(SAMPLE));
      assert.match(ok, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
      const big = await rawExchange('journal-system', { ...head, 'Content-Length': 2 * DEFAULT_SHAPE_LIMITS.maxBodyBytes }, Buffer.from(SAMPLE));
      assert.doesNotMatch(big, /^HTTP\/1\.1 100/m);
      assert.match(big, /RP002 /);
    });
  });
});
