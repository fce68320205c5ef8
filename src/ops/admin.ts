/**
 * The admin port: plain HTTP, on loopback by default (PRODUCER_ADMIN_HOST), never on the mTLS port.
 *   GET  /health/live   200 while the process runs
 *   GET  /health/ready  200 only when the HTTPS port listens, the database answers and demo data is loaded
 *   GET  /metrics       Prometheus text format
 *   POST /admin/reload  re-reads TAK, the consumer registry, the TLS files and the signing certificates
 *                       (same as SIGHUP); 500 when a file cannot be read, the previous state kept
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface ReadinessCheck {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, boolean | string>>;
}

export interface AdminHooks {
  readiness(): Promise<ReadinessCheck>;
  metrics(): Promise<{ contentType: string; body: string }>;
  reload(): Promise<void>;
}

export function startAdminServer(host: string, port: number, hooks: AdminHooks): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void route(req, res, hooks).catch((err: unknown) => {
      send(res, 500, 'application/json', JSON.stringify({ error: (err as Error).message }));
    });
  });
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function route(req: http.IncomingMessage, res: http.ServerResponse, hooks: AdminHooks): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health/live') {
    return send(res, 200, 'application/json', JSON.stringify({ status: 'live' }));
  }
  if (req.method === 'GET' && path === '/health/ready') {
    const r = await hooks.readiness();
    return send(res, r.ready ? 200 : 503, 'application/json', JSON.stringify({ status: r.ready ? 'ready' : 'not ready', checks: r.checks }));
  }
  if (req.method === 'GET' && path === '/metrics') {
    const m = await hooks.metrics();
    return send(res, 200, m.contentType, m.body);
  }
  if (req.method === 'POST' && path === '/admin/reload') {
    await hooks.reload();
    return send(res, 200, 'application/json', JSON.stringify({ status: 'reloaded' }));
  }
  send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function adminUrl(server: http.Server): string {
  const a = server.address() as AddressInfo;
  return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
}
