/**
 * Our contract packages against strict, independent tools: every sample validates against our XSDs,
 * xmllint compiles every XSD, zeep loads every WSDL from file, and JAX-WS wsimport accepts every WSDL.
 * A missing tool skips with a message locally and fails under CI=true.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import assert from 'node:assert/strict';
import { allContracts } from '../contracts/index.js';
import { validateResponse } from '../src/soap/validator.js';
import { findProjectRoot } from '../src/project-root.js';
import { parseXml, type XmlElement } from '../src/soap/xml.js';
import { readEnvelope } from '../src/soap/envelope.js';
import { LOGICAL_ADDRESS_QNAME } from '../src/transport/handle-request.js';
import { ANSWER_XML_LIMITS } from '../src/soap/consumer.js';
import { samplePath } from '../src/tools/kit.js';

const root = findProjectRoot();
const wsdls = fs.readdirSync(path.join(root, 'wsdl')).filter((f) => f.endsWith('.wsdl')).sort();
const xsds = (function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.xsd') ? [path.join(dir, e.name)] : [],
  );
})(path.join(root, 'schemas'));

function tool(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).error === undefined;
}

function requireTool(t: test.TestContext, available: boolean, name: string): boolean {
  if (available) return true;
  assert.notEqual(process.env.CI, 'true', `${name} is required under CI=true`);
  t.skip(`${name} is not installed here`);
  return false;
}

test('every contract has one WSDL and both samples, and the samples validate', () => {
  assert.equal(wsdls.length, allContracts.length);
  for (const contract of allContracts) {
    for (const op of contract.operations) {
      for (const kind of ['Request', 'Response'] as const) {
        const file = path.join(root, samplePath(contract, op, kind));
        const label = `${contract.namespace}: ${path.relative(root, file)}`;
        const xml = fs.readFileSync(file, 'utf8');
        // The envelope XSD's Body wildcard is lax: an element of another contract (another major) would
        // pass validation unchecked, so first make sure the body element is this contract's.
        const envelope = readEnvelope(parseXml(xml, ANSWER_XML_LIMITS).root);
        const expected = kind === 'Request' ? op.request.element : op.response.element;
        assert.equal(`{${envelope.body.ns}}${envelope.body.name}`, expected, label);
        if (kind === 'Request') {
          assert.ok(envelope.headers.some((h) => `{${h.ns}}${h.name}` === LOGICAL_ADDRESS_QNAME), `${label}: LogicalAddress header`);
        }
        assert.equal(validateResponse(contract, xml, root), undefined, label);
      }
    }
  }
});

test('every file in a samples directory is the sample of a compiled contract', () => {
  const expected = new Set(
    allContracts.flatMap((c) => c.operations.flatMap((op) => [samplePath(c, op, 'Request'), samplePath(c, op, 'Response')])),
  );
  const dirs = fs.readdirSync(path.join(root, 'schemas/interactions')).map((d) => `schemas/interactions/${d}/samples`);
  const found = dirs.flatMap((d) => (fs.existsSync(path.join(root, d)) ? fs.readdirSync(path.join(root, d)).map((f) => `${d}/${f}`) : []));
  assert.deepEqual(found.filter((f) => !expected.has(f)), [], 'samples no contract names (misnamed, or left over)');
});

const XS = 'http://www.w3.org/2001/XMLSchema';
/** Every element of a parsed schema, depth first. */
function schemaElements(file: string): XmlElement[] {
  const all: XmlElement[] = [];
  (function walk(e: XmlElement) {
    all.push(e);
    e.children.forEach(walk);
  })(parseXml(fs.readFileSync(file, 'utf8'), ANSWER_XML_LIMITS).root);
  return all;
}
const contractSchemas = [...new Set(allContracts.flatMap((c) => c.schemaFiles))].sort();

