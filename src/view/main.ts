/**
 * `npm run view`: the case view, a separate process and an ordinary consumer of the hub (README, "The case
 * view"). Reads the one configuration (src/config.ts): VIEW_* plus the producer's certificates directory,
 * whose case-view certificate it calls the hub with and whose server certificate it serves HTTPS with.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { loadWebhookSecret } from '../caseoverview/webhook-signature.js';
import { loadConfig, type Config } from '../config.js';
import { createLogger } from '../log.js';
import { createViewApp, type ViewAppOptions } from './app.js';
import { createHubClient } from './hub-client.js';

export interface RunningView {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the view from the configuration; `overrides` are for tests (a short idle time, a small page). */
export async function startView(config: Config, logger: Logger, overrides: Partial<ViewAppOptions> = {}): Promise<RunningView> {
  const readFile = (file: string) => {
    try {
      return fs.readFileSync(file);
    } catch {
      throw new Error(`cannot read ${file}: start the producer once (npm start) to generate the development certificates`);
    }
  };
  const tls = { key: readFile(config.tls.keyFile), cert: readFile(config.tls.certFile) };
  const hub = createHubClient({
    producerUrl: config.view.producerUrl,
    logicalAddress: config.view.logicalAddress,
    certsDir: config.certsDir,
    caFile: config.tls.caFile,
    logger: logger.child({ component: 'hub-client' }),
  });
  const webhookSecret = loadWebhookSecret(config.view.webhookSecret, config.notifier.webhookSecretFile, 'VIEW_WEBHOOK_SECRET');
  const app = await createViewApp({ hub, webhookSecret, tls, logger, ...overrides });
  await app.listen({ port: config.view.port, host: config.view.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.view.port;
  return {
    app,
    url: `https://localhost:${port}`,
    async close() {
      await app.close();
      hub.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const view = await startView(config, logger);
  process.stdout.write(
    `Case view (ärendevy) listening: ${view.url}/\n` +
      `  calls the hub at ${config.view.producerUrl} (logical address ${config.view.logicalAddress}) as case-view\n` +
      `  notices: the producer delivers to ${view.url}/webhook when started with PRODUCER_NOTIFIER=webhook PRODUCER_WEBHOOK_URL=${view.url}/webhook\n`,
  );
  const stop = () => void view.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  main().catch((err: unknown) => {
    process.stderr.write(`view: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
