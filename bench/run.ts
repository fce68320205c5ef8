/**
 * `npm run bench`: measures the built producer against a raw mTLS HTTPS baseline and the `soap` npm
 * server, and writes bench/results.json (fixed shape, read by tools) and bench/results.md, where every
 * performance target of docs/design.md gets a verdict (bench/report.ts). Options: bench/options.ts.
 *
 * The run, per engine (SQLite; PostgreSQL too when BENCH_DATABASE_URL is set):
 *  1. start the producer as shipped (bench/processes.ts) and seed, through its own contracts, the cases
 *     GetCaseOverview reads (bench/seed.ts): 10 per subject, and for version 2 a subject with 10,000
 *     whose pages are walked once for their continuation tokens;
 *  2. for each operation and connection count: a baseline point, then the operation's point, each
 *     entry carrying the baseline it is judged against (the machine's speed drifts by a third within
 *     minutes, so only such adjacent ratios count);
 *  3. at 1 connection, for each operation whose answer waits for a durable write: the fsync figure
 *     (bench/fsync.ts), then the producer restarted with durability switched off (the bench-only
 *     switch), a baseline point and the same operation again (`"durable": false`), then the durable
 *     producer back for the other connection counts.
 * The load generator (autocannon) runs in this process; everything else is its own process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDevPki } from '../certs/generate.js';
import { findProjectRoot } from '../src/project-root.js';
import { filesystemOf, median, postgresCommitSamples, round2, sqliteFsyncSamples } from './fsync.js';
import { runPoint, type ClientTls, type LoadResult } from './load.js';
import { parseArgs, type Options } from './options.js';
import {
  benchSchema,
  children,
  cleanEnv,
  forkServer,
  freePort,
  killAll,
  log,
  postgresFilesystem,
  registerDatabase,
  serves,
  startProducer,
  stop,
  type ProducerSettings,
  type RunningProducer,
} from './processes.js';
import { summariseProfiles, type ProfileSummary } from './profile.js';
import { DURABLE_OPERATIONS, readPreviousResults, renderMarkdown, type BenchResults, type Engine, type OperationEntry } from './report.js';
import { benchOperations, CASES_PER_SUBJECT, endpointPath, POOL_SIZE, type BenchOperation, type OperationName } from './requests.js';
import { prepareCases, type CaseData } from './cases.js';

const ROOT = findProjectRoot();
const FSYNC_SAMPLES = 200;

function fmt(r: LoadResult): string {
  const line = `${String(r.rps).padStart(6)} req/s  p50 ${r.p50_ms.toFixed(2)}  p95 ${r.p95_ms.toFixed(2)}  p99 ${r.p99_ms.toFixed(2)} ms  errors ${r.errors}/${r.non2xx}/${r.logicalErrors}  first response ≤ ${r.connectMaxMs.toFixed(0)} ms`;
  return r.firstFault ? `${line}  first fault: ${r.firstFault}` : line;
}

interface Session {
  readonly opts: Options;
  readonly creds: (role: string) => ClientTls;
  readonly baselineUrl: string;
  readonly baselineOp: BenchOperation;
  readonly results: BenchResults;
  readonly runId: string;
  readonly skipped: Set<string>;
  overviewMajor: 1 | 2 | undefined;
  deepNotMeasured: string | undefined;
}

const pools = new Map<BenchOperation, string[]>();

function point(s: Session, url: string, connections: number, op: BenchOperation, duration = s.opts.duration, bodies?: string[]): Promise<LoadResult> {
  let pool = bodies ?? pools.get(op);
  if (!op.unique && !pool) pools.set(op, (pool = Array.from({ length: POOL_SIZE }, () => op.next())));
  return runPoint({
    url,
    connections,
    durationSeconds: duration,
    tls: s.creds(op.role),
    headers: { soapaction: `"${op.soapAction}"` },
    ...(op.unique ? { next: op.next } : { bodies: pool! }),
    ...(op.done ? { done: op.done } : {}),
  });
}

/** A baseline point at `connections`, measured just before an operation's point. */
async function baselinePoint(s: Session, connections: number): Promise<LoadResult> {
  return point(s, s.baselineUrl, connections, s.baselineOp, Math.min(s.opts.duration, Math.max(1, s.opts.duration / 2)));
}

