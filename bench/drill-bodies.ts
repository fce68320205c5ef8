/**
 * Body-shape drill: every hostile body shape at the default limits (bench/body-shapes.ts) sent to a
 * running producer over mutual TLS, each timed against a plain body of the same size, while another
 * caller keeps sending a small request whose latency is recorded; plus the in-process measurement of
 * parse + validate + decode per shape.
 *
 * `npm run drill:hostile -- --section bodies` runs it (drillBodies below). Figures: docs/performance.md.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { ensureDevPki } from '../certs/generate.js';
import { findProjectRoot } from '../src/project-root.js';
import { bodyShapes, measureInProcess, SHAPE_OPERATION, type BodyShape } from './body-shapes.js';
import type { ClientTls } from './load.js';
import type { DrillTable } from './drill-table.js';
import { freePort } from './processes.js';

interface DrillOptions {
  readonly port: number;
  readonly host?: string;
  /** The caller sending the shapes (TAK must allow it GetDiagnosis: journal-system in the dev PKI). */
  readonly tls: ClientTls;
  /** Another caller sending PingForConfiguration meanwhile (supervisor in the dev PKI). */
  readonly otherTls: ClientTls;
  readonly shapes?: readonly BodyShape[];
  /** Requests per shape; the fastest counts. Default 3. */
  readonly runs?: number;
}

interface DrillRow {
  readonly shape: string;
  readonly bytes: number;
  /** HTTP status and fault code, e.g. `200` or `500 RP002`. */
  readonly answer: string;
  /** Fastest round trip of the shape's requests (client side, on a new connection: it includes the TLS handshake and sending 1 MiB), ms. */
  readonly ms: number;
  /** `ms` over the plain body's. */
  readonly ratio: number;
  /** Slowest small request of the other caller while this shape's requests were in flight, ms. */
  readonly otherMaxMs: number;
  /** The other caller's requests that failed meanwhile (0 expected). */
  readonly otherErrors: number;
}

const PING_PATH = '/itintegration/monitoring/PingForConfiguration/1/rivtabp21';
const PING = fs.readFileSync(
  path.join(findProjectRoot(), 'schemas/interactions/PingForConfigurationInteraction/samples/PingForConfigurationRequest.xml'),
);

function post(o: { host: string; port: number; tls: ClientTls; agent: https.Agent | false; path: string; body: Buffer }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: o.host,
        servername: 'localhost',
        port: o.port,
        path: o.path,
        method: 'POST',
        agent: o.agent,
        ...(o.agent ? {} : o.tls),
        headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': o.body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Sends every shape `runs` times; meanwhile the other caller sends one small request after another. */
async function drillBodyShapes(options: DrillOptions): Promise<DrillRow[]> {
  const host = options.host ?? '127.0.0.1';
  const shapes = options.shapes ?? bodyShapes();
  // a new connection per shape request: a large body sent on a reused connection right after an answer
  // is sometimes reset by the server (HPE_PAUSED reaches its clientError handler; see docs/performance.md)
  const agent = false;
  const otherAgent = new https.Agent({ keepAlive: true, maxSockets: 1, ...options.otherTls });
  let window: number[] = [];
  const otherErrors: string[] = [];
  let stop = false;
  const other = (async () => {
    while (!stop) {
      const started = performance.now();
      await post({ host, port: options.port, tls: options.otherTls, agent: otherAgent, path: PING_PATH, body: PING }).catch((err: Error) => {
        otherErrors.push(err.message);
      });
      window.push(performance.now() - started);
    }
  })();
  const rows: Omit<DrillRow, 'ratio'>[] = [];
  try {
    // one untimed pass first, so that no shape pays for the producer's warm-up
    for (const s of shapes) await post({ host, port: options.port, tls: options.tls, agent, path: SHAPE_OPERATION.path, body: Buffer.from(s.body) }).catch(() => undefined);
    for (const s of shapes) {
      const body = Buffer.from(s.body);
      window = [];
      let best = Infinity;
      let answer = '';
      for (let i = 0; i < (options.runs ?? 3); i++) {
        const started = performance.now();
        try {
          const r = await post({ host, port: options.port, tls: options.tls, agent, path: SHAPE_OPERATION.path, body });
          best = Math.min(best, performance.now() - started);
          answer = `${r.status}${r.status === 200 ? '' : ` ${/<faultstring>(RP\d{3})/.exec(r.body)?.[1] ?? ''}`}`;
        } catch (err) {
          answer = `error ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
        }
      }
      rows.push({ shape: s.name, bytes: body.length, answer, ms: best, otherMaxMs: Math.max(0, ...window), otherErrors: otherErrors.splice(0).length });
    }
  } finally {
    stop = true;
    await other;
    otherAgent.destroy();
  }
  const plain = rows.find((r) => r.shape === 'plain')?.ms ?? NaN;
  return rows.map((r) => ({ ...r, ratio: r.ms / plain }));
}

// ------------------------------------------------------------------------------------ run alone

async function waitReady(adminPort: number): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const status = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port: adminPort, path: '/health/ready' }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', () => resolve(0));
    });
    if (status === 200) return;
  }
  throw new Error('the producer was not ready within 120 s');
}

/**
 * The drill:hostile section "bodies": the in-process measurement, then the built producer started as its
 * own process (generated dev PKI, demo data, default limits) and drilled over mutual TLS.
 */
export async function drillBodies(options: { readonly quick: boolean }): Promise<DrillTable[]> {
  const runs = options.quick ? 1 : 3;
  const inProcess = measureInProcess(bodyShapes(), { runs: runs + 2 });
  const tables: DrillTable[] = [
    {
      title: `In process: parse + validate + decode per body shape at the default limits (fastest of ${runs + 2})`,
      columns: ['shape', 'bytes', 'outcome', 'ms', '× plain'],
      rows: inProcess.map((r) => [r.shape, r.bytes, r.outcome, r.ms.toFixed(1), r.ratio.toFixed(2)]),
    },
  ];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-drill-bodies-'));
  const certsDir = path.join(tmp, 'certs');
  await ensureDevPki(certsDir);
  const creds = (role: string): ClientTls => ({
    key: fs.readFileSync(path.join(certsDir, `${role}.key`)),
    cert: fs.readFileSync(path.join(certsDir, `${role}.crt`)),
    ca: fs.readFileSync(path.join(certsDir, 'ca.crt')),
  });
  const [port, adminPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PRODUCER_') && k !== 'DATABASE_URL') env[k] = v;
  const producer = spawn(process.execPath, [path.join(findProjectRoot(), 'dist/src/main.js')], {
    env: { ...env, PRODUCER_CERTS_DIR: certsDir, PRODUCER_DATA_DIR: path.join(tmp, 'data'), PRODUCER_HOST: '127.0.0.1', PRODUCER_PORT: String(port), PRODUCER_ADMIN_PORT: String(adminPort), PRODUCER_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitReady(adminPort);
    const rows = await drillBodyShapes({ port, tls: creds('journal-system'), otherTls: creds('supervisor'), runs });
    tables.push({
      title: `Over mutual TLS to the built producer, another caller sending PingForConfiguration meanwhile (fastest of ${runs})`,
      columns: ['shape', 'bytes', 'answer', 'round trip ms', '× plain', 'other caller: slowest ms', 'other caller: errors'],
      rows: rows.map((r) => [r.shape, r.bytes, r.answer, r.ms.toFixed(1), r.ratio.toFixed(2), r.otherMaxMs.toFixed(1), r.otherErrors]),
    });
  } finally {
    producer.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return tables;
}
