/**
 * The shapes of bench/results.json (fixed: tools read it) and the Markdown report with the performance
 * targets of docs/design.md judged from the figures.
 */
import type { ProfileSummary } from './profile.js';

export type Engine = 'sqlite' | 'postgres';

export interface OperationEntry {
  name: string;
  engine: Engine;
  /** False only for the durability-off points (the bench-only switch); every other entry is durable. */
  durable: boolean;
  connections: number;
  rps: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  errors: number;
  non2xx: number;
  logical_errors: number;
  ratio_to_baseline: number;
  /** The baseline point measured just before this one, at the same connection count, that the ratio divides by. */
  baseline_rps: number;
  baseline_p99_ms: number;
  /** GetCaseOverview: how many cases each subject read has. */
  cases_per_subject?: number;
}

interface FsyncFigure {
  p50_ms: number;
  filesystem: string;
}

export interface BenchResults {
  machine: { cpus: number; node: string; workers: number };
  baseline: Array<{ connections: number; rps: number; p50_ms: number; p99_ms: number }>;
  /** What one durable commit costs, per engine (bench/fsync.ts), measured beside the 1-connection points. */
  fsync: Partial<Record<Engine, FsyncFigure>>;
  operations: OperationEntry[];
  peers: Array<{ name: string; operation: string; connections: number; rps: number; p99_ms: number }>;
}

export interface ReportContext {
  readonly durationSeconds: number;
  readonly register: number;
  readonly skipped: readonly string[];
  readonly wallSeconds: number;
  readonly cpuModel: string;
  readonly profile?: ProfileSummary | undefined;
  /** The results.json this run replaces (same --out), for the before/after table. */
  readonly previous?: BenchResults | undefined;
  /** GetCaseOverview's major version this run read (2: maxResults 10 and continuation). */
  readonly overviewMajor?: 1 | 2 | undefined;
  /** Why the 10 against 10,000 cases row was not measured, when it was not. */
  readonly deepNotMeasured?: string | undefined;
}

export interface TargetVerdict {
  readonly target: string;
  readonly measured: string;
  /** Undefined: not measured in this run (`measured` then says why). */
  readonly met: boolean | undefined;
}

const TARGET_CONNECTIONS = 16;
const FULL_REGISTER = 500_000;
/** The operations whose every answer waits for a durable write (an audit entry or the push itself). */
export const DURABLE_OPERATIONS: readonly string[] = ['SearchPersonnel', 'PushCaseStatus', 'GetCaseOverview'];
const DEFAULT_CASES = 10;

/** Entries are one point each: an operation, engine, durability, cases per subject and connection count. */
function entryKey(o: Pick<OperationEntry, 'name' | 'engine' | 'durable' | 'connections' | 'cases_per_subject'>): string {
  return `${o.name}|${o.engine}|${o.durable ? 'durable' : 'off'}|${o.cases_per_subject ?? ''}|${o.connections}`;
}

/**
 * The targets of docs/design.md (Performance targets), judged from the figures of one run, per
 * engine: every target gets a verdict, or "not measured: why".
 */
