/**
 * npm run call -- <Operation> [--role <role>] [--file req.xml | operation options] [general options]
 *
 * Sends one request to a running producer over mutual TLS with a development certificate, prints the
 * answer pretty-printed on stdout and the round-trip time on stderr. Exit 0 on an answer (also one
 * whose result is ERROR), 1 on a SOAP fault, 2 on a usage or configuration error, 3 when no answer
 * came (connection refused, TLS handshake refused).
 *
 * It reads the same PRODUCER_* configuration as `npm start` (src/config.ts): the producer is at
 * PRODUCER_PUBLIC_URL, else https://localhost:<PRODUCER_PORT>; certificates come from
 * PRODUCER_CERTS_DIR; the LogicalAddress is the first of PRODUCER_LOGICAL_ADDRESSES.
 *
 * How the request is built: the operation's sample request (the contract package's
 * samples/<Op>Request.xml) is decoded with the generated codec into the typed request object,
 * options patch that object, and the codec encodes it again. That keeps every element in its
 * namespace and in XSD order whatever the options add or remove (repeatable --code, a criterion
 * replacing the sample's), which text substitution on the sample could not promise. Without options
 * the sample is sent as it is, only its LogicalAddress set; `--file` is always sent as it is.
 */
import fs from 'node:fs';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PingForConfigurationType } from '../../contracts/itintegration/monitoring/PingForConfigurationInteraction.js';
import { DEV_ROLES, NO_HSA_ID_ROLE, rolePaths, type DevRoleName } from '../../certs/dev-pki.js';
import { loadConfig, type Config } from '../config.js';
import { ORIGINAL_CONSUMER_HEADER } from '../security/identity.js';
import { ContractCodec } from '../soap/codec.js';
import { readEnvelope } from '../soap/envelope.js';
import { XML_CONTENT_TYPE } from '../soap/fault.js';
import { ANSWER_XML_LIMITS, readFault, requestEnvelope } from '../soap/consumer.js';
import { findProjectRoot } from '../project-root.js';
import { parseXml, type XmlElement } from '../soap/xml.js';
import { CORRELATION_HEADER } from '../transport/handle-request.js';
import { OPERATIONS, type Values } from './call-options.js';
import { defaultRole, endpointUrl, findOperation, prettyXml, readSampleRequest, withLogicalAddress, type OperationRef } from './kit.js';

