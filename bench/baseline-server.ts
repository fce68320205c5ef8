/**
 * The "limit" of `npm run bench` (docs/performance.md): a raw node:https server built by the producer's own
 * createHttpsServer (the same server key, trust store, CRL, requestCert + rejectUnauthorized,
 * TLS ≥ 1.2, keep-alive and timeouts) that reads the request body and answers a fixed SOAP body of
 * similar size. Runs as its own process (forked by bench/run.ts), with the same worker count as the
 * producer.
 *
 *   env BENCH_PORT, BENCH_WORKERS, PRODUCER_CERTS_DIR, BENCH_BODY_FILE
 */
import cluster from 'node:cluster';
import fs from 'node:fs';
import { loadConfig } from '../src/config.js';
import { createHttpsServer } from '../src/transport/server.js';

const config = loadConfig();
const port = Number(process.env.BENCH_PORT);
const workers = Math.max(1, Number(process.env.BENCH_WORKERS ?? '1'));
const body = fs.readFileSync(process.env.BENCH_BODY_FILE!);

if (workers > 1 && cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('message', (_w, msg: { type?: string }) => {
    if (msg.type === 'ready' && ++ready === workers) process.send?.({ type: 'ready' });
  });
  process.once('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  // the producer's own server factory: the same TLS settings, timeouts and connection cap
  const server = createHttpsServer(config, {
    onRequest: (req, res) => {
      // read the whole body, as any SOAP server must, then answer the fixed envelope
      req.on('data', () => undefined);
      req.on('end', () => {
        res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': body.length });
        res.end(body);
      });
    },
    onTlsRefused: () => undefined,
  });
  server.listen(port, '127.0.0.1', () => process.send?.({ type: 'ready' }));
  process.once('SIGTERM', () => process.exit(0));
}
