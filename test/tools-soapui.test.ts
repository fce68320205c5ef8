/**
 * `npm run soapui`: the generated SoapUI project is well-formed, covers every operation of every
 * contract, embeds exactly the WSDL and XSD files on disk, points at the configured endpoint, and its
 * requests are right: positive ones validate against our XSDs, negative ones carry fault assertions.
 * Finally every test case is replayed against the running application with the keystore it names,
 * and must get what its assertions expect (SoapUI itself is not installed here).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { allContracts } from '../contracts/index.js';
import type { ContractDefinition } from '../contracts/rivta.js';
import { DEV_ROLES, KEYSTORE_PASSWORD, type DevRoleName } from '../certs/dev-pki.js';
import { loadConfig, type Config } from '../src/config.js';
import { Tak } from '../src/security/tak.js';
import { endpointPath } from '../src/soap/service.js';
import { EnvelopeValidator, validateResponse } from '../src/soap/validator.js';
import { ASSERTION, buildSoapUiProject, UNSERVED_LOGICAL_ADDRESS } from '../src/tools/soapui.js';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';
import { httpsCall, type HttpsReply } from './helpers/https-call.js';
import { projectRoot, runTool } from './helpers/run-tool.js';

const CON = 'http://eviware.com/soapui/config';
const LA = 'LA-FIRST';

function parse(xml: string): Element {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void (level !== 'warning' && errors.push(msg)) }).parseFromString(xml, 'text/xml');
  assert.deepEqual(errors, [], 'well-formed XML');
  return doc.documentElement!;
}

const all = (el: Element, local: string): Element[] => Array.from(el.getElementsByTagNameNS(CON, local));
const kids = (el: Element, local: string): Element[] =>
  Array.from(el.childNodes).filter((n): n is Element => n.nodeType === 1 && (n as Element).localName === local && (n as Element).namespaceURI === CON);
const kid = (el: Element, local: string): Element => {
  const k = kids(el, local)[0];
  assert.ok(k, `<con:${local}> under <con:${el.localName}>`);
  return k;
};
const text = (el: Element) => el.textContent ?? '';

interface Step {
  readonly suite: string;
  readonly name: string;
  /** A step that prepares its test case (consent before a push), not the case's own request. */
  readonly setup: boolean;
  readonly operation: string;
  readonly endpoint: string;
  readonly keystore: string;
  readonly body: string;
  readonly assertions: ReadonlyArray<{ type: string; name: string; config: string }>;
}

/** Every step of every test case, in the order SoapUI runs them. */
function allSteps(project: Element): Step[] {
  return kids(project, 'testSuite').flatMap((suite) =>
    kids(suite, 'testCase').flatMap((tc) => {
      const testSteps = kids(tc, 'testStep');
      return testSteps.map((ts, n) => {
      const config = kid(ts, 'config');
      const request = kid(config, 'request');
      return {
        suite: suite.getAttribute('name')!,
        name: tc.getAttribute('name')!,
        setup: n < testSteps.length - 1,
        operation: text(kid(config, 'operation')),
        endpoint: text(kid(request, 'endpoint')),
        keystore: request.getAttribute('sslKeystore') ?? '',
        body: text(kid(request, 'request')),
        assertions: kids(request, 'assertion').map((a) => ({
          type: a.getAttribute('type')!,
          name: a.getAttribute('name')!,
          config: kids(a, 'configuration')[0]?.toString() ?? '',
        })),
      };
      });
    }),
  );
}

/** The step each test case is about (its last), without the steps that prepare it. */
const steps = (project: Element): Step[] => allSteps(project).filter((s) => !s.setup);

