/**
 * Clients at the transport level, for test/hostile-transport.test.ts and bench/drill-hostile.ts: sockets
 * that never speak, stop in the middle of the TLS handshake or sit idle after it, each watched from
 * connect to close, and a real client's single mutual-TLS attempt (PingForConfiguration).
 */
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { findProjectRoot } from '../../src/project-root.js';

const PING_PATH = '/itintegration/monitoring/PingForConfiguration/1/rivtabp21';
const PING_ACTION = 'urn:riv:itintegration:monitoring:PingForConfigurationResponder:1:PingForConfiguration';
const PING = fs.readFileSync(
  path.join(findProjectRoot(), 'schemas/interactions/PingForConfigurationInteraction/samples/PingForConfigurationRequest.xml'),
);

export interface ClientCreds {
  readonly key: Buffer;
  readonly cert: Buffer;
  readonly ca: Buffer;
}

export function credsFor(certsDir: string, role: string): ClientCreds {
  return {
    key: fs.readFileSync(path.join(certsDir, `${role}.key`)),
    cert: fs.readFileSync(path.join(certsDir, `${role}.crt`)),
    ca: fs.readFileSync(path.join(certsDir, 'ca.crt')),
  };
}

/**
 * Milliseconds from the socket's connect (or, for a socket already connected, from now) to its close.
 * A socket still open `giveUpMs` later is destroyed here and counts as Infinity, so a server that keeps
 * sockets for minutes fails fast.
 */
export function lifetime(socket: net.Socket, giveUpMs: number): Promise<number> {
  return new Promise((resolve) => {
    let opened: number | undefined;
    let giveUp: NodeJS.Timeout | undefined;
    const start = () => {
      opened = performance.now();
      giveUp = setTimeout(() => {
        socket.off('close', onClose);
        socket.destroy();
        resolve(Infinity);
      }, giveUpMs);
    };
    const onClose = () => {
      clearTimeout(giveUp);
      // never connected: refused at accept, which keeps nothing
      resolve(opened === undefined ? 0 : performance.now() - opened);
    };
    socket.on('error', () => {}); // resets are the expected end of most of these sockets
    socket.once('close', onClose);
    if (socket.connecting) socket.once('connect', start);
    else start();
  });
}

/** A TCP connection that never sends a byte (no ClientHello). */
function silentSocket(port: number, giveUpMs: number): Promise<number> {
  return lifetime(net.connect(port, '127.0.0.1'), giveUpMs);
}

/**
 * Opens silent sockets continuously, `perTick` every `tickMs`, until stop(); stop() resolves with every
 * socket's lifetime once all have closed (or been given up).
 */
export function silentStream(port: number, opts: { perTick: number; tickMs: number; giveUpMs: number }) {
  const lifetimes: Promise<number>[] = [];
  const open = () => {
    for (let i = 0; i < opts.perTick; i++) lifetimes.push(silentSocket(port, opts.giveUpMs));
  };
  open();
  const timer = setInterval(open, opts.tickMs);
  return {
    opened: () => lifetimes.length,
    stop: () => {
      clearInterval(timer);
      return Promise.all(lifetimes);
    },
  };
}

/** The bytes of a real ClientHello (what Node's TLS client sends first), captured from a plain TCP server. */
export function captureClientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const capture = net.createServer((c) => {
      c.once('data', (d: Buffer) => {
        resolve(d);
        c.destroy();
        capture.close();
      });
    });
    capture.on('error', reject);
    capture.listen(0, '127.0.0.1', () => {
      const { port } = capture.address() as net.AddressInfo;
      tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }).on('error', () => {});
    });
  });
}

/** Ways to stop in the middle of the handshake, each a socket to watch with lifetime(). */
export const midHandshake = {
  /** The first half of a ClientHello, then silence: the server waits for the rest of the record. */
  partialHello(port: number, hello: Buffer, giveUpMs: number): Promise<number> {
    const s = net.connect(port, '127.0.0.1', () => s.write(hello.subarray(0, hello.length >> 1)));
    return lifetime(s, giveUpMs);
  },
  /** A ClientHello one byte every `intervalMs`: traffic that would keep an idle timer from ever firing. */
  trickledHello(port: number, hello: Buffer, intervalMs: number, giveUpMs: number): Promise<number> {
    const s = net.connect(port, '127.0.0.1');
    let sent = 0;
    const timer = setInterval(() => {
      if (sent < hello.length && s.writable) s.write(hello.subarray(sent, ++sent));
    }, intervalMs);
    s.once('close', () => clearInterval(timer));
    return lifetime(s, giveUpMs);
  },
  /** A whole ClientHello, then nothing: the server has answered and waits for our certificate and Finished. */
  helloThenSilence(port: number, hello: Buffer, giveUpMs: number): Promise<number> {
    const s = net.connect(port, '127.0.0.1', () => s.write(hello));
    s.resume(); // read (and drop) the server's flight
    return lifetime(s, giveUpMs);
  },
};

/**
 * A connection that completes mutual TLS and then sends nothing. Resolves once the handshake is done,
 * with the socket's lifetime from connect.
 */
export function authenticatedSocket(port: number, creds: ClientCreds, giveUpMs: number): Promise<{ socket: tls.TLSSocket; lifetime: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...creds }, () => resolve({ socket, lifetime: life }));
    socket.once('error', reject);
    const life = lifetime(socket, giveUpMs);
  });
}

export interface PingReply {
  readonly status: number;
  readonly body: string;
  /** From the start of the attempt (connect and handshake included) to the end of the response. */
  readonly ms: number;
  /** The connection it went over (kept open by a keep-alive agent). */
  readonly socket: net.Socket;
}

/**
 * One PingForConfiguration POST: with no agent, a new connection that the client closes afterwards;
 * with a keep-alive agent, its connection stays open and idle afterwards. Rejects on any network error:
 * a refused attempt is a failed attempt, with no retry.
 */
export function pingOnce(port: number, creds: ClientCreds, agent?: https.Agent): Promise<PingReply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path: PING_PATH,
        method: 'POST',
        ...(agent ? { agent } : { agent: false, ...creds }),
        headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${PING_ACTION}"`, 'Content-Length': PING.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started, socket: req.socket! }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(PING);
  });
}

/** A keep-alive agent holding at most one connection, so that connection can be watched on its own. */
export function singleConnectionAgent(creds: ClientCreds): https.Agent {
  return new https.Agent({ keepAlive: true, maxSockets: 1, ...creds });
}

/**
 * A POST that is in flight on the server: it sends `Expect: 100-continue` and resolves once the server
 * has answered 100 Continue, which Node does as it hands the request to the application. finish() sends
 * the body and resolves with the status; the connection then stays with the keep-alive `agent`.
 */
export function requestInFlight(port: number, agent: https.Agent): Promise<{ socket: net.Socket; finish: () => Promise<number> }> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1',
      servername: 'localhost',
      port,
      path: PING_PATH,
      method: 'POST',
      agent,
      headers: {
        'Content-Type': 'text/xml; charset=utf-8',
        SOAPAction: `"${PING_ACTION}"`,
        'Content-Length': PING.length,
        Expect: '100-continue',
      },
    });
    const response = new Promise<number>((res, rej) => {
      req.once('response', (r) => {
        r.resume();
        r.once('end', () => res(r.statusCode ?? 0));
      });
      req.once('error', rej);
    });
    response.catch(() => {});
    req.once('error', reject);
    req.once('continue', () => resolve({ socket: req.socket!, finish: () => (req.end(PING), response) }));
    req.flushHeaders();
  });
}