export function judgeTargets(r: BenchResults, ctx: Pick<ReportContext, 'register' | 'overviewMajor' | 'deepNotMeasured'>): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  const engines = [...new Set(r.operations.map((o) => o.engine))];
  if (engines.length === 0) engines.push('sqlite');
  for (const engine of engines) {
    const tag = engines.length > 1 || engine !== 'sqlite' ? ` [${engine}]` : '';
    const find = (name: string, c: number, durable = true, cases?: number) =>
      r.operations.find(
        (o) => o.name === name && o.engine === engine && o.connections === c && o.durable === durable && (cases === undefined || (o.cases_per_subject ?? DEFAULT_CASES) === cases),
      );
    const notMeasured = (target: string, why: string): TargetVerdict => ({ target: target + tag, measured: `not measured: ${why}`, met: undefined });
    for (const name of ['GetDiagnosis', 'GetDecisionSupport']) {
      const target = `${name}: ≥ 25 % of the adjacent baseline's req/s at 16 connections, p99 ≤ 4 × the adjacent baseline's p99`;
      const o = find(name, TARGET_CONNECTIONS);
      if (!o) out.push(notMeasured(target, 'no 16-connection point in this run'));
      else {
        out.push({
          target: target + tag,
          measured: `${pct(o.ratio_to_baseline)} of ${o.baseline_rps} req/s; p99 ${ms(o.p99_ms)} against 4 × ${ms(o.baseline_p99_ms)}`,
          met: o.ratio_to_baseline >= 0.25 && o.p99_ms <= 4 * o.baseline_p99_ms,
        });
      }
    }
    for (const name of DURABLE_OPERATIONS) {
      const what = name === 'GetCaseOverview' ? `GetCaseOverview (${DEFAULT_CASES} cases per subject, maxResults 10)` : name === 'SearchPersonnel' ? 'SearchPersonnel (500k register)' : 'PushCaseStatus (each push durable)';
      const target = `${what}: ≥ 10 % of the adjacent baseline's req/s at 16 connections`;
      const o = find(name, TARGET_CONNECTIONS, true, name === 'GetCaseOverview' ? DEFAULT_CASES : undefined);
      if (!o) out.push(notMeasured(target, 'no 16-connection point in this run'));
      else if (name === 'SearchPersonnel' && ctx.register < FULL_REGISTER) out.push(notMeasured(target, `${pct(o.ratio_to_baseline)} on a register of ${ctx.register.toLocaleString('en')}, not 500,000`));
      else {
        const read = name === 'GetCaseOverview' && ctx.overviewMajor !== 2 ? ' (read with version 1: no maxResults, the 10 cases are its whole answer)' : '';
        out.push({ target: target + tag, measured: `${pct(o.ratio_to_baseline)} of ${o.baseline_rps} req/s${read}`, met: o.ratio_to_baseline >= 0.1 });
      }
    }
    for (const name of DURABLE_OPERATIONS) {
      const target = `${name} at 1 connection: p50 ≤ p50 with durability off + 2 × the fsync p50`;
      const on = find(name, 1, true, name === 'GetCaseOverview' ? DEFAULT_CASES : undefined);
      const off = find(name, 1, false, name === 'GetCaseOverview' ? DEFAULT_CASES : undefined);
      const fsync = r.fsync[engine];
      if (!on || !off || !fsync) out.push(notMeasured(target, !on ? 'no 1-connection point in this run' : !off ? 'no durability-off point' : 'no fsync figure'));
      else {
        const bound = off.p50_ms + 2 * fsync.p50_ms;
        out.push({
          target: target + tag,
          measured: `${ms(on.p50_ms)} against ${ms(off.p50_ms)} + 2 × ${ms(fsync.p50_ms)} = ${ms(bound)}`,
          met: on.p50_ms <= bound,
        });
      }
    }
    {
      const target = 'GetCaseOverview at 16 connections, maxResults 10: p95 of a subject with 10,000 cases (random deep pages) ≤ 2 × the p95 of a subject with 10';
      const ten = find('GetCaseOverview', TARGET_CONNECTIONS, true, DEFAULT_CASES);
      const deep = r.operations.find((o) => o.name === 'GetCaseOverview' && o.engine === engine && o.connections === TARGET_CONNECTIONS && o.durable && (o.cases_per_subject ?? DEFAULT_CASES) > DEFAULT_CASES);
      if (!ten || !deep) out.push(notMeasured(target, ctx.deepNotMeasured ?? 'GetCaseOverview version 2 (maxResults, continuation) is not served by this build'));
      else {
        out.push({
          target: target + tag,
          measured: `p95 ${ms(deep.p95_ms)} (${deep.cases_per_subject!.toLocaleString('en')} cases) against 2 × ${ms(ten.p95_ms)}`,
          met: deep.p95_ms <= 2 * ten.p95_ms,
        });
      }
    }
  }
  const bad = r.operations.filter((o) => o.errors + o.non2xx + o.logical_errors > 0);
  out.push({
    target: 'Any operation: zero errors (a push counts only when its outcome is CREATED or UPDATED)',
    measured:
      bad.length === 0
        ? 'none'
        : bad
            .map((o) => `${o.name}${o.engine === 'sqlite' ? '' : ` [${o.engine}]`}${o.durable ? '' : ' (durability off)'}@${o.connections}: ${o.errors} transport, ${o.non2xx} faults, ${o.logical_errors} not done`)
            .join('; '),
    met: r.operations.length > 0 ? bad.length === 0 : undefined,
  });
  return out;
}

