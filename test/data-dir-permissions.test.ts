/**
 * The data directory is the service user's only (docs/deployment.md, "Data directory"): after prepare() and
 * the application's start, neither the directory nor any file in it (the SQLite database and its -wal and
 * -shm, keys.json, audit-hmac.key) has a group or other permission bit, even under umask 0; a directory that
 * already exists with wider permissions is tightened, with a log line. The tests run as root here, so they
 * check mode bits, not access.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prepare, startApplication } from '../src/app.js';
import { addEncryptionKey, ensureCaseKeys } from '../src/caseoverview/keys.js';
import { loadConfig, type Config } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { makePki } from './fixtures/pki.js';

const GROUP_AND_OTHER = 0o077;
const modeOf = (p: string) => fs.lstatSync(p).mode & 0o7777;
const octal = (m: number) => m.toString(8).padStart(4, '0');

/** Every path under `dir` (and `dir`) with group or other bits set, as "path mode". */
function widePaths(dir: string): string[] {
  const wide: string[] = [];
  const visit = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    if ((st.mode & GROUP_AND_OTHER) !== 0) wide.push(`${p} ${octal(st.mode & 0o7777)}`);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return wide;
}

let root: string;
let certsDir: string;
let umask: number;
const lines: Array<Record<string, unknown>> = [];
const logger = createLogger('info', { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
const configFor = (dataDir: string): Config =>
  loadConfig({ PRODUCER_CERTS_DIR: certsDir, PRODUCER_DATA_DIR: dataDir, PRODUCER_PORT: '0', PRODUCER_HOST: '127.0.0.1', PRODUCER_DEMO_DATA: 'false' });

before(async () => {
  // The most permissive umask: whatever stays private below is private because the producer made it so.
  umask = process.umask(0);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-perm-'));
  certsDir = await makePki(path.join(root, 'certs'));
});
after(() => {
  process.umask(umask);
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a new data directory', () => {
  it('is 0700 and every file the producer writes in it is owner-only, -wal and -shm included', async () => {
    const config = configFor(path.join(root, 'fresh', 'data'));
    const db = await prepare(config, logger);
    const app = await startApplication(config, logger, db); // creates audit-hmac.key
    try {
      addEncryptionKey(config.keysFile); // key rotation rewrites keys.json through a temporary file
      const names = fs.readdirSync(config.dataDir).sort();
      for (const f of ['producer.sqlite', 'producer.sqlite-wal', 'producer.sqlite-shm', 'keys.json', 'audit-hmac.key']) {
        assert.ok(names.includes(f), `${f} in ${names.join(', ')}`);
      }
      assert.deepEqual(widePaths(config.dataDir), []);
      assert.equal(modeOf(config.dataDir), 0o700);
      for (const f of names) assert.equal(modeOf(path.join(config.dataDir, f)), 0o600, f);
    } finally {
      await app.close();
      await db.close();
    }
  });
});

describe('an existing data directory with wider permissions', () => {
  it('is tightened, with its files, and the tightening is logged; a symbolic link’s target is left alone', async () => {
    const dataDir = path.join(root, 'old', 'data');
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    const config = configFor(dataDir);
    // As an earlier version left them: readable by everyone.
    ensureCaseKeys(config.keysFile);
    fs.writeFileSync(path.join(dataDir, 'audit-hmac.key'), 'ab'.repeat(32) + '\n', { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, 'producer.sqlite'), '', { mode: 0o644 });
    fs.chmodSync(config.keysFile, 0o644);
    fs.chmodSync(dataDir, 0o755);
    // A mounted secret (a link to a file outside) is not the producer's to change.
    const outside = path.join(root, 'mounted-secret');
    fs.writeFileSync(outside, 'x', { mode: 0o644 });
    fs.symlinkSync(outside, path.join(dataDir, 'secret-link'));
    assert.ok(widePaths(dataDir).length >= 4);

    lines.length = 0;
    const db = await prepare(config, logger);
    try {
      assert.deepEqual(widePaths(dataDir), []);
      assert.equal(modeOf(dataDir), 0o700);
      for (const f of ['producer.sqlite', 'producer.sqlite-wal', 'producer.sqlite-shm', 'keys.json', 'audit-hmac.key']) {
        assert.equal(modeOf(path.join(dataDir, f)) & GROUP_AND_OTHER, 0, f);
      }
      assert.equal(modeOf(outside), 0o644);
      const logged = lines
        .filter((l) => l.level === 'warn' && /removed group and other permissions/.test(String(l.msg)))
        .flatMap((l) => l.tightened as Array<{ path: string; mode: string }>);
      assert.deepEqual(
        logged.map((t) => `${path.relative(root, t.path)} ${t.mode}`).sort(),
        ['old/data 0755', 'old/data/audit-hmac.key 0644', 'old/data/keys.json 0644', 'old/data/producer.sqlite 0644'],
      );
    } finally {
      await db.close();
    }
  });
});
