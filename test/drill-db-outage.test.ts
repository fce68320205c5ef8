/**
 * The database-outage drill (docs/design.md#reliability), on PostgreSQL: the producer reaches PostgreSQL through a TCP
 * proxy in this process, so the outage is simulated by cutting the proxy (every open connection is
 * dropped, every new one refused at once) without touching the shared cluster. Under load, while cut:
 * every answer that is not a success is fault RP010 with faultcode soap:Server, and /health/ready says
 * 503 with the database check false. After the proxy is restored, the same producer (no restart)
 * answers again and is ready again.
 *
 * Needs TEST_DATABASE_URL; without it the drill is skipped, except under CI=true where it fails.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startApplication, type Application } from '../src/app.js';
import { ensureCaseKeys } from '../src/caseoverview/keys.js';
import { loadConfig } from '../src/config.js';
import { loadDemoFmb } from '../src/insurancemedicine/demo.js';
import { loadDemoPersonnel } from '../src/licensetopractice/register-loader.js';
import { createLogger } from '../src/log.js';
import { startAdminServer } from '../src/ops/admin.js';
import { SCHEMA } from '../src/schema.js';
import { openDatabase, type Database } from '../src/storage/database.js';
import { findProjectRoot } from '../src/project-root.js';
import { makePki } from './fixtures/pki.js';
import { httpsCall } from './helpers/https-call.js';

const PG_URL = process.env.TEST_DATABASE_URL;
const ROOT = findProjectRoot();
const sample = (op: string) => fs.readFileSync(path.join(ROOT, 'schemas', 'interactions', `${op}Interaction`, 'samples', `${op}Request.xml`));

/** The operations under load: each reads the database on every request. */
const LOAD = [
  { role: 'journal-system', path: '/processmanagement/decisionsupport/insurancemedicine/GetDiagnosis/1/rivtabp21', body: sample('GetDiagnosis') },
  { role: 'supervisor', path: '/masterdata/organisationalresources/licensetopractice/SearchPersonnel/1/rivtabp21', body: sample('SearchPersonnel') },
];

