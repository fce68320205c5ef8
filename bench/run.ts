/**
 * `npm run bench` (spec §8): measures the built producer against a raw mTLS HTTPS baseline and the
 * `soap` npm server, and writes bench/results.json (fixed shape, read by tools) and bench/results.md.
 *
 *   npm run bench -- [--duration 10] [--workers 1] [--connections 1,16,64] [--register 500000]
 *                    [--operations GetDiagnosis,…] [--no-peer] [--profile] [--out bench]
 *                    [--producer dist/src/main.js] [--quick]
 *
 * --quick: a smoke run (1 s per point, the 5,000-person demo register, no warm-up).
 * --profile: runs the producer with --cpu-prof and adds its top self-time functions to results.md.
 *
 * Everything runs as separate processes: the producer (`node dist/src/main.js`, configured only through
 * its PRODUCER_* environment, as shipped: validation and logging on, logs to a file), the baseline
 * server and the peer server; the load generator (autocannon) runs in this process. The 500k register
 * takes ~40 s to generate, so it is cached in bench/.cache/ keyed by generator version, seed and size.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevPki } from '../certs/generate.js';
import { findProjectRoot } from '../src/project-root.js';
import { createLogger } from '../src/log.js';
import { GENERATOR_VERSION, DEMO_SEED } from '../src/licensetopractice/generate.js';
import { loadRegister } from '../src/licensetopractice/register-loader.js';
import { SCHEMA } from '../src/schema.js';
import { openDatabase } from '../src/storage/database.js';
import { runPoint, sendSetup, type ClientTls, type LoadResult } from './load.js';
import { benchOperations, endpointPath, POOL_SIZE, type BenchOperation, type OperationName } from './requests.js';
import { summariseProfiles, type ProfileSummary } from './profile.js';
import { readPreviousResults, renderMarkdown, type BenchResults } from './report.js';

interface Options {
  duration: number;
  warmup: number;
  workers: number;
  connections: number[];
  register: number;
  profile: boolean;
  out: string;
  /** The built entry point to start; another build (e.g. of a branch) can be measured with --producer. */
  producer: string;
  operations: OperationName[];
  peer: boolean;
}

const ROOT = findProjectRoot();
const HERE = path.dirname(fileURLToPath(import.meta.url));
/** `.ts` under tsx, `.js` when built: the forked servers are siblings of this file. */
const EXT = path.extname(fileURLToPath(import.meta.url));
const DEMO_REGISTER = 5000;
const ALL_OPERATIONS: readonly OperationName[] = ['GetDiagnosis', 'GetDecisionSupport', 'SearchPersonnel', 'PushCaseStatus', 'GetCaseOverview'];

const USAGE = `usage: npm run bench -- [--quick] [--duration S] [--warmup S] [--workers N|auto] [--connections 1,16,64]
       [--register N] [--operations ${ALL_OPERATIONS.join(',')}] [--no-peer] [--profile] [--out DIR] [--producer main.js]`;
const FLAGS = new Set(['--quick', '--profile', '--no-peer']);
const VALUED = new Set(['--duration', '--warmup', '--workers', '--connections', '--register', '--operations', '--out', '--producer']);

function parseArgs(argv: string[]): Options {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (FLAGS.has(a)) continue;
    if (VALUED.has(a)) {
      i++;
      continue;
    }
    if (VALUED.has(a.split('=')[0]!)) continue;
    throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const num = (name: string, dflt: number) => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${v}`);
    return n;
  };
  const quick = argv.includes('--quick');
  const workersArg = get('workers');
  return {
    duration: num('duration', quick ? 1 : 10),
    warmup: quick ? 0 : num('warmup', 2),
    workers: workersArg === 'auto' ? os.availableParallelism() : Math.floor(num('workers', 1)),
    connections: (get('connections') ?? '1,16,64').split(',').map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--connections takes a list of positive integers, got ${s}`);
      return n;
    }),
    register: Math.floor(num('register', quick ? DEMO_REGISTER : 500_000)),
    profile: argv.includes('--profile'),
    out: path.resolve(get('out') ?? path.join(ROOT, 'bench')),
    producer: path.resolve(get('producer') ?? path.join(ROOT, 'dist', 'src', 'main.js')),
    operations: (get('operations')?.split(',') ?? [...ALL_OPERATIONS]).map((o) => {
      if (!(ALL_OPERATIONS as readonly string[]).includes(o)) throw new Error(`--operations: unknown operation ${o}`);
      return o as OperationName;
    }),
    peer: !argv.includes('--no-peer'),
  };
}

