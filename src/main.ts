/**
 * `npm start`: one process by default; PRODUCER_WORKERS=N (or auto) runs a cluster whose primary
 * prepares storage once, forks the workers that serve HTTPS, and serves the admin port itself.
 * SIGTERM/SIGINT: graceful shutdown. SIGHUP (or POST /admin/reload): re-read the configuration and apply
 * TAK, the consumer registry, the TLS files (a new CRL) and the registered signing certificates without a
 * restart.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import client from 'prom-client';
import { endpointUrls, prepare, startApplication, type Application } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger } from './log.js';
import { adminUrl, startAdminServer } from './ops/admin.js';
import { SCHEMA } from './schema.js';

/**
 * A configuration the loader refuses (among them durability switched off outside `npm run bench`,
 * config.ts) stops the start here, before any file, database or port is touched: one line, exit 1.
 */
function loadStartConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger('info').fatal({ err: err.message }, 'refusing to start: invalid configuration');
    process.exit(1);
  }
}

const config = loadStartConfig();
const logger = createLogger(config.logLevel);
if (config.benchNoDurability) logger.warn('durability is OFF (PRODUCER_BENCH_DURABILITY=off): commits are not synced; npm run bench only');

/** Re-reads the configuration into a running application; a bad file is logged and the old state kept. */
function reload(app: Application): void {
  try {
    app.reload(loadConfig());
    logger.info('reloaded TAK, the consumer registry, the TLS files and the signing certificates');
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'reload failed; the previous configuration stays in force');
    throw err;
  }
}

function reloadOnSighup(app: Application): void {
  process.on('SIGHUP', () => {
    try {
      reload(app);
    } catch {
      // logged by reload(); the process keeps serving with the previous configuration
    }
  });
}

function printBanner(cfg: Config, app: Application, admin: string): void {
  const lines = [
    `RIVTA producer listening (logical addresses: ${cfg.logicalAddresses.join(', ')})`,
    ...endpointUrls(cfg, app.producer).map((u) => `  ${u}`),
    `Admin: ${admin}/health/ready  ${admin}/metrics`,
    `Client certificates: ${path.join(cfg.certsDir, '<role>.crt|.key|.p12')} (password changeit), trust ${cfg.tls.caFile}`,
    `Database: ${app.db.description}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

async function runSingle(): Promise<void> {
  const db = await prepare(config, logger);
  const app = await startApplication(config, logger, db);
  const admin = await startAdminServer(config.adminHost, config.adminPort, {
    readiness: () => app.ready(),
    metrics: async () => ({ contentType: app.metrics.registry.contentType, body: await app.metrics.registry.metrics() }),
    reload: async () => reload(app),
  });
  printBanner(config, app, adminUrl(admin));
  reloadOnSighup(app);
  const stop = async () => {
    logger.info('shutting down');
    admin.close();
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

async function runPrimary(): Promise<void> {
  const db = await prepare(config, logger);
  const aggregator = new client.AggregatorRegistry();
  const ready = new Set<number>();
  for (let i = 0; i < config.workers; i++) cluster.fork();
  cluster.on('message', (worker, msg: { type?: string; banner?: string }) => {
    if (msg.type === 'ready') {
      ready.add(worker.id);
      if (ready.size === config.workers && msg.banner) process.stdout.write(msg.banner);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    ready.delete(worker.id);
    if (!stopping) {
      logger.error({ worker: worker.id, code, signal }, 'worker died; starting a new one');
      cluster.fork();
    }
  });
  const admin = await startAdminServer(config.adminHost, config.adminPort, {
    readiness: async () => {
      const database = await db.ping();
      const workers = ready.size === config.workers;
      return { ready: database && workers, checks: { database, workers } };
    },
    metrics: async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() }),
    reload: async () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
    },
  });
  logger.info({ admin: adminUrl(admin), workers: config.workers }, 'cluster primary started');
  let stopping = false;
  const stop = () => {
    stopping = true;
    admin.close();
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) void db.close().then(() => process.exit(0));
    });
  };
  process.on('SIGHUP', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGHUP');
  });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function runWorker(): Promise<void> {
  const { openDatabase } = await import('./storage/database.js');
  const db = await openDatabase(config, logger, { ...SCHEMA, migrate: false });
  const app = await startApplication(config, logger, db);
  // The primary's /metrics asks every worker for its registry; prom-client only answers those
  // requests once an AggregatorRegistry exists in the worker, so create one bound to ours.
  client.AggregatorRegistry.setRegistries(app.metrics.registry);
  new client.AggregatorRegistry();
  const banner = [
    `RIVTA producer listening with ${config.workers} workers (logical addresses: ${config.logicalAddresses.join(', ')})`,
    ...endpointUrls(config, app.producer).map((u) => `  ${u}`),
    `Admin: http://${config.adminHost}:${config.adminPort}/health/ready`,
    '',
  ].join('\n');
  process.send?.({ type: 'ready', banner });
  reloadOnSighup(app);
  process.once('SIGTERM', () => void app.close().then(() => db.close()).then(() => process.exit(0)));
  process.once('SIGINT', () => undefined); // the primary coordinates shutdown
}

const run = config.workers > 1 ? (cluster.isPrimary ? runPrimary : runWorker) : runSingle;
run().catch((err: unknown) => {
  logger.fatal({ err }, 'failed to start');
  process.exit(1);
});