export function renderMarkdown(r: BenchResults, ctx: ReportContext): string {
  const lines: string[] = [];
  const engines = [...new Set(r.operations.map((o) => o.engine))];
  lines.push('# Benchmark results', '');
  lines.push(
    `Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${r.machine.cpus} × ${ctx.cpuModel}, Node ${r.machine.node}, ` +
      `${r.machine.workers} producer worker(s), ${engines.length > 0 ? engines.join(' and ') : 'sqlite'}, ${ctx.durationSeconds} s per point, keep-alive over mutual TLS, ` +
      `personnel register ${ctx.register.toLocaleString('en')}; run took ${ctx.wallSeconds} s. Load generator (autocannon), ` +
      'producer, baseline and peer share the same machine. Latency percentiles are for the steady state: the first ' +
      'response on each connection, which also waits for its TLS handshake, is counted as a request but left out of them.',
    '',
  );
  lines.push('## Baseline (raw node:https with the same TLS settings, fixed body)', '');
  lines.push('| connections | req/s | p50 ms | p99 ms |', '|---:|---:|---:|---:|');
  for (const b of r.baseline) lines.push(`| ${b.connections} | ${b.rps} | ${b.p50_ms.toFixed(2)} | ${b.p99_ms.toFixed(2)} |`);
  lines.push('', '## What a durable commit costs (fsync)', '');
  lines.push(
    'SQLite: the median of a 16 KiB write plus `fdatasync` on the database file\'s own file system; PostgreSQL: the median commit ' +
      'latency of a one-row INSERT with `synchronous_commit` on minus the same with it off. Both measured beside the 1-connection points.',
    '',
  );
  lines.push('| engine | p50 ms | file system |', '|---|---:|---|');
  for (const [engine, f] of Object.entries(r.fsync)) lines.push(`| ${engine} | ${f.p50_ms.toFixed(2)} | ${f.filesystem} |`);
  lines.push('', '## Operations', '');
  lines.push(
    'Each ratio is against the baseline point measured just before that point, at the same connection count (the columns ' +
      '"baseline"), so that drift in the machine\'s speed during the run does not enter the ratio. "durable no" is the same ' +
      'operation with durability switched off (a bench-only setting), measured right after its durable 1-connection point. ' +
      `GetCaseOverview reads subjects seeded with a fixed number of cases before timing${ctx.overviewMajor === 2 ? ', with version 2 and maxResults 10' : ', with version 1 (no paging)'}.`,
    '',
  );
  lines.push(
    '| operation | engine | durable | cases per subject | connections | req/s | p50 ms | p95 ms | p99 ms | errors | non2xx | logical errors | baseline req/s | baseline p99 ms | ratio to baseline |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const o of r.operations) {
    lines.push(
      `| ${o.name} | ${o.engine} | ${o.durable ? 'yes' : 'no'} | ${o.cases_per_subject ?? ''} | ${o.connections} | ${o.rps} | ${o.p50_ms.toFixed(2)} | ${o.p95_ms.toFixed(2)} | ${o.p99_ms.toFixed(2)} | ` +
        `${o.errors} | ${o.non2xx} | ${o.logical_errors} | ${o.baseline_rps} | ${o.baseline_p99_ms.toFixed(2)} | ${o.ratio_to_baseline.toFixed(3)} |`,
    );
  }
  if (ctx.skipped.length > 0) lines.push('', `Not served by this build, so not measured: ${ctx.skipped.join(', ')}.`);
  lines.push('', '## Peer: the `soap` npm server on GetDiagnosis', '');
  lines.push(
    'node-soap serves the same WSDL over the same mutual TLS and answers through the same GetDiagnosis domain handler and data; ' +
      'it does no XSD validation, TAK or LogicalAddress check, audit or request logging, so the comparison favours it.',
    '',
  );
  lines.push('| connections | producer req/s | producer p99 ms | soap npm req/s | soap npm p99 ms | producer / soap npm |', '|---:|---:|---:|---:|---:|---:|');
  for (const p of r.peers) {
    const o = r.operations.find((x) => x.name === p.operation && x.connections === p.connections && x.engine === 'sqlite' && x.durable);
    lines.push(
      `| ${p.connections} | ${o?.rps ?? '–'} | ${o ? o.p99_ms.toFixed(2) : '–'} | ${p.rps} | ${p.p99_ms.toFixed(2)} | ${o && p.rps > 0 ? (o.rps / p.rps).toFixed(2) : '–'} |`,
    );
  }
  lines.push('', '## Targets (docs/design.md, Performance targets)', '');
  lines.push('| target | measured | verdict |', '|---|---|---|');
  for (const t of judgeTargets(r, ctx)) {
    lines.push(`| ${t.target} | ${t.measured} | ${t.met === undefined ? 'not measured' : t.met ? 'met' : '**not met**'} |`);
  }
  if (ctx.previous) lines.push('', ...beforeAfter(ctx.previous, r));
  if (ctx.profile && ctx.profile.functions.length > 0) {
    lines.push('', '## Producer CPU profile (`--profile`: self time over the whole run, start-up included)', '');
    lines.push('By module:', '', '| module | self ms | share |', '|---|---:|---:|');
    for (const e of ctx.profile.modules) lines.push(`| ${e.fn} | ${e.selfMs} | ${pct(e.share)} |`);
    lines.push('', 'By function:', '', '| function | where | self ms | share |', '|---|---|---:|---:|');
    for (const e of ctx.profile.functions) lines.push(`| \`${e.fn}\` | ${e.where} | ${e.selfMs} | ${pct(e.share)} |`);
  }
  return lines.join('\n') + '\n';
}

