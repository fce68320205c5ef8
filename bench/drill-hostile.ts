/**
 * `npm run drill:hostile -- [--quick] [--section connections]`: hostile callers against the real
 * application (all services, SQLite, demo data, started in this process on a free port over mutual
 * TLS), printing figures beside the configured limits. test/hostile-transport.test.ts asserts the same
 * behaviour with small limits; this drill shows the figures at the defaults.
 *
 * Sections run in turn; each is a DrillSection that starts what it needs and returns tables, which
 * main() prints: `connections` (here) and `bodies` (bench/drill-bodies.ts). A new section is one more
 * entry in SECTIONS.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { drillBodies } from './drill-bodies.js';
import type { DrillOptions, DrillSection, DrillTable } from './drill-table.js';
import { startTestApp, type TestApp } from '../test/helpers/app-fixture.js';
import {
  authenticatedSocket,
  captureClientHello,
  credsFor,
  lifetime,
  midHandshake,
  pingOnce,
  silentStream,
  singleConnectionAgent,
  type ClientCreds,
} from '../test/helpers/hostile-clients.js';



/** Stated deviation from the defaults: the default keep-alive (60 s) would make the idle rows a minute long. */
const DRILL_KEEPALIVE_MS = 10_000;

const SECTIONS: ReadonlyArray<readonly [string, DrillSection]> = [
  ['connections', drillConnections],
  ['bodies', drillBodies],
];