/** Options every operation takes. */
const GENERAL = {
  role: { type: 'string' },
  file: { type: 'string' },
  major: { type: 'string' },
  'logical-address': { type: 'string' },
  'original-consumer': { type: 'string' },
  'correlation-id': { type: 'string' },
  'print-request': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const str = (v: Values, k: string) => v[k] as string | undefined;

class UsageError extends Error {}

function usage(): string {
  const ops = Object.entries(OPERATIONS)
    .map(([op, o]) => {
      const opts = Object.entries(o.options).map(([k, d]) => `      --${k}${d.type === 'string' ? ' <value>' : ''}  ${d.help}${d.major ? ` (major ${d.major})` : ''}`);
      return [`  ${op}`, ...opts].join('\n');
    })
    .join('\n');
  return (
    'usage: npm run call -- <Operation> [options]\n\n' +
    'general options:\n' +
    `  --role <role>                 development certificate to use (${Object.keys(DEV_ROLES).join(', ')});\n` +
    '                                default: the role the configured TAK authorises\n' +
    '  --file <request.xml>          send this envelope as it is\n' +
    '  --major <n>                   major version of the contract (default 1; 2 for PushCaseStatus and\n' +
    '                                GetCaseOverview version 2; version 1 is deprecated)\n' +
    '  --logical-address <address>   default: the first of PRODUCER_LOGICAL_ADDRESSES\n' +
    `  --original-consumer <hsa-id>  sets ${ORIGINAL_CONSUMER_HEADER} (honoured from a routing node, e.g. --role routing-node)\n` +
    `  --correlation-id <id>         sets ${CORRELATION_HEADER}\n` +
    '  --print-request               print the request on stderr before sending it\n' +
    '  --dry-run                     print the request on stdout and send nothing\n\n' +
    'operations and their options:\n' +
    ops +
    '\n'
  );
}

export interface CallPlan {
  readonly ref: OperationRef;
  /** A development PKI role, or the extra certificate without an HSA-id (RP008). */
  readonly role: DevRoleName | typeof NO_HSA_ID_ROLE;
  readonly url: string;
  readonly envelope: string;
  readonly headers: Record<string, string>;
}

/** Builds the request to send from the command line and the configuration; throws UsageError. */
export function planCall(argv: string[], config: Config): CallPlan & { readonly dryRun: boolean; readonly printRequest: boolean } {
  const opName = argv[0];
  if (!opName || opName.startsWith('-')) throw new UsageError('name the operation first');
  let ref: OperationRef;
  try {
    ref = findOperation(opName); // the options are the operation's, whichever major --major picks
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const specific = OPERATIONS[ref.op.name] ?? { options: {}, patch() {} };
  const { values } = parseArgs({
    args: argv.slice(1),
    options: { ...GENERAL, ...Object.fromEntries(Object.entries(specific.options).map(([k, d]) => [k, { type: d.type, multiple: d.multiple === true }])) },
    strict: true,
    allowPositionals: false,
  });
  const v = values as Values;
  if (v.major !== undefined) {
    const major = Number(str(v, 'major'));
    try {
      ref = findOperation(opName, major);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  for (const [k, d] of Object.entries(specific.options)) {
    if (v[k] !== undefined && d.major !== undefined && d.major !== ref.contract.major) {
      throw new UsageError(`--${k} exists in ${ref.op.name} ${d.major} only; add --major ${d.major}`);
    }
  }
  const la = str(v, 'logical-address') ?? config.logicalAddresses[0]!;
  const patching = Object.keys(specific.options).some((k) => v[k] !== undefined);

  let envelope: string;
  if (v.file) {
    if (patching) throw new UsageError('--file is sent as it is; operation options change the sample only');
    envelope = fs.readFileSync(str(v, 'file')!, 'utf8');
  } else {
    const sample = withLogicalAddress(readSampleRequest(ref, findProjectRoot()), la);
    envelope = patching || ref.op.name === 'PingForConfiguration' ? rebuild(ref, sample, la, (r) => specific.patch(r as never, v)) : sample;
  }

  // an address this producer does not serve (to see RP004) is called as the role the first one allows
  const role = str(v, 'role') ?? defaultRole(config, ref.contract, la) ?? defaultRole(config, ref.contract, config.logicalAddresses[0]!);
  if (!role) throw new UsageError(`no development role is in TAK for ${ref.contract.name} at ${la}; pass --role`);
  if (!(role in DEV_ROLES) && role !== NO_HSA_ID_ROLE) {
    throw new UsageError(`unknown role ${role}; one of ${[...Object.keys(DEV_ROLES), NO_HSA_ID_ROLE].join(', ')}`);
  }

  const headers: Record<string, string> = { 'Content-Type': XML_CONTENT_TYPE, SOAPAction: `"${ref.op.soapAction}"` };
  if (v['original-consumer']) {
    const oc = str(v, 'original-consumer')!;
    headers[ORIGINAL_CONSUMER_HEADER] = oc in DEV_ROLES ? DEV_ROLES[oc as DevRoleName].hsaId : oc;
  }
  if (v['correlation-id']) headers[CORRELATION_HEADER] = str(v, 'correlation-id')!;
  return { ref, role: role as CallPlan['role'], url: endpointUrl(config, ref.contract), envelope, headers, dryRun: v['dry-run'] === true, printRequest: v['print-request'] === true };
}

/** Decodes the sample's body with the generated codec, patches it, and encodes a fresh envelope. */
function rebuild(ref: OperationRef, sample: string, la: string, patch: (request: Record<string, unknown>) => void): string {
  const parsed = parseXml(sample, ANSWER_XML_LIMITS);
  const body = readEnvelope(parsed.root).body;
  const codec = new ContractCodec(ref.contract);
  const request = codec.decode(body, ref.op.request.type, parsed.source) as Record<string, unknown>;
  // PingForConfiguration repeats the address in its body (informational; the header governs)
  if (ref.op.name === 'PingForConfiguration') (request as unknown as PingForConfigurationType).logicalAddress = la;
  patch(request);
  return requestEnvelope(ref.contract, ref.op, la, request);
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly ms: number;
}

/** POSTs the envelope over mutual TLS as `role`; the time covers connect, handshake and the whole answer. */
export function send(plan: CallPlan, certsDir: string): Promise<Reply> {
  const files = rolePaths(certsDir, plan.role);
  const read = (f: string) => {
    try {
      return fs.readFileSync(f);
    } catch {
      throw new UsageError(`cannot read ${f}; generate the development PKI with npm run certs (or npm start)`);
    }
  };
  const tls = { key: read(files.key), cert: read(files.cert), ca: read(`${certsDir}/ca.crt`) };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = https.request(plan.url, { method: 'POST', headers: plan.headers, agent: false, ...tls }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(plan.envelope);
  });
}

function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

/** Fault code and string when the answer is a SOAP fault. */
export function faultOf(body: string): { faultcode: string; faultstring: string } | undefined {
  return readFault(body, ANSWER_XML_LIMITS);
}

/** `OK`, or `ERROR VALIDATION_ERROR: message`, from the first `result` of an answer. */
function resultOf(body: string): string | undefined {
  const find = (el: XmlElement): XmlElement | undefined =>
    el.name === 'result' && child(el, 'resultCode') ? el : el.children.map(find).find((x) => x !== undefined);
  try {
    const result = find(parseXml(body, ANSWER_XML_LIMITS).root);
    if (!result) return undefined;
    const [code, error, message] = ['resultCode', 'errorCode', 'message'].map((n) => child(result, n)?.text.trim());
    return [code, error].filter(Boolean).join(' ') + (message ? `: ${message}` : '');
  } catch {
    return undefined;
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return argv.length === 0 ? 2 : 0;
  }
  const config = loadConfig();
  const plan = planCall(argv, config);
  if (plan.dryRun) {
    process.stdout.write(prettyXml(plan.envelope) + '\n');
    return 0;
  }
  if (plan.printRequest) process.stderr.write(`POST ${plan.url}\n${prettyXml(plan.envelope)}\n\n`);
  let reply: Reply;
  try {
    reply = await send(plan, config.certsDir);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`no answer from ${plan.url} as ${plan.role}: ${e.code ?? ''} ${e.message}\n`);
    if (e.code === 'ECONNREFUSED') process.stderr.write('is the producer running (npm start)? PRODUCER_PORT / PRODUCER_PUBLIC_URL say where it is.\n');
    return 3;
  }
  const isXml = /xml/i.test(String(reply.headers['content-type'] ?? ''));
  process.stdout.write((isXml ? prettyXml(reply.body) : reply.body) + '\n');
  const correlation = reply.headers[CORRELATION_HEADER];
  process.stderr.write(
    `${plan.ref.op.name} as ${plan.role} (${plan.role === NO_HSA_ID_ROLE ? 'no HSA-id' : DEV_ROLES[plan.role].hsaId}) → ${plan.url}\n` +
      `HTTP ${reply.status}, round trip ${reply.ms.toFixed(1)} ms (connect and TLS handshake included)` +
      (correlation ? `, ${CORRELATION_HEADER} ${String(correlation)}` : '') +
      '\n',
  );
  const fault = faultOf(reply.body);
  if (fault) {
    process.stderr.write(`FAULT ${fault.faultcode}: ${fault.faultstring}\n`);
    return 1;
  }
  if (reply.status !== 200) return 1;
  const result = resultOf(reply.body);
  if (result) process.stderr.write(`result: ${result}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const usageProblem = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      process.stderr.write(`call: ${(err as Error).message}\n${usageProblem ? 'npm run call -- --help lists the options\n' : ''}`);
      process.exitCode = 2;
    },
  );
}
