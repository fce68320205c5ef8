/**
 * The peer of `npm run bench` (docs/performance.md): the `soap` npm package's server on the GetDiagnosis contract,
 * over the same mutual TLS, answering from the same FMB data through the same domain handler, so the
 * comparison measures the SOAP stack, not the lookup. Runs as its own process (forked by bench/run.ts).
 *
 * Only the workarounds node-soap needs to serve a RIVTA contract at all:
 *  - it reads the WSDL from a file, so `uri` points at it for the relative XSD imports;
 *  - it maps a document-style request to its operation by the input message's FIRST part, which in
 *    RIVTA is the LogicalAddress header (node-soap #704/#467: every request fails with "Cannot read
 *    properties of undefined (reading 'outputName')"), so the body element is added to that map;
 *  - its parsed request is normalised to the shape our handler takes (a single repeated element comes
 *    out as an object, not an array);
 *  - its answers are not schema-valid (node-soap #604 writes the imported core types' children in the
 *    responder namespace); left as is, since fixing it would need a hand-written serializer;
 *  - nothing else: no XSD validation, no TAK, no LogicalAddress check, no audit or request log
 *    (node-soap has none of these), which makes it a generous comparison.
 *
 *   env BENCH_PORT, PRODUCER_CERTS_DIR, PRODUCER_DATA_DIR (the producer's database, opened read-only in effect)
 */
import fs from 'node:fs';
import path from 'node:path';
import soap from 'soap';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { findProjectRoot } from '../src/project-root.js';
import { FmbStore } from '../src/insurancemedicine/fmb-store.js';
import { createGetDiagnosisHandler } from '../src/insurancemedicine/get-diagnosis.js';
import { SCHEMA } from '../src/schema.js';
import { openDatabase } from '../src/storage/database.js';
import { createHttpsServer } from '../src/transport/server.js';
import { endpointPath } from './requests.js';

const config = loadConfig();
const logger = createLogger('warn');
const port = Number(process.env.BENCH_PORT);
const root = findProjectRoot();
const wsdlFile = path.join(root, 'wsdl', 'GetDiagnosisInteraction_1.0_RIVTABP21.wsdl');

const db = await openDatabase(config, logger, { ...SCHEMA, migrate: false });
const handler = createGetDiagnosisHandler(new FmbStore(db), { maxCriteria: config.limits.maxCriteria });
let calls = 0;

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const service = {
  GetDiagnosisResponderService: {
    GetDiagnosisResponderPort: {
      async GetDiagnosis(args: { diagnosisCode?: unknown; includeInactive?: unknown; changedSince?: unknown }) {
        return handler.GetDiagnosis(
          {
            diagnosisCode: asArray(args.diagnosisCode as Array<{ code: string; codeSystem?: string }>),
            includeInactive: args.includeInactive === true || args.includeInactive === 'true',
            changedSince: args.changedSince as string | undefined,
          } as Parameters<typeof handler.GetDiagnosis>[0],
          {
            correlationId: `peer-${++calls}`,
            logId: `peer-${calls}`,
            logicalAddress: 'TEST-PRODUCER',
            peerHsaId: 'SE5599999991-1001',
            consumerHsaId: 'SE5599999991-1001',
            viaRoutingNode: false,
            consumer: undefined,
            contractName: 'GetDiagnosis',
            requestXml: '',
            log: logger,
            headers: { LogicalAddress: 'TEST-PRODUCER' },
          },
        );
      },
    },
  },
};

// the producer's own server factory, so the TLS settings are the same; node-soap takes over 'request'
const server = createHttpsServer(config, {
  onRequest: (_req, res) => {
    res.writeHead(404);
    res.end();
  },
  onTlsRefused: () => undefined,
});
interface Binding {
  topElements: Record<string, { methodName: string; outputName: string }>;
}
server.listen(port, '127.0.0.1', () => {
  const soapServer = soap.listen(server, {
    path: endpointPath('GetDiagnosis'),
    services: service,
    xml: fs.readFileSync(wsdlFile, 'utf8'),
    uri: wsdlFile,
    callback: () => {
      const bindings = (soapServer as unknown as { wsdl: { definitions: { bindings: Record<string, Binding> } } }).wsdl.definitions.bindings;
      for (const b of Object.values(bindings)) {
        const pair = b.topElements.LogicalAddress;
        if (pair) b.topElements[pair.methodName] = pair;
      }
      process.send?.({ type: 'ready' });
    },
  });
});
process.once('SIGTERM', () => void db.close().finally(() => process.exit(0)));