function log(msg: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The personnel register database, generated once per (generator version, seed, size) and copied per run. */
async function registerDatabase(count: number): Promise<string | undefined> {
  if (count <= DEMO_REGISTER) return undefined; // the producer loads the demo slice itself
  const dir = path.join(ROOT, 'bench', '.cache', `register-v${GENERATOR_VERSION}-s${DEMO_SEED}-n${count}`);
  const file = path.join(dir, 'producer.sqlite');
  if (fs.existsSync(file)) return file;
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  log(`generating the ${count.toLocaleString('en')}-person register into ${path.relative(ROOT, dir)} (once; ~40 s for 500k)`);
  const db = await openDatabase({ dataDir: partial, databaseUrl: undefined }, createLogger('warn'), SCHEMA);
  try {
    await loadRegister(db, { seed: DEMO_SEED, count });
  } finally {
    await db.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(partial, dir);
  return file;
}

function waitForExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child) return;
  child.kill('SIGTERM');
  await waitForExit(child, 15_000);
}

/** Forks one of bench/*-server and resolves when it reports ready. */
function forkServer(name: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = fork(path.join(HERE, `${name}${EXT}`), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} did not start within 120 s`)), 120_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
    child.on('message', (m: { type?: string }) => {
      if (m.type === 'ready') {
        clearTimeout(t);
        resolve(child);
      }
    });
  });
}

async function waitReady(adminPort: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the producer exited with ${child.exitCode}; see ${logFile}`);
    const status = await new Promise<number>((resolve) => {
      http
        .get({ host: '127.0.0.1', port: adminPort, path: '/health/ready' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', () => resolve(0));
    });
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the producer was not ready within 300 s; see ${logFile}`);
}

/** True when the producer serves the operation's endpoint (its ?wsdl answers 200). */
function serves(port: number, tls: ClientTls, op: OperationName): Promise<boolean> {
  return new Promise((resolve) => {
    https
      .get({ host: '127.0.0.1', port, servername: 'localhost', path: `${endpointPath(op)}?wsdl`, agent: false, ...tls }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

/** The environment the product itself reads, without anything PRODUCER_* or DATABASE_URL from the caller's shell. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PRODUCER_') && k !== 'DATABASE_URL' && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const mainJs = opts.producer;
  if (!fs.existsSync(mainJs)) throw new Error(`${mainJs} is missing: run \`npm run build\` first (npm run bench does)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-'));
  const certsDir = path.join(tmp, 'certs');
  const dataDir = path.join(tmp, 'data');
  const profileDir = path.join(ROOT, 'bench', 'out', 'profile');
  const children: ChildProcess[] = [];
  const cleanup = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    await ensureDevPki(certsDir);
    const creds = (role: string): ClientTls => ({
      key: fs.readFileSync(path.join(certsDir, `${role}.key`)),
      cert: fs.readFileSync(path.join(certsDir, `${role}.crt`)),
      ca: fs.readFileSync(path.join(certsDir, 'ca.crt')),
    });
    fs.mkdirSync(dataDir, { recursive: true });
    const cached = await registerDatabase(opts.register);
    if (cached) fs.copyFileSync(cached, path.join(dataDir, 'producer.sqlite'));

    // ---- the producer, as shipped
    const [port, adminPort] = [await freePort(), await freePort()];
    const logFile = path.join(tmp, 'producer.log');
    const logFd = fs.openSync(logFile, 'a');
    if (opts.profile) {
      fs.rmSync(profileDir, { recursive: true, force: true });
      fs.mkdirSync(profileDir, { recursive: true });
    }
    const producer = spawn(process.execPath, [...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), mainJs], {
      cwd: ROOT,
      env: cleanEnv({
        PRODUCER_CERTS_DIR: certsDir,
        PRODUCER_DATA_DIR: dataDir,
        PRODUCER_HOST: '127.0.0.1',
        PRODUCER_PORT: String(port),
        PRODUCER_ADMIN_PORT: String(adminPort),
        PRODUCER_WORKERS: String(opts.workers),
      }),
      stdio: ['ignore', logFd, logFd],
    });
    children.push(producer);
    log(`producer: ${opts.workers} worker(s), register ${opts.register.toLocaleString('en')}, logs ${logFile}`);
    await waitReady(adminPort, producer, logFile);
    const served = new Set<OperationName>();
    for (const name of opts.operations) if (await serves(port, creds('journal-system'), name)) served.add(name);
    const skipped = opts.operations.filter((n) => !served.has(n));
    if (skipped.length > 0) log(`not served by this build, skipped: ${skipped.join(', ')}`);

    // ---- baseline, alone on the machine while measured (the producer idles)
    const baselinePort = await freePort();
    const baseline = await forkServer(
      'baseline-server',
      cleanEnv({
        PRODUCER_CERTS_DIR: certsDir,
        BENCH_PORT: String(baselinePort),
        BENCH_WORKERS: String(opts.workers),
        BENCH_BODY_FILE: path.join(ROOT, 'schemas', 'interactions', 'GetDiagnosisInteraction', 'samples', 'GetDiagnosisResponse.xml'),
      }),
    );
    children.push(baseline);
    const results: BenchResults = {
      machine: { cpus: os.cpus().length, node: process.version, workers: opts.workers },
      baseline: [],
      operations: [],
      peers: [],
    };
    const baselineOp = benchOperations({ root: ROOT, runId: 'baseline' }).find((o) => o.name === 'GetDiagnosis')!;
    const pools = new Map<BenchOperation, string[]>();
    const point = (url: string, connections: number, op: BenchOperation, duration = opts.duration) => {
      let bodies = pools.get(op);
      if (!op.unique && !bodies) pools.set(op, (bodies = Array.from({ length: POOL_SIZE }, () => op.next())));
      return runPoint({
        url,
        connections,
        durationSeconds: duration,
        tls: creds(op.role),
        headers: { soapaction: `"${op.soapAction}"` },
        ...(op.unique ? { next: op.next } : { bodies }),
        ...(op.done ? { done: op.done } : {}),
      });
    };
    const baselineUrl = `https://127.0.0.1:${baselinePort}${baselineOp.path}`;
    if (opts.warmup > 0) await point(baselineUrl, 16, baselineOp, opts.warmup);
    for (const c of opts.connections) {
      const r = await point(baselineUrl, c, baselineOp);
      results.baseline.push({ connections: c, rps: r.rps, p50_ms: r.p50_ms, p99_ms: r.p99_ms });
      log(`baseline          c=${String(c).padStart(2)}  ${fmt(r)}`);
    }

    // ---- the producer's operations (pushes before overview reads, so the reads find cases)
    // Each point's ratio is taken against a baseline point measured just before it, at the same
    // connection count: this machine's speed drifts by a third within minutes (docs/performance.md),
    // so a baseline from the start of the run would make the ratios depend on when each op ran.
    const pairedSeconds = Math.min(opts.duration, Math.max(1, opts.duration / 2));
    const pairedBaseline = new Map<string, number>();
    const runId = `${Date.now().toString(36)}`;
    for (const op of benchOperations({ root: ROOT, runId })) {
      if (!served.has(op.name)) continue;
      const url = `https://127.0.0.1:${port}${op.path}`;
      if (op.setup) await sendSetup(`https://127.0.0.1:${port}`, op.setup, creds); // e.g. consent before pushes, untimed
      if (opts.warmup > 0) await point(url, 16, op, opts.warmup);
      for (const c of opts.connections) {
        const base = (await point(baselineUrl, c, baselineOp, pairedSeconds)).rps;
        pairedBaseline.set(`${op.name}@${c}`, base);
        const r = await point(url, c, op);
        results.operations.push({
          name: op.name,
          connections: c,
          rps: r.rps,
          p50_ms: r.p50_ms,
          p95_ms: r.p95_ms,
          p99_ms: r.p99_ms,
          errors: r.errors,
          non2xx: r.non2xx,
          logical_errors: r.logicalErrors,
          ratio_to_baseline: base > 0 ? Math.round((r.rps / base) * 1000) / 1000 : 0,
        });
        log(`${op.name.padEnd(18)}c=${String(c).padStart(2)}  ${fmt(r)}  (baseline just before: ${base} req/s)`);
      }
    }
    await stop(baseline);
    await stop(producer);
    fs.closeSync(logFd);
    // kept for inspection (bench/out/ is not committed)
    fs.mkdirSync(path.join(ROOT, 'bench', 'out'), { recursive: true });
    fs.copyFileSync(logFile, path.join(ROOT, 'bench', 'out', 'producer.log'));

    // ---- the peer: node-soap on GetDiagnosis, same data (the producer's database, now closed)
    if (opts.peer) await measurePeer();
    async function measurePeer(): Promise<void> {
      const peerPort = await freePort();
      const peer = await forkServer(
        'peer-server',
        cleanEnv({ PRODUCER_CERTS_DIR: certsDir, PRODUCER_DATA_DIR: dataDir, BENCH_PORT: String(peerPort) }),
      );
      children.push(peer);
      const peerOp = benchOperations({ root: ROOT, runId: 'peer' }).find((o) => o.name === 'GetDiagnosis')!;
      const peerUrl = `https://127.0.0.1:${peerPort}${peerOp.path}`;
      if (opts.warmup > 0) await point(peerUrl, 16, peerOp, opts.warmup);
      for (const c of opts.connections) {
        const r = await point(peerUrl, c, peerOp);
        results.peers.push({ name: 'soap-npm-server', operation: 'GetDiagnosis', connections: c, rps: r.rps, p99_ms: r.p99_ms });
        log(`peer GetDiagnosis  c=${String(c).padStart(2)}  ${fmt(r)}`);
      }
      await stop(peer);
    }

    let profile: ProfileSummary | undefined;
    if (opts.profile) profile = summariseProfiles(profileDir, 25);

    fs.mkdirSync(opts.out, { recursive: true });
    const previous = readPreviousResults(path.join(opts.out, 'results.json'), (f) => fs.readFileSync(f, 'utf8'));
    fs.writeFileSync(path.join(opts.out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    const md = renderMarkdown(results, {
      durationSeconds: opts.duration,
      register: opts.register,
      skipped,
      wallSeconds: Math.round((Date.now() - started) / 1000),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      profile,
      previous,
      pairedBaseline,
    });
    fs.writeFileSync(path.join(opts.out, 'results.md'), md);
    log(`wrote ${path.join(opts.out, 'results.json')} and results.md in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    cleanup();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function fmt(r: LoadResult): string {
  const line = `${String(r.rps).padStart(6)} req/s  p50 ${r.p50_ms.toFixed(2)}  p95 ${r.p95_ms.toFixed(2)}  p99 ${r.p99_ms.toFixed(2)} ms  errors ${r.errors}/${r.non2xx}/${r.logicalErrors}  first response ≤ ${r.connectMaxMs.toFixed(0)} ms`;
  return r.firstFault ? `${line}  first fault: ${r.firstFault}` : line;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
