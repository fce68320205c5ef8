/**
 * The HTTPS server (README, "Identity and authorisation"): mutual TLS with a required client
 * certificate that must chain to the trust store and not be revoked (CRL), TLS ≥ 1.2, keep-alive,
 * header/request timeouts, a handshake deadline and separate caps for connections before and after
 * identity (connection-guard.ts; docs/deployment.md, "Connections before identity"). Refused handshakes
 * never reach HTTP: they are reported through `onTlsRefused`; connections the guard drops through
 * `onConnectionDropped`. A request whose headers arrive too slowly is answered, where still possible,
 * with fault RP011.
 */
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.js';
import { SoapFault } from '../soap/fault.js';
import { ConnectionGuard, type ConnectionDrop } from './connection-guard.js';
import { endSocketWithFault } from './send-fault.js';

export interface TlsRefusal {
  /** OpenSSL / Node error code when known (e.g. ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE, CERT_HAS_EXPIRED), else 'unknown'. */
  readonly reason: string;
  readonly message: string;
  /** Remote address of the peer. */
  readonly peer: string | undefined;
}

export interface ServerHooks {
  readonly onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  /** A request with `Expect: 100-continue`; without this hook Node sends `100 Continue` itself and calls onRequest. */
  readonly onCheckContinue?: (req: IncomingMessage, res: ServerResponse) => void;
  readonly onTlsRefused: (r: TlsRefusal) => void;
  /** A connection closed by the handshake deadline or to make room under a connection cap. */
  readonly onConnectionDropped?: (d: ConnectionDrop) => void;
}

/** The HTTPS server with its connection bookkeeping (connectionGuard.shutdown() on a graceful close). */
export interface ProducerServer extends https.Server {
  readonly connectionGuard: ConnectionGuard;
}

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read the ${what} ${file}: ${(err as Error).message}`);
  }
}

/** The files of the TLS context, read now: the server's key and certificate, the trust store and the CRL. */
function secureContextOptions(tls: Config['tls']) {
  return {
    key: readFile(tls.keyFile, 'server key'),
    cert: readFile(tls.certFile, 'server certificate'),
    ca: readFile(tls.caFile, 'trust store'),
    ...(tls.crlFile ? { crl: readFile(tls.crlFile, 'CRL') } : {}),
    minVersion: 'TLSv1.2' as const,
  };
}

/**
 * Re-reads the TLS files into the running server (SIGHUP, POST /admin/reload): a published CRL or a
 * renewed server certificate takes effect for new handshakes without a restart. Throws, leaving the
 * old context in place, when a file cannot be read or parsed.
 */
export function reloadTlsFiles(server: https.Server, tls: Config['tls']): void {
  server.setSecureContext(secureContextOptions(tls));
}

export function createHttpsServer(config: Pick<Config, 'tls' | 'limits'>, hooks: ServerHooks): ProducerServer {
  const { limits, tls } = config;
  const server = https.createServer(
    {
      ...secureContextOptions(tls),
      requestCert: true,
      rejectUnauthorized: true,
      keepAlive: true,
      // Counted from accept; bytes trickled during the handshake do not extend it (see
      // test/hostile-transport.test.ts).
      handshakeTimeout: limits.handshakeTimeoutMs,
      // our own body timer (requestTimeoutMs, answers RP011) fires first; Node's is the backstop
      requestTimeout: limits.requestTimeoutMs + limits.headersTimeoutMs + 5000,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    hooks.onRequest,
  );
  // No server.maxConnections: Node would count connections still in the handshake with authenticated
  // ones, so never-speaking sockets could fill it. The guard caps each kind on its own.
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  const connectionGuard = new ConnectionGuard(server, limits, hooks.onConnectionDropped ?? (() => {}));
  const { onCheckContinue } = hooks;
  if (onCheckContinue) {
    // Node emits 'checkContinue' instead of 'request' for such a request: the guard must count it too.
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      connectionGuard.requestStarted(req, res);
      onCheckContinue(req, res);
    });
  }

  // A TLS error before the handshake completed ends the connection. First in line: Node's https server
  // passes the error on as 'clientError', whose handler below would try to answer in HTTP over a socket
  // that has no TLS session yet, and so kept a timed-out handshake open.
  server.prependListener('tlsClientError', (err: NodeJS.ErrnoException, socket) => {
    const peer = socket.remoteAddress;
    const claimed = connectionGuard.claims(err, socket);
    socket.destroy();
    if (claimed) return;
    hooks.onTlsRefused({ reason: tlsReason(err), message: err.message.split('\n')[0]!.slice(0, 200), peer });
  });

  // Slow or broken requests before the handler runs (headers timeout, parse errors).
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      endSocketWithFault(socket, new SoapFault('RP011', 'Request headers or body not received in time'));
    } else if (err.code === 'HPE_HEADER_OVERFLOW') {
      socket.end('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    } else if (err.code === 'ECONNRESET') {
      socket.destroy();
    } else {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    }
  });

  return Object.assign(server, { connectionGuard });
}

function tlsReason(err: NodeJS.ErrnoException): string {
  return err.code ?? 'unknown';
}