function ms(x: number): string {
  return x === Infinity ? 'kept (given up)' : `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;
}

function spread(values: number[]): { min: string; median: string; p99: string; max: string } {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))] ?? NaN;
  return { min: ms(v[0] ?? NaN), median: ms(at(0.5)), p99: ms(at(0.99)), max: ms(v.at(-1) ?? NaN) };
}

/** rivta_connections_dropped_total by reason, from the application's own metrics. */
async function drops(t: TestApp): Promise<Record<string, number>> {
  const metric = await t.app.metrics.registry.getSingleMetric('rivta_connections_dropped_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels.reason), v.value]));
}

/**
 * The kernel's count of connections its listen queues could not hold (Linux, the whole machine): those
 * never reach the producer. The client sees them connected; the kernel drops them after its SYN-ACK retries.
 */
function listenOverflows(): number | undefined {
  try {
    const lines = fs.readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const [names, values] = lines.map((l) => l.split(/\s+/));
    const i = names!.indexOf('ListenOverflows');
    return i > 0 ? Number(values![i]) : undefined;
  } catch {
    return undefined;
  }
}

/** `attempts` single attempts by a real client, one after another `gapMs` apart: the times of those that succeeded. */
async function realAttempts(t: TestApp, creds: ClientCreds, attempts: number, gapMs: number): Promise<{ times: number[]; failed: number }> {
  const times: number[] = [];
  let failed = 0;
  for (let i = 0; i < attempts; i++) {
    try {
      const r = await pingOnce(t.port, creds);
      if (r.status === 200) times.push(r.ms);
      else failed++;
    } catch {
      failed++;
    }
    await sleep(gapMs);
  }
  return { times, failed };
}

/**
 * Connections before identity and idle authenticated connections: a real client's single attempt with
 * and without a stream of never-speaking sockets, and how long the server kept each kind of hostile socket.
 */
export async function drillConnections(options: DrillOptions): Promise<DrillTable[]> {
  const t = await startTestApp({ PRODUCER_KEEPALIVE_TIMEOUT_MS: String(DRILL_KEEPALIVE_MS) });
  try {
    const { handshakeTimeoutMs, maxPendingHandshakes, maxConnections, keepAliveTimeoutMs } = t.config.limits;
    const creds = credsFor(t.certsDir, 'journal-system');
    const hello = await captureClientHello();
    const attempts = options.quick ? 5 : 15;
    await realAttempts(t, creds, 3, 0); // warm

    const attemptRows: Array<Array<string | number>> = [];
    const streamRows: Array<Array<string | number>> = [];
    const keptRows: Array<Array<string | number>> = [];
    const attemptRow = (condition: string, r: { times: number[]; failed: number }) => {
      const s = spread(r.times);
      attemptRows.push([condition, r.times.length + r.failed, r.failed, s.min, s.median, s.max]);
    };
    const keptRow = (kind: string, lifetimes: number[], configured: string) => {
      const s = spread(lifetimes);
      keptRows.push([kind, lifetimes.length, s.min, s.median, s.p99, s.max, configured]);
    };

    attemptRow('no hostile load', await realAttempts(t, creds, attempts, 100));

    for (const perSecond of options.quick ? [500] : [500, 2000]) {
      const dropsBefore = await drops(t);
      const overflowsBefore = listenOverflows();
      const stream = silentStream(t.port, { perTick: perSecond / 100, tickMs: 10, giveUpMs: 3 * handshakeTimeoutMs });
      // let the stream overrun the pending cap before the real client tries
      while (stream.opened() < 2 * maxPendingHandshakes) await sleep(10);
      const real = await realAttempts(t, creds, attempts, 200);
      const opened = stream.opened();
      const lifetimes = await stream.stop();
      const dropsAfter = await drops(t);
      const overflowsAfter = listenOverflows();
      const delta = (reason: string) => (dropsAfter[reason] ?? 0) - (dropsBefore[reason] ?? 0);
      attemptRow(`during ${perSecond} never-speaking sockets/s (${opened} opened)`, real);
      const s = spread(lifetimes);
      streamRows.push([
        `${perSecond}/s`,
        lifetimes.length,
        delta('pending_evicted'),
        delta('handshake_timeout'),
        overflowsBefore === undefined || overflowsAfter === undefined ? 'n/a' : overflowsAfter - overflowsBefore,
        lifetimes.filter((x) => x === Infinity).length,
        s.min,
        s.median,
        s.p99,
        s.max,
      ]);
    }

    const giveUp = 3 * handshakeTimeoutMs;
    const n = options.quick ? 3 : 10;
    const times = (open: () => Promise<number>) => Promise.all(Array.from({ length: n }, open));
    const [half, trickled, silentAfterHello] = await Promise.all([
      times(() => midHandshake.partialHello(t.port, hello, giveUp)),
      times(() => midHandshake.trickledHello(t.port, hello, 200, giveUp)),
      times(() => midHandshake.helloThenSilence(t.port, hello, giveUp)),
    ]);
    const handshake = `handshake ${handshakeTimeoutMs} ms`;
    keptRow('half a ClientHello, then silence', half, handshake);
    keptRow('ClientHello trickled, a byte per 200 ms', trickled, handshake);
    keptRow('whole ClientHello, then silence', silentAfterHello, handshake);

    const idleGiveUp = 3 * keepAliveTimeoutMs;
    const never = await Promise.all(Array.from({ length: n }, () => authenticatedSocket(t.port, creds, idleGiveUp)));
    const afterRequest = await Promise.all(
      Array.from({ length: n }, async () => {
        const agent = singleConnectionAgent(creds);
        const r = await pingOnce(t.port, creds, agent);
        const life = await lifetime(r.socket, idleGiveUp);
        agent.destroy();
        return life;
      }),
    );
    const keepAlive = `keep-alive ${keepAliveTimeoutMs} ms`;
    keptRow('authenticated, never sent a request', await Promise.all(never.map((s) => s.lifetime)), keepAlive);
    keptRow('authenticated, idle after a request (from its response)', afterRequest, keepAlive);

    const limits =
      `handshake timeout ${handshakeTimeoutMs} ms, pending-handshake cap ${maxPendingHandshakes}, ` +
      `connection cap ${maxConnections}, keep-alive ${keepAliveTimeoutMs} ms (default 60000; shortened for the drill)`;
    return [
      {
        title: "A real client's single attempt (mutual TLS on a new connection, PingForConfiguration)",
        columns: ['condition', 'attempts', 'failed', 'min', 'median', 'max'],
        rows: attemptRows,
        notes: [limits, 'The hostile sockets are opened by this same process, so they also take CPU from the server.'],
      },
      {
        title: 'Streams of never-speaking sockets: who closed them, and how long they lived (from connect to close, seen by the client)',
        columns: ['rate', 'opened', 'evicted (pending cap)', 'timed out (deadline)', 'kernel listen-queue overflows', `open at ${3 * handshakeTimeoutMs} ms`, 'min', 'median', 'p99', 'max'],
        rows: streamRows,
        notes: [
          `Configured: handshake timeout ${handshakeTimeoutMs} ms, pending-handshake cap ${maxPendingHandshakes}.`,
          'Listen-queue overflows are counted by the kernel for the whole machine. A connection it could not queue reaches the producer ' +
            'late or never (the kernel retries its SYN-ACK, then drops it); the client sees it connected all the while, and one never ' +
            'accepted stays open on the client until the client gives up (the "open at" column).',
        ],
      },
      {
        title: 'How long the server kept each other kind of hostile socket (from connect to close, seen by the client)',
        columns: ['socket', 'count', 'min', 'median', 'p99', 'max', 'configured'],
        rows: keptRows,
      },
    ];
  } finally {
    await t.close();
  }
}

function printTable(table: DrillTable): void {
  const cells = [table.columns, ...table.rows].map((r) => r.map(String));
  const widths = table.columns.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${table.title}\n`);
  console.log(line(cells[0]!));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of cells.slice(1)) console.log(line(r));
  for (const note of table.notes ?? []) console.log(`\n${note}`);
}

async function main(argv: string[]): Promise<void> {
  const options: DrillOptions = { quick: argv.includes('--quick') };
  const i = argv.indexOf('--section');
  const only = i >= 0 ? argv[i + 1] : undefined;
  const sections = SECTIONS.filter(([name]) => only === undefined || name === only);
  if (sections.length === 0) throw new Error(`unknown section ${only}; sections: ${SECTIONS.map(([n]) => n).join(', ')}`);
  for (const [name, section] of sections) {
    const started = performance.now();
    console.log(`\n## ${name}`);
    for (const table of await section(options)) printTable(table);
    console.log(`\n(${name}: ${Math.round((performance.now() - started) / 1000)} s)`);
  }
}

// run only as the entry point, so another section's module can import the types above
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
