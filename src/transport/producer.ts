/**
 * The producer: the one object the composition root (src/app.ts) builds.
 *
 *   const producer = createProducer({ config, logger, contractRoot });
 *   producer.addService(pingForConfigurationContract, pingImpl satisfies PingForConfigurationResponderInterface<RequestContext>);
 *   const server = await producer.listen();
 *   producer.events.on('request', (o) => metrics.recordRequest(o));
 *   producer.events.on('tlsRefused', (r) => metrics.recordTlsRefusal(r.reason));
 *   producer.events.on('connectionDropped', (d) => metrics.recordConnectionDrop(d.reason));
 *   producer.reload(newConfig);
 *   await producer.close();
 */
import { EventEmitter } from 'node:events';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ContractDefinition, OperationTypeMap } from '../../contracts/rivta.js';
import { validationModeFor, type Config } from '../config.js';
import { Tak } from '../security/tak.js';
import { ServiceRegistry, endpointPath, type ServiceImplementation } from '../soap/service.js';
import { EnvelopeValidator, ENVELOPE_SCHEMA } from '../soap/validator.js';
import { createRequestHandler, type RequestOutcome } from './handle-request.js';
import type { ConnectionDrop } from './connection-guard.js';
import { createDropLog } from './connection-guard-log.js';
import { createHttpsServer, reloadTlsFiles, type ProducerServer, type TlsRefusal } from './server.js';
import { ContractDocuments } from './wsdl.js';

export type { RequestOutcome } from './handle-request.js';
export type { TlsRefusal } from './server.js';

interface ProducerEventMap {
  /** After every request (SOAP call, WSDL/XSD, 404): for metrics. */
  request: [RequestOutcome];
  /** A TLS handshake was refused (missing, expired, untrusted, revoked certificate). */
  tlsRefused: [TlsRefusal];
  /** A connection closed by the handshake deadline or to make room under a connection cap. */
  connectionDropped: [ConnectionDrop];
}

export interface ProducerOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Directory holding wsdl/ and schemas/ (the project root). */
  readonly contractRoot: string;
  /** SOAP 1.1 envelope XSD, absolute or relative to contractRoot. Default `schemas/soap/soap-envelope-1.1.xsd`. */
  readonly envelopeSchema?: string;
}

interface ServiceInfo {
  readonly contract: string;
  readonly namespace: string;
  readonly path: string;
  readonly validationMode: string;
}

export interface Producer {
  readonly events: EventEmitter<ProducerEventMap>;
  /** TAK, served logical addresses, routing nodes, consumer registry. */
  readonly tak: Tak;
  /**
   * Applies a re-read configuration without a restart (SIGHUP, POST /admin/reload): TAK, logical
   * addresses, routing nodes and the consumer registry, and the TLS files (CRL, trust store, server
   * certificate) for new handshakes. If a TLS file is unreadable it throws and keeps the old context.
   */
  reload(config: Config): void;
  /**
   * Registers a contract and its implementation: a plain object with one async function per operation,
   * the generated `<Name>ResponderInterface<RequestContext>`. The definition's type names that interface,
   * so an implementation of another contract is a compile error (the handler's type comes from the
   * definition alone: NoInfer). Compiles the contract's XSD validator and precomputes its
   * WSDL/XSD documents; call before listen().
   */
  addService<Ops extends OperationTypeMap>(definition: ContractDefinition<Ops>, implementation: NoInfer<ServiceImplementation<Ops>>): ServiceInfo;
  readonly services: readonly ServiceInfo[];
  /** Starts listening (defaults: config.port / config.host); resolves with the https.Server. */
  listen(port?: number, host?: string): Promise<https.Server>;
  address(): AddressInfo | null;
  /** Graceful: stop accepting, let in-flight requests finish, close keep-alive sockets; bounded by config.shutdownTimeoutMs. */
  close(): Promise<void>;
}

export function createProducer(options: ProducerOptions): Producer {
  const { config, logger, contractRoot } = options;
  const events = new EventEmitter<ProducerEventMap>();
  const tak = new Tak(config);
  const registry = new ServiceRegistry();
  const documents = new Map<string, ContractDocuments>();
  const services: ServiceInfo[] = [];
  let closing = false;
  let server: ProducerServer | undefined;

  const { onRequest, onCheckContinue } = createRequestHandler({
    config,
    registry,
    documents,
    tak,
    logger,
    closing: () => closing,
    onOutcome: (o) => {
      if (events.listenerCount('request') > 0) events.emit('request', o);
      if (closing) server?.closeIdleConnections();
    },
  });

  return {
    events,
    tak,
    services,

    reload(next) {
      if (server) reloadTlsFiles(server, next.tls);
      tak.reload(next);
    },

    addService(definition, implementation) {
      const mode = validationModeFor(config, definition.name, definition.namespace);
      const validator =
        mode === 'off' ? undefined : EnvelopeValidator.compile(definition, contractRoot, options.envelopeSchema ?? ENVELOPE_SCHEMA);
      const bound = registry.add(definition, implementation, validator, mode);
      documents.set(bound.path, new ContractDocuments(definition, contractRoot));
      const info: ServiceInfo = { contract: definition.name, namespace: definition.namespace, path: endpointPath(definition), validationMode: mode };
      services.push(info);
      return info;
    },

    listen(port = config.port, host = config.host) {
      if (server) return Promise.reject(new Error('already listening'));
      const logDrop = createDropLog(logger);
      const s = createHttpsServer(config, {
        onRequest,
        // a client that waits for 100 Continue gets it only after the checks that need no body (README, Faults)
        onCheckContinue,
        onTlsRefused: (r) => {
          logger.warn({ tlsRefusal: r.reason, remoteAddress: r.peer, detail: r.message }, 'TLS handshake refused');
          if (events.listenerCount('tlsRefused') > 0) events.emit('tlsRefused', r);
        },
        onConnectionDropped: (d) => {
          logDrop(d);
          if (events.listenerCount('connectionDropped') > 0) events.emit('connectionDropped', d);
        },
      });
      server = s;
      return new Promise((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => {
          s.off('error', reject);
          resolve(s);
        });
      });
    },

    address() {
      const a = server?.address();
      return a && typeof a === 'object' ? a : null;
    },

    close() {
      const s = server;
      if (!s) return Promise.resolve();
      closing = true;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: closing remaining connections');
          s.closeAllConnections();
        }, config.shutdownTimeoutMs);
        timer.unref();
        s.close(() => {
          clearTimeout(timer);
          server = undefined;
          resolve();
        });
        s.closeIdleConnections();
        s.connectionGuard.shutdown(); // also those still in the handshake, and idle ones that never sent a request
      });
    },
  };
}