test('every complexType of a contract schema ends with the ##other wildcard (RIVTA extensibility)', () => {
  for (const file of contractSchemas) {
    for (const type of schemaElements(path.join(root, file)).filter((e) => e.ns === XS && e.name === 'complexType')) {
      const label = `${file}: complexType ${type.attributes.name ?? '(anonymous)'}`;
      const model = type.children.filter((c) => c.name !== 'annotation');
      assert.equal(model[0]?.name, 'sequence', label);
      const last = model[0]!.children.filter((c) => c.name !== 'annotation').at(-1);
      assert.deepEqual(
        last && { name: last.name, ...last.attributes },
        { name: 'any', namespace: '##other', processContents: 'lax', minOccurs: '0', maxOccurs: 'unbounded' },
        label,
      );
    }
  }
});

test('the schemas on the case hub core 2.0 document every element and type (carried into the generated types)', () => {
  const core2 = 'schemas/core_components/casemanagement_caseoverview_2.0.xsd';
  const files = [...new Set(allContracts.filter((c) => c.schemaFiles.includes(core2)).flatMap((c) => c.schemaFiles))]
    .filter((f) => !f.includes('itintegration_registry')) // the national registry schema, used as it is
    .sort();
  assert.ok(files.length >= 6, files.join());
  for (const file of files) {
    for (const e of schemaElements(path.join(root, file)).filter((x) => x.ns === XS && /^(element|complexType|simpleType|attribute)$/.test(x.name))) {
      const documented = e.children.some((a) => a.name === 'annotation' && a.children.some((d) => d.name === 'documentation' && d.text.trim()));
      assert.ok(documented, `${file}: ${e.name} ${e.attributes.name ?? e.attributes.ref ?? ''} has no xs:documentation`);
    }
  }
});

test('a sample with a schema violation is rejected', () => {
  const contract = allContracts.find((c) => c.name === 'GetDiagnosis')!;
  const file = path.join(root, 'schemas/interactions/GetDiagnosisInteraction/samples/GetDiagnosisRequest.xml');
  const broken = fs.readFileSync(file, 'utf8').replace('<tjsr:includeInactive>false', '<tjsr:includeInactive>maybe');
  assert.ok(validateResponse(contract, broken, root));
});

test('xmllint compiles every XSD', (t) => {
  if (!requireTool(t, tool('xmllint', ['--version']), 'xmllint (libxml2-utils)')) return;
  for (const xsd of xsds) {
    // Exit 3 means the schema compiled and only the dummy instance failed; 5 means the schema did not compile.
    const r = spawnSync('xmllint', ['--noout', '--schema', xsd, xsd], { encoding: 'utf8' });
    assert.notEqual(r.status, 5, `${path.relative(root, xsd)}: ${r.stderr}`);
  }
});

test('zeep loads every WSDL from file', (t) => {
  const python = '/usr/bin/python3';
  const ok = fs.existsSync(python) && spawnSync(python, ['-c', 'import zeep']).status === 0;
  if (!requireTool(t, ok, 'python3-zeep')) return;
  for (const wsdl of wsdls) {
    const script = `import zeep,sys\nc=zeep.Client(sys.argv[1])\nfor s in c.wsdl.services.values():\n  for p in s.ports.values():\n    print(list(p.binding._operations))`;
    const out = execFileSync(python, ['-c', script, path.join(root, 'wsdl', wsdl)], { encoding: 'utf8' });
    assert.match(out, new RegExp(wsdl.split('Interaction')[0]!), wsdl);
  }
});

test('wsimport accepts every WSDL', { timeout: 300_000 }, (t) => {
  if (!requireTool(t, tool('wsimport', ['-version']), 'wsimport (jaxws)')) return;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wsimport-'));
  for (const wsdl of wsdls) {
    const r = spawnSync('wsimport', ['-Xnocompile', '-quiet', '-d', out, path.join(root, 'wsdl', wsdl)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${wsdl}: ${r.stdout}${r.stderr}`);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /\[WARNING\]|\[ERROR\]/, wsdl);
  }
  fs.rmSync(out, { recursive: true, force: true });
});
