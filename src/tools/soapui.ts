/**
 * npm run soapui [-- --out <file>]
 * Writes a SoapUI 5.x project (default soapui/riv-producer-soapui-project.xml) for every compiled
 * contract, from the files on disk; no running producer is needed:
 * - one WSDL interface per contract, the WSDL and every XSD it imports embedded in the definition
 *   cache (SoapUI's own con:definitionCache/con:part format), so the project opens offline;
 * - endpoints at PRODUCER_PUBLIC_URL, else https://localhost:<PRODUCER_PORT>;
 * - a test suite per contract: the sample request of every operation with LogicalAddress set to the
 *   first configured logical address, asserting "SOAP Response", "Not SOAP Fault" and "Schema
 *   Compliance"; and negative cases that must answer a fault (RP003, RP004, RP006);
 * - the development PKCS#12 keystores (<role>.p12, password changeit) registered as project
 *   keystores, each request using the role the development TAK authorises.
 * The file holds absolute paths of this machine (WSDL cache keys, keystores): generate it where you
 * use it; it is git-ignored.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEV_ROLES, KEYSTORE_PASSWORD, rolePaths, type DevRoleName } from '../../certs/dev-pki.js';
import { loadConfig, type Config } from '../config.js';
import { escapeAttr, escapeText } from '../soap/escape.js';
import { findProjectRoot } from '../project-root.js';
import {
  allOperations,
  baseUrl,
  defaultRole,
  endpointUrl,
  readSampleRequest,
  sampleRequestPath,
  withLogicalAddress,
  withoutLogicalAddress,
  withSchemaViolation,
  type OperationRef,
} from './kit.js';
import type { ContractDefinition } from '../../contracts/rivta.js';

export const DEFAULT_PROJECT_FILE = 'soapui/riv-producer-soapui-project.xml';
const WSDL_TYPE = 'http://schemas.xmlsoap.org/wsdl/';
const XSD_TYPE = 'http://www.w3.org/2001/XMLSchema';
/** A logical address no configuration serves, for the RP004 case. */
export const UNSERVED_LOGICAL_ADDRESS = 'NOT-SERVED-BY-THIS-PRODUCER';

/** What a generated test case expects; the test suite of the tools reads this back. */
export interface SoapUiCase {
  readonly contract: ContractDefinition;
  readonly operation: string;
  readonly name: string;
  /** undefined: a normal answer; otherwise the fault code the producer must answer. */
  readonly fault: 'RP003' | 'RP004' | 'RP006' | undefined;
  readonly request: string;
  readonly keystore: DevRoleName | undefined;
  /** Steps that run first in the same test case: a push gives its subject consent before it is sent. */
  readonly before: readonly SoapUiStep[];
  /** A regular expression the answer must match (SoapUI "Simple Contains"), beyond the standard assertions. */
  readonly expect?: string;
}

/** A step that prepares a test case: its own operation, request, keystore and expected answer. */
export interface SoapUiStep {
  readonly ref: OperationRef;
  readonly name: string;
  readonly request: string;
  readonly keystore: DevRoleName | undefined;
  readonly expect: string;
}

/**
 * Written so SoapUI's Simple Contains finds it whether it matches the whole answer or searches in it.
 * Re-delivering the sample (a second run of the project) is UNCHANGED, which still proves it was stored.
 */
export const PUSH_STORED = '(?s).*<(\\w+:)?outcome>(CREATED|UPDATED|UNCHANGED)</.*';
export const CONSENT_ACTIVE = '(?s).*<(\\w+:)?consentStatus>ACTIVE</.*';

