/**
 * The hostile-input drill (docs/design.md#reliability): every request of test/fixtures/hostile/manifest.json is sent to the
 * real application (all services, SQLite, demo data) over mutual TLS, as its role, and must get its
 * specific answer; then HOSTILE_ITERATIONS (default 10,000) of them in a row must leave memory bounded and
 * the server serving. The HTTP-level cases (header floods, slowloris) are generated here. The same drill
 * at the default limits, with generated megabyte bodies, is test/hostile-default-limits.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import v8 from 'node:v8';
import vm from 'node:vm';
import { findProjectRoot } from '../src/project-root.js';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';
import { httpsCall } from './helpers/https-call.js';

interface BodyCase {
  readonly file: string;
  readonly endpoint: string;
  /** Development PKI role that sends it; journal-system when absent. */
  readonly role?: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
  readonly fault: string | null;
  readonly faultcode?: string;
  readonly note: string;
}

interface HttpCase {
  readonly name: string;
  readonly kind: 'huge-header' | 'many-headers' | 'slow-headers' | 'slow-body';
  readonly endpoint: string;
  readonly status: number | 'closed-or-RP011';
  readonly fault?: string;
  readonly faultcode?: string;
  readonly bytes?: number;
  readonly count?: number;
  readonly intervalMs?: number;
  readonly note: string;
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

// fixtures stay in test/ (they are not compiled), so find them from the project root in dist/ runs too
const DIR = path.join(findProjectRoot(), 'test', 'fixtures', 'hostile');
const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as { cases: BodyCase[]; http: HttpCase[] };
const ITERATIONS = Number(process.env.HOSTILE_ITERATIONS ?? 10_000);
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 1500;

/** `gc()` without --expose-gc on the command line: the flag can be set at run time for a new context. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function faultOf(body: string): { faultcode: string; faultstring: string } {
  return {
    faultcode: /<faultcode>([^<]*)<\/faultcode>/.exec(body)?.[1] ?? '',
    faultstring: /<faultstring>([^<]*)<\/faultstring>/.exec(body)?.[1] ?? '',
  };
}

describe('hostile input drill', () => {
  let t: TestApp;
  let creds: { key: Buffer; cert: Buffer; ca: Buffer };
  const agents = new Map<string, https.Agent>();
  const bodies = new Map<string, Buffer>();
  const credsOf = (role: string) => ({
    key: fs.readFileSync(path.join(t.certsDir, `${role}.key`)),
    cert: fs.readFileSync(path.join(t.certsDir, `${role}.crt`)),
    ca: fs.readFileSync(path.join(t.certsDir, 'ca.crt')),
  });
  const agentOf = (role = 'journal-system') => {
    let a = agents.get(role);
    if (!a) agents.set(role, (a = new https.Agent({ keepAlive: true, maxSockets: 8, ...credsOf(role) })));
    return a;
  };

  before(async () => {
    t = await startTestApp({
      PRODUCER_MAX_BODY_BYTES: String(64 * 1024),
      PRODUCER_MAX_DEPTH: '32',
      PRODUCER_MAX_ELEMENTS: '2000',
      PRODUCER_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      PRODUCER_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    });
    creds = credsOf('journal-system');
    for (const c of manifest.cases) bodies.set(c.file, fs.readFileSync(path.join(DIR, c.file)));
  });

  after(async () => {
    for (const a of agents.values()) a.destroy();
    await t.close();
  });

  /** Sends a manifest case as its role, on a keep-alive agent or (`fresh`) a new connection. */
  function send(c: BodyCase, fresh = false): Promise<Reply> {
    const useAgent = fresh ? false : agentOf(c.role);
    const body = bodies.get(c.file)!;
    const headers: Record<string, string | number> = { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': body.length, ...(c.headers ?? {}) };
    return httpsCall(
      { host: '127.0.0.1', servername: 'localhost', port: t.port, path: c.endpoint, method: 'POST', headers, agent: useAgent, ...(useAgent ? {} : credsOf(c.role ?? 'journal-system')) },
      body,
    );
  }

  function assertAnswer(c: Pick<BodyCase, 'status' | 'fault' | 'faultcode'>, r: Reply, label: string): void {
    assert.equal(r.status, c.status, `${label}: status ${r.status}\n${r.body.slice(0, 600)}`);
    if (c.fault) {
      const f = faultOf(r.body);
      assert.equal(f.faultcode, `soap:${c.faultcode ?? 'Client'}`, `${label}: ${f.faultcode} ${f.faultstring}`);
      assert.ok(f.faultstring.startsWith(`${c.fault} `), `${label}: expected ${c.fault}, got "${f.faultstring.slice(0, 200)}"`);
      assert.doesNotMatch(r.body, /\bat .*\.(ts|js):\d+/, `${label}: no stack trace`);
    } else {
      assert.doesNotMatch(r.body, /<faultcode>/, `${label}: no fault`);
    }
  }

  it('holds at least 50 hostile files, each with an expected answer', () => {
    const hostile = manifest.cases.filter((c) => c.fault);
    assert.ok(hostile.length >= 50, `${hostile.length} hostile cases`);
    const files = fs.readdirSync(DIR).filter((f) => f !== 'manifest.json');
    assert.deepEqual(files.sort(), manifest.cases.map((c) => c.file).sort(), 'every file is in the manifest and vice versa');
  });

  for (const c of manifest.cases) {
    it(`${c.file}: ${c.fault ?? `HTTP ${c.status}`} (${c.note})`, async () => {
      // a fresh connection per case, so one case's connection handling cannot mask another's
      assertAnswer(c, await send(c, true), c.file);
    });
  }

  describe('HTTP level', () => {
    function rawPost(headers: Record<string, string>): Promise<Reply> {
      return httpsCall(
        { host: '127.0.0.1', servername: 'localhost', port: t.port, path: manifest.cases[0]!.endpoint, method: 'POST', headers, agent: false, ...creds },
        bodies.get('control-valid.xml'),
      );
    }

    for (const h of manifest.http) {
      it(`${h.name}: ${h.fault ?? h.status} (${h.note})`, async () => {
        if (h.kind === 'huge-header') {
          const r = await rawPost({ 'Content-Type': 'text/xml', 'X-Flood': 'a'.repeat(h.bytes!) });
          assert.equal(r.status, h.status);
        } else if (h.kind === 'many-headers') {
          const headers: Record<string, string> = { 'Content-Type': 'text/xml' };
          for (let i = 0; i < h.count!; i++) headers[`x-flood-${i}`] = 'v';
          const r = await rawPost(headers);
          assert.equal(r.status, h.status);
        } else if (h.kind === 'slow-headers') {
          // one header line every intervalMs, for ever: the server must cut the connection
          const text = await new Promise<string>((resolve, reject) => {
            let got = '';
            let timer: NodeJS.Timeout | undefined;
            const s = tls.connect({ host: '127.0.0.1', port: t.port, servername: 'localhost', ...creds }, () => {
              s.write(`POST ${h.endpoint} HTTP/1.1\r\nHost: localhost\r\n`);
              let i = 0;
              timer = setInterval(() => s.writable && s.write(`x-drip-${i++}: 1\r\n`), h.intervalMs);
            });
            const guard = setTimeout(() => reject(new Error('slow headers: the connection was not closed')), HEADERS_TIMEOUT_MS * 8);
            s.on('data', (d: Buffer) => (got += d.toString()));
            s.on('close', () => {
              clearInterval(timer);
              clearTimeout(guard);
              resolve(got);
            });
            s.on('error', () => undefined);
          });
          if (text) assert.match(text, new RegExp(`^HTTP/1\\.1 500[\\s\\S]*${h.fault!}`));
        } else {
          // headers complete, Content-Length 1000, one byte every intervalMs
          const r = await new Promise<Reply>((resolve, reject) => {
            let timer: NodeJS.Timeout | undefined;
            const req = https.request(
              {
                host: '127.0.0.1',
                servername: 'localhost',
                port: t.port,
                path: h.endpoint,
                method: 'POST',
                agent: false,
                ...creds,
                headers: { 'Content-Type': 'text/xml', 'Content-Length': 1000 },
              },
              (res) => {
                clearInterval(timer);
                const chunks: Buffer[] = [];
                res.on('data', (d: Buffer) => chunks.push(d));
                res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
              },
            );
            req.on('error', (err) => {
              clearInterval(timer);
              reject(err);
            });
            req.write('<');
            timer = setInterval(() => req.write(' '), h.intervalMs);
          });
          assertAnswer({ status: h.status as number, fault: h.fault!, faultcode: h.faultcode! }, r, h.name);
        }
      });
    }
  });

  it(`keeps memory bounded over ${ITERATIONS} hostile requests, and keeps serving`, async () => {
    const gc = exposeGc();
    const cases = manifest.cases;
    let sent = 0;
    const unexpected: string[] = [];
    const run = async (count: number) => {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const c = cases[(sent + next++) % cases.length]!;
          const r = await send(c);
          const f = faultOf(r.body);
          if (r.status !== c.status || (c.fault && !f.faultstring.startsWith(c.fault))) unexpected.push(`${c.file}: ${r.status} ${f.faultstring}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      sent += count;
    };
    const warmup = Math.min(1000, Math.floor(ITERATIONS / 10));
    await run(warmup);
    gc();
    const before = process.memoryUsage();
    await run(ITERATIONS - warmup);
    gc();
    const end = process.memoryUsage();
    const mib = (n: number) => Math.round(n / 1024 / 1024);
    const heapGrowth = end.heapUsed - before.heapUsed;
    const rssGrowth = end.rss - before.rss;
    process.stderr.write(
      `# hostile x${ITERATIONS}: heapUsed ${mib(before.heapUsed)} → ${mib(end.heapUsed)} MiB, rss ${mib(before.rss)} → ${mib(end.rss)} MiB\n`,
    );
    assert.deepEqual(unexpected.slice(0, 10), [], 'every repetition got its expected answer');
    // Generous bounds: a leak of even 3 KiB per request would exceed the heap bound.
    assert.ok(heapGrowth < 24 * 1024 * 1024, `heapUsed grew by ${mib(heapGrowth)} MiB`);
    assert.ok(rssGrowth < 192 * 1024 * 1024, `rss grew by ${mib(rssGrowth)} MiB`);
    const ok = await send(cases.find((c) => c.file === 'control-valid.xml')!);
    assert.equal(ok.status, 200, 'still serving');
  });
});
