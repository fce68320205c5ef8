/**
 * Hostile callers before and just after identity (README, "Connections before identity"): sockets that
 * never start TLS, stop in the middle of the handshake, or hold authenticated connections idle must
 * neither lock a real client out nor be kept past their configured timeout. The whole application runs
 * with small limits; every figure is asserted against those limits with a wide margin.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type https from 'node:https';
import { Writable } from 'node:stream';
import { createLogger } from '../src/log.js';
import { createDropLog } from '../src/transport/connection-guard-log.js';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';
import {
  authenticatedSocket,
  captureClientHello,
  credsFor,
  lifetime,
  midHandshake,
  pingOnce,
  requestInFlight,
  silentStream,
  singleConnectionAgent,
  type ClientCreds,
} from './helpers/hostile-clients.js';

/** The longest the server may take to act on a timeout of `ms`: twice the timeout plus a second, for a loaded machine. */
const bound = (ms: number) => 2 * ms + 1000;
/** How long a client waits before it counts a socket as kept (Infinity) and closes it itself. */
const giveUp = (ms: number) => bound(ms) + 500;

/** '' when every lifetime is within bound(limitMs), else what was kept too long. */
function lateOnes(lifetimes: number[], limitMs: number, what: string): string {
  const late = lifetimes.filter((ms) => ms > bound(limitMs));
  if (late.length === 0) return '';
  const shown = late.slice(0, 5).map((ms) => (ms === Infinity ? 'still open' : `${Math.round(ms)} ms`));
  return `${late.length} of ${lifetimes.length} ${what} were kept longer than ${bound(limitMs)} ms (configured ${limitMs} ms): ${shown.join(', ')}`;
}

function assertAllWithin(lifetimes: number[], limitMs: number, what: string): void {
  const late = lateOnes(lifetimes, limitMs, what);
  assert.equal(late, '', late);
}

describe('connections before identity', () => {
  const HANDSHAKE_MS = 600;
  const PENDING = 16;
  const MAX_CONNECTIONS = 8;
  let t: TestApp;
  let creds: ClientCreds;
  let hello: Buffer;
  const agents: https.Agent[] = [];
  /** rivta_connections_dropped_total for one reason, from the application's own metrics. */
  const dropped = async (reason: string): Promise<number> => {
    const metric = await t.app.metrics.registry.getSingleMetric('rivta_connections_dropped_total')!.get();
    return metric.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  };

  before(async () => {
    t = await startTestApp({
      PRODUCER_DEMO_DATA: 'false',
      PRODUCER_HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_MS),
      PRODUCER_MAX_PENDING_HANDSHAKES: String(PENDING),
      PRODUCER_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      // long, so that only the connection cap can close the idle connections of the eviction tests
      PRODUCER_KEEPALIVE_TIMEOUT_MS: '30000',
      PRODUCER_HEADERS_TIMEOUT_MS: '10000',
      PRODUCER_SHUTDOWN_TIMEOUT_MS: '20000',
    });
    creds = credsFor(t.certsDir, 'journal-system');
    hello = await captureClientHello();
    assert.equal((await pingOnce(t.port, creds)).status, 200); // warm: the first request compiles and caches
  });
  after(async () => {
    for (const a of agents) a.destroy();
    await t?.close();
  });

  it('a sustained stream of sockets that never send a ClientHello does not lock a real client out, and each is closed by the handshake deadline', async () => {
    // about 100 sockets a second: the pending cap is overrun within a fraction of the deadline
    const stream = silentStream(t.port, { perTick: 2, tickMs: 20, giveUpMs: giveUp(HANDSHAKE_MS) });
    const evictedBefore = await dropped('pending_evicted');
    let lifetimes: number[];
    try {
      while (stream.opened() < 2 * PENDING) await sleep(10);
      const attempt = await pingOnce(t.port, creds); // one attempt, no retry: a reset fails the test
      assert.equal(attempt.status, 200, attempt.body);
      assert.ok(attempt.ms < 5 * HANDSHAKE_MS, `the real client's attempt took ${Math.round(attempt.ms)} ms`);
      while (stream.opened() < 10 * PENDING) await sleep(10);
    } finally {
      lifetimes = await stream.stop();
    }
    assertAllWithin(lifetimes, HANDSHAKE_MS, 'never-speaking sockets');
    // the pending cap, not only the deadline, closed them: most made room for newer ones
    const evicted = (await dropped('pending_evicted')) - evictedBefore;
    assert.ok(evicted >= lifetimes.length / 2, `${evicted} of ${lifetimes.length} evicted from the pending cap`);
  });

  it('sockets that stop in the middle of the handshake are closed by the deadline, however slowly they trickle', async () => {
    const g = giveUp(HANDSHAKE_MS);
    const timedOutBefore = await dropped('handshake_timeout');
    const kinds = {
      'half a ClientHello': () => midHandshake.partialHello(t.port, hello, g),
      'a ClientHello trickled a byte at a time': () => midHandshake.trickledHello(t.port, hello, HANDSHAKE_MS / 6, g),
      'a whole ClientHello, then silence': () => midHandshake.helloThenSilence(t.port, hello, g),
    };
    const results = await Promise.all(Object.entries(kinds).map(async ([kind, open]) => [kind, await Promise.all([open(), open(), open()])] as const));
    const late = results.map(([kind, lifetimes]) => lateOnes(lifetimes, HANDSHAKE_MS, `sockets sending ${kind}`)).filter(Boolean);
    assert.deepEqual(late, []);
    assert.equal((await dropped('handshake_timeout')) - timedOutBefore, 9, 'each counted as a handshake timeout');
  });

  it('authenticated connections held idle up to the cap do not lock a new client out: the one idle longest is closed', async () => {
    // the oldest: completed mutual TLS and never sent a request
    const silent = await authenticatedSocket(t.port, creds, giveUp(30_000));
    const held: Array<{ socket: import('node:net').Socket; life: Promise<number> }> = [];
    for (let i = 1; i < MAX_CONNECTIONS; i++) {
      const agent = singleConnectionAgent(creds);
      agents.push(agent);
      const r = await pingOnce(t.port, creds, agent);
      assert.equal(r.status, 200);
      held.push({ socket: r.socket, life: lifetime(r.socket, giveUp(30_000)) });
    }
    const evictedBefore = await dropped('idle_evicted');
    const fresh = await pingOnce(t.port, creds); // a single attempt on a new connection
    assert.equal(fresh.status, 200, fresh.body);
    const closedAfter = await Promise.race([silent.lifetime, sleep(bound(HANDSHAKE_MS), Infinity)]);
    assert.ok(closedAfter < Infinity, 'the connection idle the longest was closed to make room');
    assert.ok(
      held.every((h) => !h.socket.destroyed),
      'the other idle connections stay open',
    );
    assert.equal((await dropped('idle_evicted')) - evictedBefore, 1);
    for (const h of held) h.socket.destroy();
  });

  it('when every authenticated connection has a request in flight, a new one is refused and none in flight is cut', async () => {
    const inFlight = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const agent = singleConnectionAgent(creds);
      agents.push(agent);
      inFlight.push(await requestInFlight(t.port, agent));
    }
    const refusedBefore = await dropped('refused_full');
    await assert.rejects(pingOnce(t.port, creds), 'refused while every connection is busy');
    assert.equal((await dropped('refused_full')) - refusedBefore, 1);
    assert.ok(
      inFlight.every((r) => !r.socket.destroyed),
      'no connection with a request in flight was closed',
    );
    // every request still completes; its connection then idles and can make room (control)
    assert.deepEqual(await Promise.all(inFlight.map((r) => r.finish())), Array(MAX_CONNECTIONS).fill(200));
    assert.equal((await pingOnce(t.port, creds)).status, 200);
  });

  // last: it closes the producer (after() then closes the rest of the application)
  it('a graceful close does not wait for connections still in the handshake or idle ones that never sent a request', async () => {
    const silent = midHandshake.partialHello(t.port, hello, giveUp(10_000));
    const idle = await authenticatedSocket(t.port, creds, giveUp(10_000));
    await sleep(50); // both accepted
    const started = performance.now();
    await t.app.producer.close();
    const ms = performance.now() - started;
    // the headers timeout (10 s) or the shutdown timeout (20 s) would otherwise be what ends them
    assert.ok(ms < bound(HANDSHAKE_MS), `close took ${Math.round(ms)} ms`);
    assertAllWithin([await silent, await idle.lifetime], HANDSHAKE_MS, 'connections at close');
  });
});