function entry(name: OperationName, engine: Engine, durable: boolean, c: number, r: LoadResult, base: LoadResult, cases?: number): OperationEntry {
  log(
    `${name.padEnd(18)}${engine === 'sqlite' ? '' : ` [${engine}]`}${durable ? '' : ' (durability off)'}${cases && cases !== CASES_PER_SUBJECT ? ` (${cases} cases)` : ''} c=${String(c).padStart(2)}  ${fmt(r)}  (baseline just before: ${base.rps} req/s)`,
  );
  return {
    name,
    engine,
    durable,
    connections: c,
    rps: r.rps,
    p50_ms: r.p50_ms,
    p95_ms: r.p95_ms,
    p99_ms: r.p99_ms,
    errors: r.errors,
    non2xx: r.non2xx,
    logical_errors: r.logicalErrors,
    ratio_to_baseline: base.rps > 0 ? Math.round((r.rps / base.rps) * 1000) / 1000 : 0,
    baseline_rps: base.rps,
    baseline_p99_ms: base.p99_ms,
    ...(cases !== undefined ? { cases_per_subject: cases } : {}),
  };
}

/** Every point of one engine: the producer on it, restarted for the durability-off points. */
async function measureEngine(s: Session, engine: Engine, settings: ProducerSettings, pgSchema?: string): Promise<void> {
  const { opts } = s;
  let producer: RunningProducer = await startProducer(settings, true);
  const restart = async (durable: boolean) => {
    await stop(producer.child);
    producer = await startProducer(settings, durable);
    log(`producer restarted ${durable ? 'durable' : 'with durability OFF (bench-only switch)'}`);
  };
  const fsyncOn: number[] = [];
  const fsyncOff: number[] = [];
  const measureFsync = async () => {
    if (engine === 'sqlite') fsyncOn.push(...(await sqliteFsyncSamples(settings.dataDir, FSYNC_SAMPLES)));
    else {
      const pgs = await postgresCommitSamples(settings.databaseUrl!, pgSchema!, FSYNC_SAMPLES / 2);
      fsyncOn.push(...pgs.on);
      fsyncOff.push(...pgs.off);
    }
  };
  try {
    const served = new Set<OperationName>();
    for (const name of opts.operations) if (await serves(producer.port, s.creds('journal-system'), endpointPath(name))) served.add(name);
    for (const name of opts.operations) if (!served.has(name)) s.skipped.add(name);
    let cases: CaseData | undefined;
    if (served.has('GetCaseOverview') || served.has('PushCaseStatus')) {
      cases = await prepareCases({ port: producer.port, creds: s.creds, runId: `${s.runId}${engine[0]}`, overview: served.has('GetCaseOverview'), opts });
      s.overviewMajor = cases.overviewMajor;
      s.deepNotMeasured = cases.deepNotMeasured;
    }
    const ops = benchOperations({ root: ROOT, runId: `${s.runId}${engine[0]}`, overviewMajor: cases?.overviewMajor ?? 1 });
    const url = (op: BenchOperation) => `https://127.0.0.1:${producer.port}${op.path}`;
    for (const op of ops) {
      if (!served.has(op.name)) continue;
      const cps = op.name === 'GetCaseOverview' ? CASES_PER_SUBJECT : undefined;
      if (opts.warmup > 0) await point(s, url(op), 16, op, opts.warmup);
      for (const c of opts.connections) {
        const base = await baselinePoint(s, c);
        s.results.operations.push(entry(op.name, engine, true, c, await point(s, url(op), c, op), base, cps));
        if (c === 16 && op.name === 'GetCaseOverview' && cases?.deepBodies) {
          const deepBase = await baselinePoint(s, c);
          s.results.operations.push(entry(op.name, engine, true, c, await point(s, url(op), c, op, opts.duration, cases.deepBodies), deepBase, cases.deepCases));
        }
        if (c !== 1 || !DURABLE_OPERATIONS.includes(op.name)) continue;
        await measureFsync();
        await restart(false);
        if (opts.warmup > 0) await point(s, url(op), 16, op, opts.warmup);
        const offBase = await baselinePoint(s, c);
        s.results.operations.push(entry(op.name, engine, false, c, await point(s, url(op), c, op), offBase, cps));
        await restart(true);
        if (opts.warmup > 0) await point(s, url(op), 16, op, opts.warmup);
      }
    }
  } finally {
    await stop(producer.child);
  }
  if (fsyncOn.length > 0) {
    const p50 = engine === 'sqlite' ? median(fsyncOn) : Math.max(0, median(fsyncOn) - median(fsyncOff));
    const filesystem = engine === 'sqlite' ? filesystemOf(settings.dataDir) : await postgresFilesystem(settings.databaseUrl!, filesystemOf);
    s.results.fsync[engine] = { p50_ms: round2(p50), filesystem };
    log(`fsync [${engine}]: p50 ${round2(p50)} ms on ${filesystem}`);
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2), ROOT);
  const started = Date.now();
  if (!fs.existsSync(opts.producer)) throw new Error(`${opts.producer} is missing: run \`npm run build\` first (npm run bench does)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-'));
  const certsDir = path.join(tmp, 'certs');
  const dataDir = path.join(tmp, 'data');
  const profileDir = path.join(ROOT, 'bench', 'out', 'profile');
  const logFile = path.join(tmp, 'producer.log');
  process.once('SIGINT', () => {
    killAll();
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
    const cached = await registerDatabase(ROOT, opts.register);
    if (cached) fs.copyFileSync(cached, path.join(dataDir, 'producer.sqlite'));
    if (opts.profile) {
      fs.rmSync(profileDir, { recursive: true, force: true });
      fs.mkdirSync(profileDir, { recursive: true });
    }
    log(`producer: ${opts.workers} worker(s), register ${opts.register.toLocaleString('en')}, logs ${logFile}`);

    // ---- the baseline, measured alone first (no producer runs yet), then just before every point
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
    const baselineOp = benchOperations({ root: ROOT, runId: 'baseline' }).find((o) => o.name === 'GetDiagnosis')!;
    const s: Session = {
      opts,
      creds,
      baselineUrl: `https://127.0.0.1:${baselinePort}${baselineOp.path}`,
      baselineOp,
      results: { machine: { cpus: os.cpus().length, node: process.version, workers: opts.workers }, baseline: [], fsync: {}, operations: [], peers: [] },
      runId: Date.now().toString(36),
      skipped: new Set(),
      overviewMajor: undefined,
      deepNotMeasured: undefined,
    };
    if (opts.warmup > 0) await point(s, s.baselineUrl, 16, baselineOp, opts.warmup);
    for (const c of opts.connections) {
      const r = await point(s, s.baselineUrl, c, baselineOp);
      s.results.baseline.push({ connections: c, rps: r.rps, p50_ms: r.p50_ms, p99_ms: r.p99_ms });
      log(`baseline          c=${String(c).padStart(2)}  ${fmt(r)}`);
    }

    const settings: ProducerSettings = { root: ROOT, mainJs: opts.producer, certsDir, dataDir, workers: opts.workers, logFile, profileDir: opts.profile ? profileDir : undefined };
    await measureEngine(s, 'sqlite', settings);
    const pgUrl = process.env.BENCH_DATABASE_URL;
    if (pgUrl) {
      const schema = await benchSchema(pgUrl, s.runId, opts.register, path.join(tmp, 'pg-scratch'));
      try {
        await measureEngine(s, 'postgres', { ...settings, databaseUrl: schema.url, dataDir: path.join(tmp, 'pg-data') }, schema.schema);
      } finally {
        await schema.drop();
      }
    }
    await stop(baseline);
    // kept for inspection (bench/out/ is not committed)
    fs.mkdirSync(path.join(ROOT, 'bench', 'out'), { recursive: true });
    fs.copyFileSync(logFile, path.join(ROOT, 'bench', 'out', 'producer.log'));

    // ---- the peer: node-soap on GetDiagnosis, same data (the producer's SQLite database, now closed)
    if (opts.peer) {
      const peerPort = await freePort();
      const peer = await forkServer('peer-server', cleanEnv({ PRODUCER_CERTS_DIR: certsDir, PRODUCER_DATA_DIR: dataDir, BENCH_PORT: String(peerPort) }));
      const peerUrl = `https://127.0.0.1:${peerPort}${baselineOp.path}`;
      if (opts.warmup > 0) await point(s, peerUrl, 16, baselineOp, opts.warmup);
      for (const c of opts.connections) {
        const r = await point(s, peerUrl, c, baselineOp);
        s.results.peers.push({ name: 'soap-npm-server', operation: 'GetDiagnosis', connections: c, rps: r.rps, p99_ms: r.p99_ms });
        log(`peer GetDiagnosis  c=${String(c).padStart(2)}  ${fmt(r)}`);
      }
      await stop(peer);
    }

    let profile: ProfileSummary | undefined;
    if (opts.profile) profile = summariseProfiles(profileDir, 25);
    fs.mkdirSync(opts.out, { recursive: true });
    const previous = readPreviousResults(path.join(opts.out, 'results.json'), (f) => fs.readFileSync(f, 'utf8'));
    fs.writeFileSync(path.join(opts.out, 'results.json'), JSON.stringify(s.results, null, 2) + '\n');
    const md = renderMarkdown(s.results, {
      durationSeconds: opts.duration,
      register: opts.register,
      skipped: [...s.skipped],
      wallSeconds: Math.round((Date.now() - started) / 1000),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      profile,
      previous,
      overviewMajor: s.overviewMajor,
      deepNotMeasured: s.deepNotMeasured,
    });
    fs.writeFileSync(path.join(opts.out, 'results.md'), md);
    log(`wrote ${path.join(opts.out, 'results.json')} and results.md in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    killAll();
    children.clear();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  killAll();
  process.exit(1);
});
