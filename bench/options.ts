/**
 * `npm run bench` command line (bench/run.ts). The defaults are the full run of the record; `--quick`
 * is a smoke run (1 s per point, the 5,000-person demo register, no warm-up, a smaller case seed).
 */
import os from 'node:os';
import path from 'node:path';
import type { OperationName } from './requests.js';

export interface Options {
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
  quick: boolean;
  /** Subjects GetCaseOverview reads, each seeded with 10 cases. */
  overviewSubjects: number;
  /** Cases of the one subject whose deep pages are read (GetCaseOverview version 2 only). */
  deepCases: number;
}

export const DEMO_REGISTER = 5000;
const ALL_OPERATIONS: readonly OperationName[] = ['GetDiagnosis', 'GetDecisionSupport', 'SearchPersonnel', 'PushCaseStatus', 'GetCaseOverview'];

const USAGE = `usage: npm run bench -- [--quick] [--duration S] [--warmup S] [--workers N|auto] [--connections 1,16,64]
       [--register N] [--operations ${ALL_OPERATIONS.join(',')}] [--no-peer] [--profile] [--out DIR] [--producer main.js]
       [--deep-cases N]
PostgreSQL points too when BENCH_DATABASE_URL=postgres://… is set (the bench works in a schema of its own there).`;
const FLAGS = new Set(['--quick', '--profile', '--no-peer']);
const VALUED = new Set(['--duration', '--warmup', '--workers', '--connections', '--register', '--operations', '--out', '--producer', '--deep-cases']);

export function parseArgs(argv: string[], root: string): Options {
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
    out: path.resolve(get('out') ?? path.join(root, 'bench')),
    producer: path.resolve(get('producer') ?? path.join(root, 'dist', 'src', 'main.js')),
    operations: (get('operations')?.split(',') ?? [...ALL_OPERATIONS]).map((o) => {
      if (!(ALL_OPERATIONS as readonly string[]).includes(o)) throw new Error(`--operations: unknown operation ${o}`);
      return o as OperationName;
    }),
    peer: !argv.includes('--no-peer'),
    quick,
    overviewSubjects: quick ? 20 : 200,
    deepCases: Math.floor(num('deep-cases', quick ? 1000 : 10_000)),
  };
}