describe('idle authenticated connections', () => {
  const KEEPALIVE_MS = 800;
  let t: TestApp;
  let creds: ClientCreds;
  let agent: https.Agent;

  before(async () => {
    t = await startTestApp({
      PRODUCER_DEMO_DATA: 'false',
      PRODUCER_KEEPALIVE_TIMEOUT_MS: String(KEEPALIVE_MS),
      // far longer than the keep-alive timeout, so that it is the keep-alive rule that closes them
      PRODUCER_HEADERS_TIMEOUT_MS: '10000',
    });
    creds = credsFor(t.certsDir, 'journal-system');
    agent = singleConnectionAgent(creds);
  });
  after(async () => {
    agent?.destroy();
    await t?.close();
  });

  it('are closed after the keep-alive timeout, after a request and also when none was ever sent', async () => {
    const never = await authenticatedSocket(t.port, creds, giveUp(KEEPALIVE_MS));
    const r = await pingOnce(t.port, creds, agent);
    assert.equal(r.status, 200);
    const afterRequest = lifetime(r.socket, giveUp(KEEPALIVE_MS));
    assertAllWithin([await never.lifetime], KEEPALIVE_MS, 'connections that never sent a request');
    assertAllWithin([await afterRequest], KEEPALIVE_MS, 'connections idle after a request');
  });
});

describe('log lines for dropped connections', () => {
  it('one line per reason per interval, carrying how many went unlogged', () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
        cb();
      },
    });
    const log = createDropLog(createLogger('info', sink), 60_000);
    for (let i = 0; i < 1000; i++) log({ reason: 'pending_evicted', peer: '10.0.0.1', ageMs: i });
    log({ reason: 'handshake_timeout', peer: '10.0.0.2', ageMs: 600 });
    assert.deepEqual(
      lines.map((l) => [l.msg, l.connectionDrop, l.unloggedSinceLastLine]),
      [
        ['connection dropped', 'pending_evicted', 0],
        ['connection dropped', 'handshake_timeout', 0],
      ],
    );
    const every = createDropLog(createLogger('info', sink), 0);
    lines.length = 0;
    every({ reason: 'idle_evicted', peer: undefined, ageMs: 1 });
    every({ reason: 'idle_evicted', peer: undefined, ageMs: 2 });
    assert.equal(lines.length, 2);
  });
});