/** Stable ids, so that regenerating the project gives the same file. */
function id(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** CDATA that survives any content (a `]]>` inside is split across two sections). */
function cdata(s: string): string {
  return `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/**
 * Names that tell the majors of one interaction apart, as the sample files do (kit.ts samplePath): major 1
 * keeps the plain name, a later major adds its version. SoapUI finds a test step's interface by name.
 */
const versioned = (c: ContractDefinition, name: string) => (c.major === 1 ? name : `${name} ${c.major}.${c.minor}`);
const interfaceName = (c: ContractDefinition) => versioned(c, c.bindingName);

/** The WSDL first, then every XSD of the contract: the parts of SoapUI's definition cache. */
export function definitionParts(contract: ContractDefinition, root: string): Array<{ url: string; file: string; type: string }> {
  return [
    { file: contract.wsdlFile, type: WSDL_TYPE },
    ...contract.schemaFiles.map((file) => ({ file, type: XSD_TYPE })),
  ].map((p) => ({ ...p, url: pathToFileURL(path.join(root, p.file)).href }));
}

/** Every test case of the project, positive and negative, per operation. */
export function soapUiCases(config: Config): SoapUiCase[] {
  const root = findProjectRoot();
  const la = config.logicalAddresses[0]!;
  const cases: SoapUiCase[] = [];
  const consent = allOperations().find((r) => r.op.name === 'UpdateCaseOverviewConsent');
  // A push for a person is stored only with that person's consent (README, "Case hub"): the push's test case gives it first.
  const consentStep = (): SoapUiStep[] =>
    consent
      ? [{ ref: consent, name: 'give consent', request: withLogicalAddress(readSampleRequest(consent, root), la), keystore: defaultRole(config, consent.contract, la), expect: CONSENT_ACTIVE }]
      : [];
  for (const ref of allOperations()) {
    const sample = withLogicalAddress(readSampleRequest(ref, root), la);
    const keystore = defaultRole(config, ref.contract, la);
    const c = (name: string, fault: SoapUiCase['fault'], request: string, before: SoapUiStep[] = [], expect?: string): SoapUiCase => ({
      contract: ref.contract,
      operation: ref.op.name,
      name: `${versioned(ref.contract, ref.op.name)}: ${name}`,
      fault,
      request,
      keystore,
      before,
      ...(expect === undefined ? {} : { expect }),
    });
    const push = ref.op.name === 'PushCaseStatus';
    cases.push(
      push ? c('consent, then the sample request is stored', undefined, sample, consentStep(), PUSH_STORED) : c('sample request', undefined, sample),
      c('missing LogicalAddress is fault RP003', 'RP003', withoutLogicalAddress(sample)),
      c('unserved LogicalAddress is fault RP004', 'RP004', withLogicalAddress(sample, UNSERVED_LOGICAL_ADDRESS)),
      c('schema violation is fault RP006', 'RP006', withSchemaViolation(sample)),
    );
  }
  return cases;
}

/** A SoapUI request: `con:call` under an interface operation, `con:request` in a test step (the same config type). */
function requestElement(
  tag: 'call' | 'request',
  ref: OperationRef,
  endpoint: string,
  name: string,
  body: string,
  keystore: string | undefined,
  inner: string,
): string {
  return (
    `<con:${tag} name="${escapeAttr(name)}" id="${id('request', ref.contract.name, name)}" outgoingWss="" incomingWss="" ` +
    `sslKeystore="${keystore ? `${keystore}.p12` : ''}" useWsAddressing="false" useWsReliableMessaging="false" wssPasswordType="">` +
    `<con:settings/><con:encoding>UTF-8</con:encoding><con:endpoint>${escapeText(endpoint)}</con:endpoint>` +
    `<con:request>${cdata(body)}</con:request>` +
    inner +
    `<con:credentials><con:authType>No Authorization</con:authType></con:credentials>` +
    `<con:jmsConfig JMSDeliveryMode="PERSISTENT"/><con:jmsPropertyConfig/>` +
    `<con:wsaConfig mustUnderstand="NONE" version="200508" action="${escapeAttr(ref.op.soapAction)}"/><con:wsrmConfig version="1.2"/>` +
    `</con:${tag}>`
  );
}

function assertion(type: string, name: string, key: string, configuration?: string): string {
  const conf = configuration === undefined ? '' : `<con:configuration>${configuration}</con:configuration>`;
  return `<con:assertion type="${escapeAttr(type)}" id="${id('assertion', key, name)}" name="${escapeAttr(name)}">${conf}</con:assertion>`;
}

/**
 * SoapUI's assertion type ids are historical: "SOAP Fault Assertion" is the one labelled "Not SOAP
 * Fault", and "Not SOAP Fault Assertion" the one labelled "SOAP Fault" (SoapUI's NotSoapFaultAssertion
 * and SoapFaultAssertion classes).
 */
export const ASSERTION = {
  soapResponse: 'SOAP Response',
  notSoapFault: 'SOAP Fault Assertion',
  soapFault: 'Not SOAP Fault Assertion',
  schemaCompliance: 'Schema Compliance',
  contains: 'Simple Contains',
  httpStatus: 'Valid HTTP Status Codes',
} as const;

const containsRegEx = (token: string) => `<token>${escapeText(token)}</token><ignoreCase>false</ignoreCase><useRegEx>true</useRegEx>`;

function assertionsFor(c: Pick<SoapUiCase, 'name' | 'fault' | 'expect'>): string {
  const key = c.name;
  if (!c.fault) {
    return (
      assertion(ASSERTION.soapResponse, 'SOAP Response', key) +
      assertion(ASSERTION.notSoapFault, 'Not SOAP Fault', key) +
      assertion(ASSERTION.schemaCompliance, 'Schema Compliance', key, '') +
      (c.expect === undefined ? '' : assertion(ASSERTION.contains, 'answer matches', key, containsRegEx(c.expect)))
    );
  }
  return (
    assertion(ASSERTION.soapResponse, 'SOAP Response', key) +
    assertion(ASSERTION.soapFault, 'SOAP Fault', key) +
    assertion(ASSERTION.httpStatus, 'HTTP 500', key, '<codes>500</codes>') +
    assertion(ASSERTION.contains, `faultstring starts with ${c.fault}`, key, `<token>&lt;faultstring&gt;${c.fault} </token><ignoreCase>false</ignoreCase><useRegEx>false</useRegEx>`)
  );
}

function keystoreHelp(config: Config): string {
  const roles = Object.entries(DEV_ROLES)
    .map(([role, r]) => `  ${rolePaths(config.certsDir, role as DevRoleName).p12}  (${r.hsaId}, ${r.use})`)
    .join('\n');
  return [
    'RIVTA producer (riv-producer): every contract, sample requests and fault cases. Generated by npm run soapui; see docs/integration.md.',
    '',
    'Client certificate (mutual TLS). The producer refuses a connection without a client certificate from its CA.',
    `Each request names its keystore in the "SSL Keystore" request property; the keystores are registered under`,
    `Project > WS-Security Configurations > Keystores, type PKCS#12, password ${KEYSTORE_PASSWORD}:`,
    roles,
    'If a keystore shows an error there, generate the development PKI first (npm run certs, or npm start) and',
    'check the path. To use one certificate for every request instead: File > Preferences > SSL Settings >',
    `KeyStore = the .p12 file, KeyStore Password = ${KEYSTORE_PASSWORD}, and tick "requires client authentication".`,
    'SoapUI does not check the server certificate by default; its CA is ca.crt in the same directory.',
    '',
    `Requests go to ${baseUrl(config)}/<domain path>/<Operation>/<major>/rivtabp21 (the endpoint of each interface);`,
    `their LogicalAddress is ${config.logicalAddresses[0]}. Regenerate with other PRODUCER_* settings to change them.`,
  ].join('\n');
}