/** A TCP proxy to PostgreSQL that can be cut (drop all, refuse new) and restored. */
class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private cut = false;
  private readonly server: net.Server;
  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      if (this.cut) return client.destroy();
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }
  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as net.AddressInfo).port)));
  }
  /** The outage: every open connection is dropped and new ones are closed on arrival. */
  cutOff(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }
  restore(): void {
    this.cut = false;
  }
  close(): Promise<void> {
    this.cutOff();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Answer {
  readonly status: number;
  readonly faultcode?: string;
  readonly code?: string;
  readonly error?: string;
}

if (!PG_URL && process.env.CI === 'true') {
  describe('database outage drill [postgres]', () => {
    it('requires TEST_DATABASE_URL in CI', () => {
      throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL drill cannot run');
    });
  });
} else if (!PG_URL) {
  process.stderr.write('# database outage drill [postgres]: SKIPPED — set TEST_DATABASE_URL=postgres://… to run it\n');
  describe('database outage drill [postgres]', { skip: 'TEST_DATABASE_URL not set' }, () => {});
} else {
  drill(PG_URL);
}

function drill(pgUrl: string): void {
  describe('database outage drill [postgres]', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-drill-db-'));
    const schema = `drill_${randomBytes(6).toString('hex')}`;
    let proxy: CuttableProxy;
    let db: Database;
    let app: Application;
    let admin: http.Server;
    let port: number;
    let adminPort: number;
    const agents = new Map<string, https.Agent>();

    before(async () => {
      const pg = new URL(pgUrl);
      proxy = new CuttableProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
      const proxied = new URL(pgUrl);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(await proxy.listen());
      const certsDir = await makePki(path.join(dir, 'certs'));
      const config = loadConfig({
        PRODUCER_CERTS_DIR: certsDir,
        PRODUCER_DATA_DIR: path.join(dir, 'data'),
        PRODUCER_HOST: '127.0.0.1',
        PRODUCER_PORT: '0',
        PRODUCER_LOG_LEVEL: 'silent',
        DATABASE_URL: proxied.toString(),
      });
      const logger = createLogger(config.logLevel);
      // what prepare() does, on a schema of our own so the drill shares nothing with other tests
      db = await openDatabase(config, logger, { ...SCHEMA, pgSchema: schema, poolSize: 4 });
      await loadDemoFmb(db);
      await loadDemoPersonnel(db, 500);
      ensureCaseKeys(config.keysFile);
      app = await startApplication(config, logger, db);
      port = app.producer.address()!.port;
      admin = await startAdminServer('127.0.0.1', 0, {
        readiness: () => app.ready(),
        metrics: async () => ({ contentType: 'text/plain', body: '' }),
        reload: async () => undefined,
      });
      adminPort = (admin.address() as net.AddressInfo).port;
      for (const role of new Set(LOAD.map((l) => l.role))) {
        agents.set(
          role,
          new https.Agent({
            keepAlive: true,
            key: fs.readFileSync(path.join(certsDir, `${role}.key`)),
            cert: fs.readFileSync(path.join(certsDir, `${role}.crt`)),
            ca: fs.readFileSync(path.join(certsDir, 'ca.crt')),
          }),
        );
      }
    });

    after(async () => {
      for (const a of agents.values()) a.destroy();
      admin?.close();
      await app?.close();
      await db?.close();
      await proxy?.close();
      const ds = new DataSource({ type: 'postgres', url: pgUrl, extra: { max: 1 } });
      await ds.initialize();
      await ds.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => ds.destroy());
      fs.rmSync(dir, { recursive: true, force: true });
    });

    function call(i: number): Promise<Answer> {
      const l = LOAD[i % LOAD.length]!;
      return httpsCall(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port,
          path: l.path,
          method: 'POST',
          agent: agents.get(l.role),
          headers: { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': l.body.length },
        },
        l.body,
      ).then(
        (r) => ({ status: r.status, faultcode: /<faultcode>([^<]*)</.exec(r.body)?.[1], code: /<faultstring>(RP\d{3})/.exec(r.body)?.[1] }),
        (err: Error) => ({ status: 0, error: err.message }),
      );
    }

    /** Sustained load from `workers` concurrent callers until stop() is called; returns every answer. */
    function load(workers: number): { stop(): Promise<Answer[]>; answers: Answer[] } {
      const answers: Answer[] = [];
      let running = true;
      let n = 0;
      const loops = Array.from({ length: workers }, async () => {
        while (running) answers.push(await call(n++));
      });
      return {
        answers,
        async stop() {
          running = false;
          await Promise.all(loops);
          return answers;
        },
      };
    }

    function ready(): Promise<{ status: number; checks: Record<string, boolean> }> {
      return new Promise((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: adminPort, path: '/health/ready' }, (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, checks: (JSON.parse(body) as { checks: Record<string, boolean> }).checks }));
          })
          .on('error', reject);
      });
    }

    async function until(what: string, probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!(await probe())) {
        if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    it('serves and is ready before the outage (control)', async () => {
      assert.equal((await ready()).status, 200);
      for (let i = 0; i < LOAD.length; i++) assert.equal((await call(i)).status, 200);
    });

    it('answers RP010 (Server) and is not ready while the database is unreachable, then recovers without a restart', async () => {
      const traffic = load(4);
      await until('load running', async () => traffic.answers.length >= 20);

      proxy.cutOff();
      const cutAt = traffic.answers.length;
      await until('RP010 faults under load', async () => traffic.answers.slice(cutAt).filter((a) => a.code === 'RP010').length >= 20);
      const notReady = await ready();
      assert.equal(notReady.status, 503);
      assert.equal(notReady.checks.database, false);

      proxy.restore();
      const restoredAt = traffic.answers.length;
      await until('service recovered after the database returned', async () =>
        traffic.answers.slice(restoredAt).slice(-10).length === 10 && traffic.answers.slice(-10).every((a) => a.status === 200),
      );
      const answers = await traffic.stop();
      await until('ready again', async () => (await ready()).status === 200);

      const during = answers.slice(cutAt, restoredAt);
      const failures = during.filter((a) => a.status !== 200);
      assert.ok(failures.length > 0);
      for (const a of failures) {
        assert.deepEqual({ status: a.status, faultcode: a.faultcode, code: a.code }, { status: 500, faultcode: 'soap:Server', code: 'RP010' }, a.error);
      }
      // the HTTPS side never failed: no transport errors during the whole drill
      assert.deepEqual(answers.filter((a) => a.status === 0), []);
      // and nothing but successes and RP010, before, during or after
      assert.deepEqual(answers.filter((a) => a.status !== 200 && a.code !== 'RP010'), []);
    });
  });
}
