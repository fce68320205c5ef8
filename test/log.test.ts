/**
 * The logger's default destination (src/log.ts): stdout, buffered. Each case runs a child process, because
 * what matters is what reaches the real stdout: promptly while the process idles, and all of it on exit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const LOG_MODULE = pathToFileURL(path.join(import.meta.dirname, '..', 'src', 'log.js')).href;

function run(script: string): { lines: Array<Record<string, unknown>>; status: number | null } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { createLogger } from '${LOG_MODULE}';\n${script}`], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.stderr, '');
  const lines = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines, status: r.status };
}

test('a line reaches stdout while the process is still running (the flush timer, not the exit)', () => {
  // The child logs once, then writes a marker straight to stdout 500 ms later (well past the flush
  // interval) and exits; a line held until exit would come after the marker.
  const { lines } = run(`
    const log = createLogger('info');
    log.info({ n: 1 }, 'first');
    setTimeout(() => { process.stdout.write(JSON.stringify({ marker: true }) + '\\n'); process.exit(0); }, 500);
  `);
  assert.deepEqual(
    lines.map((l) => l.msg ?? (l.marker ? 'marker' : '?')),
    ['first', 'marker'],
  );
});

test('every buffered line is written when the process exits at once, also through process.exit after a fatal error', () => {
  const { lines, status } = run(`
    const log = createLogger('info');
    for (let i = 0; i < 500; i++) log.info({ i }, 'line');
    log.fatal('failed to start');
    process.exit(1);
  `);
  assert.equal(status, 1);
  assert.equal(lines.length, 501);
  assert.deepEqual(
    lines.slice(0, 500).map((l) => l.i),
    Array.from({ length: 500 }, (_, i) => i),
  );
  assert.equal(lines[500]!.level, 'fatal');
});

test('two loggers in one process share the buffer, so their lines keep the order they were logged in', () => {
  const { lines } = run(`
    const a = createLogger('info');
    const b = createLogger('info');
    a.info('1'); b.info('2'); a.info('3'); b.info('4');
    process.exit(0);
  `);
  assert.deepEqual(
    lines.map((l) => l.msg),
    ['1', '2', '3', '4'],
  );
});

test('personal fields are still redacted on the buffered destination', () => {
  const { lines } = run(`
    const log = createLogger('info');
    log.info({ subject: { personalIdentityNumber: '191212121212' }, familyName: 'Andersson' }, 'x');
  `);
  assert.equal(lines.length, 1);
  assert.doesNotMatch(JSON.stringify(lines[0]), /191212121212|Andersson/);
});