/** The regular expression of a step's "answer matches" assertion (Simple Contains with useRegEx). */
function expectedPattern(s: Step): RegExp | undefined {
  const a = s.assertions.find((x) => x.type === ASSERTION.contains && /<useRegEx>true</.test(x.config));
  if (!a) return undefined;
  const token = /<token>([\s\S]*?)<\/token>/.exec(a.config)![1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  // Java's inline (?s) flag, as JavaScript's s flag
  return new RegExp(token.replace(/^\(\?s\)/, ''), 's');
}

/** A step's contract, by its endpoint: the operation name alone is shared by the majors of an interaction. */
const contractOf = (s: Step): ContractDefinition => allContracts.find((c) => s.endpoint.endsWith(endpointPath(c)))!;
const faultCodeOf = (s: Step) => /faultstring starts with (RP\d{3})/.exec(s.assertions.map((a) => a.name).join(' '))?.[1];

describe('npm run soapui: the generated project', () => {
  const certsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-soapui-'));
  const env = { PRODUCER_CERTS_DIR: certsDir, PRODUCER_PORT: '9443', PRODUCER_LOGICAL_ADDRESSES: `${LA},LA-SECOND` };
  const config = loadConfig(env, projectRoot);
  const xml = buildSoapUiProject(config);
  const project = parse(xml);
  const validators = new Map(allContracts.map((c) => [c, EnvelopeValidator.compile(c, projectRoot)]));
  after(() => {
    for (const v of validators.values()) v.dispose();
    fs.rmSync(certsDir, { recursive: true, force: true });
  });

  it('is a SoapUI 5 project, generated deterministically', () => {
    assert.equal(project.namespaceURI, CON);
    assert.equal(project.localName, 'soapui-project');
    assert.match(project.getAttribute('soapui-version') ?? '', /^5\./);
    assert.equal(buildSoapUiProject(config), xml, 'the same input gives the same file');
  });

  it('has one WSDL interface per contract embedding the WSDL and every XSD, equal to the files on disk', () => {
    const interfaces = kids(project, 'interface');
    const names = interfaces.map((i) => i.getAttribute('name')!);
    assert.equal(new Set(names).size, names.length, 'interface names are unique (SoapUI finds an interface by name)');
    assert.deepEqual(interfaces.map((i) => i.getAttribute('bindingName')).sort(), allContracts.map((c) => `{${c.wsdlNamespace}}${c.bindingName}`).sort());
    for (const contract of allContracts) {
      const iface = interfaces.find((i) => i.getAttribute('bindingName') === `{${contract.wsdlNamespace}}${contract.bindingName}`)!;
      assert.ok(names.includes(iface.getAttribute('name')!));
      assert.equal(iface.getAttribute('type'), 'wsdl');
      assert.equal(iface.getAttribute('soapVersion'), '1_1');
      assert.equal(iface.getAttribute('bindingName'), `{${contract.wsdlNamespace}}${contract.bindingName}`);
      const cache = kid(iface, 'definitionCache');
      const parts = kids(cache, 'part').map((p) => ({ url: text(kid(p, 'url')), content: text(kid(p, 'content')), type: text(kid(p, 'type')) }));
      assert.equal(cache.getAttribute('rootPart'), parts[0]!.url);
      assert.equal(parts[0]!.type, 'http://schemas.xmlsoap.org/wsdl/');
      const files = parts.map((p) => path.relative(projectRoot, fileURLToPath(p.url)));
      assert.deepEqual(files, [contract.wsdlFile, ...contract.schemaFiles]);
      for (const p of parts) assert.equal(p.content, fs.readFileSync(fileURLToPath(p.url), 'utf8'), `${p.url} embedded as on disk`);
      // SoapUI resolves imports inside the cache: every schemaLocation must name another part
      const urls = new Set(parts.map((p) => p.url));
      for (const p of parts) {
        for (const [, loc] of p.content.matchAll(/schemaLocation="([^"]+)"/g)) assert.ok(urls.has(new URL(loc!, p.url).href), `${loc} from ${p.url}`);
      }
      const ops = kids(iface, 'operation');
      assert.deepEqual(ops.map((o) => [o.getAttribute('name'), o.getAttribute('action')]), contract.operations.map((o) => [o.name, o.soapAction]));
      assert.deepEqual(kids(kid(iface, 'endpoints'), 'endpoint').map(text), [`https://localhost:9443${endpointPath(contract)}`]);
    }
  });

  it('has a test suite per contract and a sample test case per operation, valid, with the three assertions', () => {
    assert.equal(kids(project, 'testSuite').length, allContracts.length);
    const positive = steps(project).filter((s) => !faultCodeOf(s));
    const operations = allContracts.flatMap((c) => c.operations.map((o) => `${c.namespace} ${o.name}`));
    assert.deepEqual(positive.map((s) => `${contractOf(s).namespace} ${s.operation}`).sort(), [...operations].sort(), 'every operation once');
    const tak = new Tak(config);
    for (const s of positive) {
      const contract = contractOf(s);
      assert.equal(validators.get(contract)!.validate(s.body), undefined, `${s.name} validates against our XSDs`);
      assert.match(s.body, new RegExp(`<(\\w+:)?LogicalAddress>${LA}</`), 'the first configured logical address');
      assert.deepEqual(
        s.assertions.filter((a) => a.name !== 'answer matches').map((a) => [a.type, a.name]),
        [
          [ASSERTION.soapResponse, 'SOAP Response'],
          [ASSERTION.notSoapFault, 'Not SOAP Fault'],
          [ASSERTION.schemaCompliance, 'Schema Compliance'],
        ],
      );
      assert.equal(s.endpoint, `https://localhost:9443${endpointPath(contract)}`);
      assert.ok(s.keystore, `${s.name}: no development role is in TAK for ${contract.namespace}`);
      const role = s.keystore.replace(/\.p12$/, '') as DevRoleName;
      assert.ok(tak.isAuthorised(DEV_ROLES[role].hsaId, contract.namespace, LA), `${role} is in TAK for ${contract.name}`);
    }
    const roleFor = Object.fromEntries(positive.filter((s) => contractOf(s).major === 1).map((s) => [s.operation, s.keystore]));
    assert.equal(roleFor.GetDiagnosis, 'journal-system.p12');
    assert.equal(roleFor.SearchPersonnel, 'supervisor.p12');
    assert.equal(roleFor.PushCaseStatus, 'case-system.p12');
    assert.equal(roleFor.GetCaseOverview, 'case-view.p12');
  });

  it('gives the sample subject consent before each push and asserts that the push was stored', () => {
    const all = allSteps(project);
    const pushes = all.filter((s) => !s.setup && s.operation === 'PushCaseStatus' && !faultCodeOf(s));
    assert.equal(pushes.length, allContracts.filter((c) => c.name === 'PushCaseStatus').length, 'one sample push per major');
    for (const push of pushes) {
      const setup = all.filter((s) => s.setup && s.name === push.name);
      assert.deepEqual(setup.map((s) => s.operation), ['UpdateCaseOverviewConsent'], `${push.name}: consent first`);
      assert.equal(setup[0]!.keystore, 'case-view.p12');
      assert.match(setup[0]!.body, /<(\w+:)?action>GIVE</);
      const subject = (body: string) => /<(?:\w+:)?personalIdentityNumber>(\d+)</.exec(body)?.[1];
      assert.equal(subject(setup[0]!.body), subject(push.body), 'consent for the subject the push names');
      assert.match('<x:outcome>CREATED</x:outcome>', expectedPattern(push)!);
      assert.doesNotMatch('<x:result><x:resultCode>INFO</x:resultCode></x:result>', expectedPattern(push)!, 'an answer without outcome fails');
      assert.match('<consentStatus>ACTIVE</consentStatus>', expectedPattern(setup[0]!)!);
    }
  });

  it('has negative cases per operation that assert a fault: RP003, RP004, RP006', () => {
    const negative = steps(project).filter((s) => faultCodeOf(s));
    for (const contract of allContracts) {
      for (const op of contract.operations) {
        const mine = negative.filter((s) => contractOf(s) === contract && s.operation === op.name);
        assert.deepEqual(mine.map(faultCodeOf).sort(), ['RP003', 'RP004', 'RP006'], op.name);
        for (const s of mine) {
          const types = s.assertions.map((a) => a.type);
          assert.ok(types.includes(ASSERTION.soapFault), `${s.name}: asserts a SOAP fault`);
          assert.ok(!types.includes(ASSERTION.notSoapFault) && !types.includes(ASSERTION.schemaCompliance));
          const contains = s.assertions.find((a) => a.type === ASSERTION.contains)!;
          assert.match(contains.config, new RegExp(`<token>&lt;faultstring(&gt;|>)${faultCodeOf(s)} </token>`));
          const failure = validators.get(contract)!.validate(s.body);
          if (faultCodeOf(s) === 'RP003') {
            assert.doesNotMatch(s.body, /LogicalAddress/);
            assert.equal(failure, undefined, 'only the header is missing');
          } else if (faultCodeOf(s) === 'RP004') {
            assert.match(s.body, new RegExp(`LogicalAddress>${UNSERVED_LOGICAL_ADDRESS}<`));
            assert.equal(failure, undefined);
          } else {
            assert.ok(failure, 'the RP006 request violates the schema');
            assert.match(s.body, new RegExp(`LogicalAddress>${LA}<`));
          }
        }
      }
    }
  });

  it('registers the PKCS#12 keystores (password changeit) that the requests name, and documents them', () => {
    const cryptos = all(project, 'crypto').map((c) => ({ source: text(kid(c, 'source')), password: text(kid(c, 'password')) }));
    for (const s of allSteps(project)) {
      const crypto = cryptos.find((c) => path.basename(c.source) === s.keystore);
      assert.ok(crypto, `${s.keystore} is a project keystore`);
      assert.equal(crypto.source, path.join(certsDir, s.keystore));
      assert.equal(crypto.password, KEYSTORE_PASSWORD);
    }
    const description = text(kid(project, 'description'));
    assert.match(description, /changeit/);
    assert.match(description, /SSL Keystore/);
    assert.ok(description.includes(path.join(certsDir, 'journal-system.p12')));
  });

  it('honours PRODUCER_PUBLIC_URL for every endpoint', () => {
    const viaVp = parse(buildSoapUiProject(loadConfig({ ...env, PRODUCER_PUBLIC_URL: 'https://vp.example.org/base/' }, projectRoot)));
    const endpoints = [...all(viaVp, 'endpoint').map(text)];
    assert.ok(endpoints.length > allContracts.length);
    for (const e of endpoints) assert.match(e, /^https:\/\/vp\.example\.org\/base\/[a-z]+\/.+\/rivtabp21$/);
  });

  it('npm run soapui writes the same project from the PRODUCER_* environment', async () => {
    const out = path.join(certsDir, 'out', 'project.xml');
    const r = await runTool('soapui', ['--out', out], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote .*project\.xml/);
    assert.equal(fs.readFileSync(out, 'utf8'), xml);
  });
});

describe('npm run soapui: every test case replayed against the running producer', () => {
  let t: TestApp;
  let config: Config;
  before(async () => {
    t = await startTestApp();
    config = loadConfig({ PRODUCER_CERTS_DIR: t.certsDir, PRODUCER_PORT: String(t.port) }, projectRoot);
  });
  after(async () => {
    await t?.close();
  });

  /** POSTs as SoapUI would: the keystore file itself (PKCS#12, 3DES) as the client certificate. */
  function replay(s: Step, contract: ContractDefinition): Promise<HttpsReply> {
    const op = contract.operations.find((o) => o.name === s.operation)!;
    return httpsCall(
      {
        url: s.endpoint,
        method: 'POST',
        agent: false,
        pfx: fs.readFileSync(path.join(t.certsDir, s.keystore)),
        passphrase: KEYSTORE_PASSWORD,
        ca: fs.readFileSync(path.join(t.certsDir, 'ca.crt')),
        headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${op.soapAction}"` },
      },
      s.body,
    );
  }

  it('each case gets what its assertions expect', async (tc) => {
    const served = new Set(t.app.producer.services.map((s) => s.namespace));
    const skipped: string[] = [];
    const all = allSteps(parse(buildSoapUiProject(config)));
    // a test case runs whole or not at all: its push needs the consent step before it
    const unserved = new Set(all.filter((s) => !served.has(contractOf(s).namespace)).map((s) => s.name));
    for (const s of all) {
      const contract = contractOf(s);
      if (unserved.has(s.name)) {
        skipped.push(s.name);
        continue;
      }
      const r = await replay(s, contract);
      const code = faultCodeOf(s);
      if (code) {
        assert.equal(r.status, 500, `${s.name}: ${r.body}`);
        assert.ok(r.body.includes(`<faultstring>${code} `), `${s.name}: ${r.body}`);
      } else {
        assert.equal(r.status, 200, `${s.name}: ${r.body}`);
        assert.equal(validateResponse(contract, r.body), undefined, `${s.name}: the answer is schema compliant`);
        const expected = expectedPattern(s);
        if (expected) assert.match(r.body, expected, `${s.name} (${s.operation}): the answer matches`);
      }
    }
    if (skipped.length > 0) tc.diagnostic(`not served yet, not replayed: ${skipped.join('; ')}`);
  });
});