/**
 * This run against the results.json it replaces: how a change moved the numbers ("record before and
 * after"). The baseline rows show how much of a difference is the machine rather than the producer.
 * Entries of an older file without engine or durability are taken as SQLite and durable.
 */
function beforeAfter(before: BenchResults, after: BenchResults): string[] {
  const lines = [
    '## Before and after (the previous results.json in the same directory, then this run)',
    '',
    '| operation | connections | req/s before | req/s after | change | p99 ms before | p99 ms after |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  const row = (name: string, c: number, b: { rps: number; p99_ms: number }, a: { rps: number; p99_ms: number }) =>
    `| ${name} | ${c} | ${b.rps} | ${a.rps} | ${b.rps > 0 ? `${a.rps >= b.rps ? '+' : ''}${(((a.rps - b.rps) / b.rps) * 100).toFixed(0)} %` : '–'} | ${b.p99_ms.toFixed(2)} | ${a.p99_ms.toFixed(2)} |`;
  for (const a of after.baseline) {
    const b = before.baseline.find((x) => x.connections === a.connections);
    if (b) lines.push(row('(baseline)', a.connections, b, a));
  }
  const norm = (o: OperationEntry): OperationEntry => ({ ...o, engine: o.engine ?? 'sqlite', durable: o.durable ?? true });
  const earlier = new Map(before.operations.map((o) => [entryKey(norm(o)), o]));
  for (const a of after.operations) {
    const b = earlier.get(entryKey(a));
    const label = `${a.name}${a.engine === 'sqlite' ? '' : ` [${a.engine}]`}${a.durable ? '' : ' (durability off)'}${a.cases_per_subject && a.cases_per_subject !== DEFAULT_CASES ? ` (${a.cases_per_subject} cases)` : ''}`;
    if (b) lines.push(row(label, a.connections, b, a));
  }
  return lines;
}

/** A previous results.json, if the file exists and has the fixed shape; anything else is ignored. */
export function readPreviousResults(file: string, read: (f: string) => string): BenchResults | undefined {
  try {
    const r = JSON.parse(read(file)) as BenchResults;
    return Array.isArray(r.baseline) && Array.isArray(r.operations) ? r : undefined;
  } catch {
    return undefined;
  }
}

function pct(f: number): string {
  return `${(f * 100).toFixed(1)} %`;
}

function ms(v: number): string {
  return `${v.toFixed(2)} ms`;
}