/** The whole SoapUI project file. */
export function buildSoapUiProject(config: Config): string {
  const root = findProjectRoot();
  const cases = soapUiCases(config);
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>\n');
  out.push(
    `<con:soapui-project id="${id('project')}" activeEnvironment="Default" name="riv-producer" resourceRoot="\${projectDir}" ` +
      `soapui-version="5.7.2" abortOnError="false" runType="SEQUENTIAL" xmlns:con="http://eviware.com/soapui/config">\n`,
  );
  out.push(`<con:description>${escapeText(keystoreHelp(config))}</con:description>\n<con:settings/>\n`);

  const contracts = [...new Set(allOperations().map((r) => r.contract))];
  for (const contract of contracts) {
    const endpoint = endpointUrl(config, contract);
    const parts = definitionParts(contract, root);
    out.push(
      `<con:interface xsi:type="con:WsdlInterface" id="${id('interface', versioned(contract, contract.name))}" wsaVersion="NONE" name="${escapeAttr(interfaceName(contract))}" ` +
        `type="wsdl" bindingName="{${escapeAttr(contract.wsdlNamespace)}}${escapeAttr(contract.bindingName)}" soapVersion="1_1" anonymous="optional" ` +
        `definition="${escapeAttr(parts[0]!.url)}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
        `<con:description>${escapeText(`${contract.name} ${contract.major}.${contract.minor} (${contract.namespace})`)}</con:description><con:settings/>\n`,
    );
    out.push(`<con:definitionCache type="TEXT" rootPart="${escapeAttr(parts[0]!.url)}">\n`);
    for (const p of parts) {
      const content = fs.readFileSync(path.join(root, p.file), 'utf8');
      out.push(`<con:part><con:url>${escapeText(p.url)}</con:url><con:content>${cdata(content)}</con:content><con:type>${p.type}</con:type></con:part>\n`);
    }
    out.push(`</con:definitionCache>\n<con:endpoints><con:endpoint>${escapeText(endpoint)}</con:endpoint></con:endpoints>\n`);
    for (const op of contract.operations) {
      const ref = { contract, op };
      const sample = cases.find((c) => c.contract === contract && c.operation === op.name && !c.fault)!;
      out.push(
        `<con:operation id="${id('operation', versioned(contract, contract.name), op.name)}" isOneWay="false" action="${escapeAttr(op.soapAction)}" name="${escapeAttr(op.name)}" ` +
          `bindingOperationName="${escapeAttr(op.name)}" type="Request-Response" inputName="" receivesAttachments="false" sendsAttachments="false" anonymous="optional">` +
          `<con:settings/>` +
          requestElement('call', ref, endpoint, `${versioned(contract, op.name)} sample`, sample.request, sample.keystore, '') +
          `</con:operation>\n`,
      );
    }
    out.push(`</con:interface>\n`);
  }

  for (const contract of contracts) {
    const endpoint = endpointUrl(config, contract);
    out.push(
      `<con:testSuite id="${id('suite', versioned(contract, contract.name))}" name="${escapeAttr(`${contract.name} ${contract.major}.${contract.minor}`)}">` +
        `<con:description>${escapeText(`Sample requests (${contract.operations.map((op) => sampleRequestPath({ contract, op })).join(', ')}) and fault cases.`)}</con:description>` +
        `<con:settings/><con:runType>SEQUENTIAL</con:runType>\n`,
    );
    for (const c of cases.filter((x) => x.contract === contract)) {
      const ref = { contract, op: contract.operations.find((o) => o.name === c.operation)! };
      const description = c.fault
        ? `Must answer a SOAP 1.1 fault, HTTP 500, faultstring starting with ${c.fault} (docs/integration.md, fault codes).`
        : c.before.length > 0
          ? `Gives the sample subject consent (UpdateCaseOverviewConsent as ${c.before.map((b) => `${b.keystore}.p12`).join(', ')}), then sends the contract's sample request, which must be stored (outcome CREATED, UPDATED or, when run again, UNCHANGED).`
          : `The contract's sample request; the answer must be a SOAP response that validates against the WSDL's schemas.`;
      const before = c.before.map((b) => {
        const bName = `${c.name} (${b.name})`;
        return (
          `<con:testStep type="request" id="${id('step', bName)}" name="${escapeAttr(b.name)}"><con:settings/>` +
          `<con:config xsi:type="con:RequestStep" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
          `<con:interface>${escapeText(interfaceName(b.ref.contract))}</con:interface><con:operation>${escapeText(b.ref.op.name)}</con:operation>` +
          requestElement('request', b.ref, endpointUrl(config, b.ref.contract), bName, b.request, b.keystore, assertionsFor({ name: bName, fault: undefined, expect: b.expect })) +
          `</con:config></con:testStep>`
        );
      });
      out.push(
        `<con:testCase id="${id('case', c.name)}" failOnError="false" failTestCaseOnErrors="true" keepSession="false" maxResults="0" ` +
          `name="${escapeAttr(c.name)}" searchProperties="true" timeout="0">` +
          `<con:description>${escapeText(`${description} Keystore: ${c.keystore ? `${c.keystore}.p12` : 'none in the development TAK; choose one'}.`)}</con:description><con:settings/>` +
          before.join('') +
          `<con:testStep type="request" id="${id('step', c.name)}" name="${escapeAttr(c.operation)}"><con:settings/>` +
          `<con:config xsi:type="con:RequestStep" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
          `<con:interface>${escapeText(interfaceName(contract))}</con:interface><con:operation>${escapeText(c.operation)}</con:operation>` +
          requestElement('request', ref, endpoint, c.name, c.request, c.keystore, assertionsFor(c)) +
          `</con:config></con:testStep><con:properties/></con:testCase>\n`,
      );
    }
    out.push(`<con:properties/></con:testSuite>\n`);
  }

  out.push('<con:properties/>\n<con:wssContainer>');
  // every client role, so a tester can switch a request to another caller (e.g. unknown.p12 for RP007)
  for (const role of Object.keys(DEV_ROLES) as DevRoleName[]) {
    out.push(
      `<con:crypto><con:source>${escapeText(rolePaths(config.certsDir, role).p12)}</con:source>` +
        `<con:password>${KEYSTORE_PASSWORD}</con:password><con:type>KEYSTORE</con:type></con:crypto>`,
    );
  }
  out.push('</con:wssContainer>\n<con:oAuth2ProfileContainer/><con:oAuth1ProfileContainer/><con:sensitiveInformation/>\n</con:soapui-project>\n');
  return out.join('');
}

function main(argv: string[]): number {
  const i = argv.indexOf('--out');
  if (argv.some((a, n) => a.startsWith('-') && a !== '--out' && argv[n - 1] !== '--out') || (i >= 0 && !argv[i + 1])) {
    process.stderr.write('usage: npm run soapui [-- --out <file>]\n');
    return 2;
  }
  const config = loadConfig();
  const file = path.resolve(i >= 0 ? argv[i + 1]! : path.join(findProjectRoot(), DEFAULT_PROJECT_FILE));
  const xml = buildSoapUiProject(config);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, xml);
  const cases = soapUiCases(config);
  const missing = (Object.keys(DEV_ROLES) as DevRoleName[]).map((r) => rolePaths(config.certsDir, r).p12).filter((p) => !fs.existsSync(p));
  process.stdout.write(
    `wrote ${file}\n` +
      `  ${new Set(cases.map((c) => c.contract)).size} interfaces, ${cases.length} test cases (${cases.filter((c) => c.fault).length} fault cases)\n` +
      `  endpoints under ${baseUrl(config)}, LogicalAddress ${config.logicalAddresses[0]}\n` +
      `  keystores: ${config.certsDir}/<role>.p12, password ${KEYSTORE_PASSWORD} (see the project description)\n` +
      (missing.length > 0 ? `  warning: ${missing.length} keystores missing in ${config.certsDir}; run npm run certs\n` : ''),
  );
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`soapui: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
