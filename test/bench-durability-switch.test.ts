/**
 * The benchmark's durability switch (README, Benchmark and drills; docs/performance.md): with
 * PRODUCER_BENCH_DURABILITY=off and the exact bench marker beside it, the producer's database sessions do
 * not sync their commits (SQLite synchronous=OFF on both of its connections, PostgreSQL
 * synchronous_commit=off). Without the marker the configuration is refused and the producer does not start,
 * before it touches its data directory; a configuration file cannot turn it on at all.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BENCH_MARKER, ConfigError, loadConfig } from '../src/config.js';
import { findProjectRoot } from '../src/project-root.js';
import { openDatabase } from '../src/storage/database.js';
import { SCHEMA } from '../src/schema.js';
import { forEachEngine, silentLogger } from './helpers/engines.js';
import { SYNC_SETTING } from './helpers/sync-setting-program.js';

const mainJs = path.join(findProjectRoot(), 'dist', 'src', 'main.js');
const OFF = { PRODUCER_BENCH_DURABILITY: 'off' };

describe('bench durability switch: the configuration', () => {
  it('is refused without the exact bench marker', () => {
    assert.throws(() => loadConfig(OFF), ConfigError);
    assert.throws(() => loadConfig({ ...OFF, PRODUCER_BENCH_MARKER: 'yes' }), ConfigError);
    assert.throws(() => loadConfig({ ...OFF, PRODUCER_BENCH_MARKER: `${BENCH_MARKER} ` }), ConfigError);
    assert.throws(() => loadConfig({ PRODUCER_BENCH_DURABILITY: 'maybe', PRODUCER_BENCH_MARKER: BENCH_MARKER }), ConfigError);
  });

  it('is honoured with the marker, and durable is the default', () => {
    assert.equal(loadConfig({ ...OFF, PRODUCER_BENCH_MARKER: BENCH_MARKER }).benchNoDurability, true);
    assert.equal(loadConfig({}).benchNoDurability, false);
    assert.equal(loadConfig({ PRODUCER_BENCH_DURABILITY: 'on' }).benchNoDurability, false);
    // the marker alone changes nothing
    assert.equal(loadConfig({ PRODUCER_BENCH_MARKER: BENCH_MARKER }).benchNoDurability, false);
  });

  it('cannot come from a configuration file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-switch-'));
    try {
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(file, JSON.stringify({ benchDurability: 'off', benchNoDurability: true, PRODUCER_BENCH_DURABILITY: 'off' }));
      assert.equal(loadConfig({ PRODUCER_CONFIG: file, PRODUCER_BENCH_MARKER: BENCH_MARKER }).benchNoDurability, false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bench durability switch: the producer refuses to start with it', { skip: fs.existsSync(mainJs) ? false : 'dist/src/main.js not built' }, () => {
  it('exits 1 with one fatal line and leaves its data directory untouched', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-switch-'));
    try {
      const dataDir = path.join(dir, 'data');
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...OFF, PRODUCER_DATA_DIR: dataDir, PRODUCER_CERTS_DIR: path.join(dir, 'certs'), PRODUCER_PORT: '0', PRODUCER_ADMIN_PORT: '0' };
      const child = spawn(process.execPath, [mainJs], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      // A producer that starts anyway is killed after this long (far longer than a refusal takes).
      const started = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      clearTimeout(started);
      assert.equal(code, 1, out);
      assert.match(out, /refusing to start/);
      assert.match(out, /PRODUCER_BENCH_DURABILITY=off is a benchmark-only setting/);
      assert.ok(!fs.existsSync(dataDir), 'the data directory was created');
      assert.ok(!fs.existsSync(path.join(dir, 'certs')), 'the development PKI was generated');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

forEachEngine('bench durability switch: the database sessions', (engine) => {
  it('sync every commit by default, and not with the switch', async () => {
    const expected = engine.engine === 'sqlite' ? { durable: '2', off: '0' } : { durable: 'on', off: 'off' };
    const { db, config, openOptions } = await engine.open();
    const off = await openDatabase({ ...config, benchNoDurability: true }, silentLogger, { ...openOptions, migrate: false });
    try {
      for (const [handle, want] of [[db, expected.durable], [off, expected.off]] as const) {
        // the event-loop thread's connection, and (SQLite) the database thread's
        assert.equal(await handle.read((sql) => SYNC_SETTING.run(sql, engine.engine)), want);
        assert.equal(await handle.readProgram(SYNC_SETTING, engine.engine), want);
      }
    } finally {
      await off.close();
    }
  });

  if (engine.engine === 'postgres') {
    it('keeps session options the URL carries (the bench puts its schema there)', async () => {
      const { config, openOptions } = await engine.open();
      const url = new URL(config.databaseUrl!);
      url.searchParams.set('options', `-c search_path=${openOptions.pgSchema!}`);
      const off = await openDatabase({ ...config, databaseUrl: url.toString(), benchNoDurability: true }, silentLogger, { ...SCHEMA, migrate: false });
      try {
        assert.equal(await off.read((sql) => SYNC_SETTING.run(sql, 'postgres')), 'off');
        const rows = (await off.read((sql) => sql.query('SHOW search_path'))) as Array<{ search_path: string }>;
        assert.equal(rows[0]!.search_path, openOptions.pgSchema);
      } finally {
        await off.close();
      }
    });
  }
});
