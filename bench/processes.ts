/**
 * The processes of `npm run bench` (bench/run.ts): the producer as shipped (`node dist/src/main.js`,
 * configured only through its PRODUCER_* environment), restartable with durability switched off for
 * the durability-off points; the baseline and peer servers (forked siblings of this file); and the
 * databases they run on (the cached 500k SQLite register; a schema of the bench's own on PostgreSQL).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { BENCH_MARKER } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { DEMO_SEED, GENERATOR_VERSION } from '../src/licensetopractice/generate.js';
import { loadRegister } from '../src/licensetopractice/register-loader.js';
import { openDatabase } from '../src/storage/database.js';
import { SCHEMA } from '../src/schema.js';
import type { ClientTls } from './load.js';
import { DEMO_REGISTER } from './options.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** `.ts` under tsx, `.js` when built: the forked servers are siblings of this file. */
const EXT = path.extname(fileURLToPath(import.meta.url));

export function log(msg: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Every child started, so that an interrupted run leaves none behind. */
export const children = new Set<ChildProcess>();

export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
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

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child) return;
  child.kill('SIGTERM');
  await waitForExit(child, 15_000);
  children.delete(child);
}

/** The environment the product itself reads, without anything PRODUCER_* or DATABASE_URL from the caller's shell. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('PRODUCER_') && k !== 'DATABASE_URL' && k !== 'NODE_OPTIONS' && k !== 'PGOPTIONS') env[k] = v;
  }
  return { ...env, ...extra };
}

/** Forks one of bench/*-server and resolves when it reports ready. */
export function forkServer(name: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = fork(path.join(HERE, `${name}${EXT}`), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
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

export interface ProducerSettings {
  readonly root: string;
  readonly mainJs: string;
  readonly certsDir: string;
  readonly dataDir: string;
  readonly workers: number;
  /** Unset: SQLite in dataDir. */
  readonly databaseUrl?: string | undefined;
  readonly logFile: string;
  /** Set: each producer process writes its V8 CPU profile there. */
  readonly profileDir?: string | undefined;
}

export interface RunningProducer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly durable: boolean;
}

/**
 * Starts the producer and waits until /health/ready. `durable: false` starts it with the bench-only
 * durability switch (PRODUCER_BENCH_DURABILITY=off and the marker the loader requires beside it).
 */
export async function startProducer(s: ProducerSettings, durable: boolean): Promise<RunningProducer> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const logFd = fs.openSync(s.logFile, 'a');
  const child = spawn(process.execPath, [...(s.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${s.profileDir}`] : []), s.mainJs], {
    cwd: s.root,
    env: cleanEnv({
      PRODUCER_CERTS_DIR: s.certsDir,
      PRODUCER_DATA_DIR: s.dataDir,
      PRODUCER_HOST: '127.0.0.1',
      PRODUCER_PORT: String(port),
      PRODUCER_ADMIN_PORT: String(adminPort),
      PRODUCER_WORKERS: String(s.workers),
      ...(s.databaseUrl ? { DATABASE_URL: s.databaseUrl } : {}),
      ...(durable ? {} : { PRODUCER_BENCH_DURABILITY: 'off', PRODUCER_BENCH_MARKER: BENCH_MARKER }),
    }),
    stdio: ['ignore', logFd, logFd],
  });
  fs.closeSync(logFd);
  children.add(child);
  await waitReady(adminPort, child, s.logFile);
  return { child, port, durable };
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

/** True when the producer serves the endpoint at `endpoint` (its ?wsdl answers 200). */
export function serves(port: number, tls: ClientTls, endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    https
      .get({ host: '127.0.0.1', port, servername: 'localhost', path: `${endpoint}?wsdl`, agent: false, ...tls }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

/** The personnel register database, generated once per (generator version, seed, size) and copied per run. */
export async function registerDatabase(root: string, count: number): Promise<string | undefined> {
  if (count <= DEMO_REGISTER) return undefined; // the producer loads the demo slice itself
  const dir = path.join(root, 'bench', '.cache', `register-v${GENERATOR_VERSION}-s${DEMO_SEED}-n${count}`);
  const file = path.join(dir, 'producer.sqlite');
  if (fs.existsSync(file)) return file;
  const partial = `${dir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  log(`generating the ${count.toLocaleString('en')}-person register into ${path.relative(root, dir)} (once; ~40 s for 500k)`);
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

export interface BenchSchema {
  /** The URL the producer gets: BENCH_DATABASE_URL with the schema as its search_path. */
  readonly url: string;
  readonly schema: string;
  drop(): Promise<void>;
}

/**
 * A fresh schema of this run in the BENCH_DATABASE_URL database (nothing outside it is touched), with the
 * register loaded when it is larger than the demo slice the producer loads itself. Dropped by drop().
 */
export async function benchSchema(url: string, runId: string, register: number, scratchDir: string): Promise<BenchSchema> {
  const schema = `rp_bench_${runId}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await admin.end();
  }
  if (register > DEMO_REGISTER) {
    log(`loading the ${register.toLocaleString('en')}-person register into PostgreSQL schema ${schema}`);
    const db = await openDatabase({ dataDir: scratchDir, databaseUrl: url }, createLogger('warn'), { ...SCHEMA, pgSchema: schema });
    try {
      await loadRegister(db, { seed: DEMO_SEED, count: register });
    } finally {
      await db.close();
    }
  }
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: u.toString(),
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The file system of PostgreSQL's data directory, when the server tells (it needs pg_read_all_settings) and it is on this machine. */
export async function postgresFilesystem(url: string, filesystemOf: (file: string) => string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const dir = String(((await c.query('SHOW data_directory')) as { rows: Array<{ data_directory: string }> }).rows[0]?.data_directory ?? '');
    return dir && fs.existsSync(dir) ? filesystemOf(dir) : 'unknown';
  } catch {
    return 'unknown';
  } finally {
    await c.end();
  }
}
