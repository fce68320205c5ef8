/**
 * Personal fields in log objects (src/log.ts, censorPersonal): censored at the top of a log object and one
 * level inside any of its values, in child bindings too, without changing the caller's objects; and at
 * a cost per request line close to that of a line with no censoring at all (pino's own `redact` with
 * `*.` paths cost several times the line itself, docs/performance.md).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createLogger } from '../src/log.js';

function capture(): { lines: Array<Record<string, unknown>>; stream: { write(s: string): void } } {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, stream: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } };
}

/** The fields of the request log line (src/transport), none of them personal. */
const requestLine = () => ({
  correlationId: 'c0a8d1e2-1111-2222-3333-444455556666',
  logId: '2e078624-6c75-4d40-a7db-2849f1b49b75',
  peer: 'SE5599999991-1001',
  consumer: 'SE5599999991-1001',
  contract: 'GetDiagnosis',
  operation: 'GetDiagnosis',
  logicalAddress: 'TEST-PRODUCER',
  outcome: 'ok',
  resultCode: 'OK',
  durationMs: 5.9,
});

describe('log redaction', () => {
  it('censors personal fields at the top and one level down, in bindings too, and leaves the rest', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', stream);
    const criteria = { familyName: 'Andersson', professionCode: 'LK' };
    log.info({ personalIdentityNumber: '191212121212', criteria, list: ['Andersson'], deep: { a: { givenName: 'Anna' } }, n: 1 }, 'x');
    log.child({ subject: { personalIdentityNumber: '191212121212' }, correlationId: 'c1' }).info({ name: 'Anna' }, 'y');
    assert.deepEqual(lines[0]!.personalIdentityNumber, '[redacted]');
    assert.deepEqual(lines[0]!.criteria, { familyName: '[redacted]', professionCode: 'LK' });
    assert.deepEqual(lines[0]!.list, ['Andersson'], 'arrays were never censored');
    assert.deepEqual(lines[0]!.deep, { a: { givenName: 'Anna' } }, 'two levels down was never censored');
    assert.equal(lines[0]!.n, 1);
    assert.deepEqual(criteria, { familyName: 'Andersson', professionCode: 'LK' }, "the caller's object is unchanged");
    assert.equal(lines[1]!.subject, '[redacted]');
    assert.equal(lines[1]!.correlationId, 'c1');
    assert.equal(lines[1]!.name, '[redacted]');
  });

  it('logs an error whole', () => {
    const { lines, stream } = capture();
    const err = Object.assign(new Error('boom'), { code: 'E1' });
    createLogger('info', stream).error({ err }, 'failed');
    const logged = lines[0]!.err as Record<string, unknown>;
    assert.equal(logged.message, 'boom');
    assert.equal(logged.code, 'E1');
    assert.match(String(logged.stack), /boom/);
  });

  it('costs a request line less than twice what the same line costs with no censoring', () => {
    const sink = { write: () => undefined };
    const ours = createLogger('info', sink);
    const bare = pino({ level: 'info', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'msg', formatters: { level: (l) => ({ level: l }) } }, sink);
    const time = (log: typeof ours) => {
      const t = process.hrtime.bigint();
      for (let i = 0; i < 20_000; i++) log.info(requestLine(), 'soap request');
      return Number(process.hrtime.bigint() - t);
    };
    time(ours);
    time(bare); // warm both
    // Alternating rounds, the fastest of each: the machine's load moves both alike.
    let best = { ours: Infinity, bare: Infinity };
    for (let round = 0; round < 5; round++) best = { ours: Math.min(best.ours, time(ours)), bare: Math.min(best.bare, time(bare)) };
    const ratio = best.ours / best.bare;
    assert.ok(ratio < 2, `a request line costs ${ratio.toFixed(2)} × a line with no censoring`);
  });
});
