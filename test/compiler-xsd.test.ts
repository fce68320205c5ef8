/**
 * The contract compiler on small hand-written packages: every XSD feature it maps (includes, groups,
 * derivation, choices, lists, unions, anonymous types, sanitised names) and every way a contract can be
 * broken (each reported with file, line and name).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { compilePackage, ContractError } from '../src/compiler/compile.js';
import { complex, REGISTRY, simple, typeCheck, writePackage, wsdl, XSD_HEAD } from './helpers/contract-package.js';

// ---------------------------------------------------------------------------- XSD features

function featurePackage(): string {
  const R = 'urn:riv:test:features:DoThingsResponder:1';
  const C = 'urn:riv:test:features:1';
  return writePackage({
    'wsdl/DoThingsInteraction_1.0_RIVTABP21.wsdl': wsdl('DoThings', 'test:features'),
    'schemas/core_components/itintegration_registry_1.0.xsd': REGISTRY,
    'schemas/core_components/test_features_1.0.xsd': `${XSD_HEAD(C)}  <xs:include schemaLocation="test_features_part.xsd"/>
  <xs:complexType name="Node">
    <xs:sequence>
      <xs:element name="label" type="xs:string"/>
      <xs:element name="child" type="tns:Node" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
  </xs:complexType>
  <xs:complexType name="Base">
    <xs:sequence><xs:element name="id" type="xs:long"/></xs:sequence>
    <xs:attribute name="version" type="xs:int" use="required"/>
  </xs:complexType>
  <xs:complexType name="Derived">
    <xs:complexContent>
      <xs:extension base="tns:Base">
        <xs:sequence>
          <xs:choice>
            <xs:element name="a" type="xs:string"/>
            <xs:sequence><xs:element name="b1" type="xs:string"/><xs:element name="b2" type="xs:string"/></xs:sequence>
          </xs:choice>
          <xs:group ref="tns:Extras"/>
        </xs:sequence>
        <xs:attributeGroup ref="tns:Common"/>
        <xs:anyAttribute namespace="##other" processContents="lax"/>
      </xs:extension>
    </xs:complexContent>
  </xs:complexType>
  <xs:group name="Extras">
    <xs:sequence>
      <xs:element name="note" type="xs:string" minOccurs="0" maxOccurs="3"/>
      <xs:element name="first-name" type="xs:string" minOccurs="0" nillable="true"/>
    </xs:sequence>
  </xs:group>
  <xs:attributeGroup name="Common">
    <xs:attribute name="lang" type="xs:language"/>
  </xs:attributeGroup>
  <xs:simpleType name="Codes"><xs:list itemType="tns:Level"/></xs:simpleType>
  <xs:simpleType name="Level"><xs:restriction base="xs:int"><xs:enumeration value="1"/><xs:enumeration value="2"/></xs:restriction></xs:simpleType>
  <xs:simpleType name="Either"><xs:union memberTypes="xs:int xs:date"/></xs:simpleType>
  <xs:simpleType name="Short3"><xs:restriction base="tns:Code"><xs:maxLength value="3"/></xs:restriction></xs:simpleType>
  <xs:complexType name="Amount">
    <xs:simpleContent><xs:extension base="xs:decimal"><xs:attribute name="currency" type="xs:string" default="SEK"/></xs:extension></xs:simpleContent>
  </xs:complexType>
  <xs:complexType name="class"><xs:sequence><xs:element name="x" type="xs:boolean" fixed="true"/></xs:sequence></xs:complexType>
  <xs:complexType name="Foo.Bar"><xs:sequence><xs:any namespace="##any" processContents="skip" minOccurs="0"/></xs:sequence></xs:complexType>
</xs:schema>
`,
    // chameleon include: no targetNamespace, takes the includer's
    'schemas/core_components/test_features_part.xsd': `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:include schemaLocation="test_features_1.0.xsd"/>
  <xs:simpleType name="Code"><xs:restriction base="xs:string"><xs:minLength value="1"/><xs:pattern value="[A-Z]+"/></xs:restriction></xs:simpleType>
</xs:schema>
`,
    'schemas/interactions/DoThingsInteraction/DoThingsResponder_1.0.xsd': `${XSD_HEAD(R, ` xmlns:core="${C}"`)}  <xs:import namespace="${C}" schemaLocation="../../core_components/test_features_1.0.xsd"/>
  <xs:element name="DoThings">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="tree" type="core:Node"/>
        <xs:element name="derived" type="core:Derived" maxOccurs="unbounded"/>
        <xs:element name="codes" type="core:Codes" minOccurs="0"/>
        <xs:element name="either" type="core:Either"/>
        <xs:element name="short" type="core:Short3"/>
        <xs:element name="amount" type="core:Amount"/>
        <xs:element name="klass" type="core:class"/>
        <xs:element name="foo" type="core:Foo.Bar"/>
        <xs:element name="inline">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="deep"><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value="it's"/></xs:restriction></xs:simpleType></xs:element>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:any namespace="##other" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:element name="DoThingsResponse" type="tns:DoThingsResponseType"/>
  <xs:complexType name="DoThingsResponseType"><xs:sequence><xs:element name="ok" type="xs:boolean"/><xs:element name="node" type="tns:Node"/><xs:element name="h" type="tns:DoThingsHeaders"/></xs:sequence></xs:complexType>
  <xs:complexType name="Node"><xs:sequence><xs:element name="responderNode" type="xs:string"/></xs:sequence></xs:complexType>
  <xs:simpleType name="DoThingsHeaders"><xs:restriction base="xs:string"/></xs:simpleType>
</xs:schema>
`,
  });
}

test('XSD features: include (chameleon, cyclic), groups, attribute groups, extension, nested choice, list, union, recursion, anonymous types, sanitised names', () => {
  const dir = featurePackage();
  try {
    const r = compilePackage({ inDir: dir });
    assert.equal(r.contracts.length, 1);
    const c = r.contracts[0]!;
    const C = 'urn:riv:test:features:1';
    const R = 'urn:riv:test:features:DoThingsResponder:1';
    assert.equal(c.domain, 'test:features');
    assert.deepEqual(c.schemaFiles, [
      'schemas/core_components/itintegration_registry_1.0.xsd',
      'schemas/core_components/test_features_1.0.xsd',
      'schemas/core_components/test_features_part.xsd',
      'schemas/interactions/DoThingsInteraction/DoThingsResponder_1.0.xsd',
    ]);
    assert.equal(c.operations[0]!.request.type, `{${R}}DoThings#`);
    assert.deepEqual(complex(c, `{${C}}Node`).fields.map((f) => [f.name, f.type, f.min, f.max]), [
      ['label', 'xs:string', 1, 1],
      ['child', `{${C}}Node`, 0, -1],
    ]);
    assert.deepEqual(complex(c, `{${C}}Derived`).fields.map((f) => [f.name, f.kind, f.min, f.max, f.choice ?? null]), [
      ['id', 'element', 1, 1, null],
      ['a', 'element', 0, 1, 1],
      ['b1', 'element', 0, 1, 1],
      ['b2', 'element', 0, 1, 1],
      ['note', 'element', 0, 3, null],
      ['first-name', 'element', 0, 1, null],
      ['version', 'attribute', 1, 1, null],
      ['lang', 'attribute', 0, 1, null],
    ]);
    assert.deepEqual(simple(c, `{${C}}Codes`), { kind: 'simple', base: 'string', list: `{${C}}Level` });
    assert.deepEqual(simple(c, `{${C}}Level`), { kind: 'simple', base: 'int', enumeration: ['1', '2'] });
    assert.deepEqual(simple(c, `{${C}}Either`), { kind: 'simple', base: 'string' });
    assert.deepEqual(simple(c, `{${C}}Short3`), { kind: 'simple', base: 'string', minLength: 1, maxLength: 3, pattern: ['[A-Z]+'] });
    const amount = complex(c, `{${C}}Amount`);
    assert.equal(amount.simpleContent, 'xs:decimal');
    assert.deepEqual(amount.fields, [{ name: 'currency', kind: 'attribute', ns: null, type: 'xs:string', min: 0, max: 1 }]);
    assert.deepEqual(simple(c, `{${R}}DoThings#inline/deep`).enumeration, ["it's"]);

    const types = r.files.get('_types/urn_riv_test_features_1.ts')!;
    assert.match(types, /export interface class_ \{\n  x: boolean;\n\}/);
    assert.match(types, /export interface Foo_Bar \{\n  \$any\?: \$rivta\.AnyElement\[\];\n\}/);
    assert.match(types, /export type Level = 1 \| 2;/);
    assert.match(types, /export type Codes = Level\[\];/);
    assert.match(types, /export interface Amount \{\n  \$value: string;\n  currency\?: string;\n\}/);
    assert.match(types, /  id: string;\n  a\?: string;\n  b1\?: string;\n  b2\?: string;\n  note\?: string\[\];\n  'first-name'\?: string;\n  version: number;\n  lang\?: string;/);
    const resp = r.files.get('_types/urn_riv_test_features_DoThingsResponder_1.ts')!;
    assert.match(resp, /export interface DoThings \{/);
    assert.match(resp, /export interface DoThings_inline \{\n  deep: DoThings_inline_deep;\n\}/);
    assert.match(resp, /export type DoThings_inline_deep = 'it\\'s';/);
    // re-exports: the responder namespace keeps its names; clashes get the module name appended
    const mod = r.files.get('test/features/DoThingsInteraction.ts')!;
    assert.match(mod, /export type \{\n  DoThings,\n  DoThingsHeaders as DoThingsHeaders_urn_riv_test_features_DoThingsResponder_1,\n  DoThingsResponseType,\n  DoThings_inline,\n  DoThings_inline_deep,\n  Node,\n\} from '\.\.\/\.\.\/_types\/urn_riv_test_features_DoThingsResponder_1\.js';/);
    assert.match(mod, /  Node as Node_urn_riv_test_features_1,\n/);
    assert.match(mod, /export interface DoThingsHeaders \{\n  readonly LogicalAddress: \$t\d\.LogicalAddressType;\n\}/);
    assert.equal(typeCheck(r.files), '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('hostile names: a type called __proto__ or constructor stays an ordinary key of the metadata', async () => {
  const R = 'urn:riv:test:odd:OddResponder:1';
  const dir = writePackage({
    'wsdl/OddInteraction_1.0_RIVTABP21.wsdl': wsdl('Odd', 'test:odd', '\n      <xs:import schemaLocation="../schemas/core_components/no_namespace.xsd"/>'),
    'schemas/core_components/itintegration_registry_1.0.xsd': REGISTRY,
    'schemas/core_components/no_namespace.xsd': `<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:complexType name="__proto__"><xs:sequence><xs:element name="constructor" type="xs:string"/></xs:sequence></xs:complexType>
</xs:schema>
`,
    'schemas/interactions/OddInteraction/OddResponder_1.0.xsd': `${XSD_HEAD(R)}  <xs:import schemaLocation="../../core_components/no_namespace.xsd"/>
  <xs:element name="Odd"><xs:complexType><xs:sequence><xs:element name="p" type="__proto__"/></xs:sequence></xs:complexType></xs:element>
  <xs:element name="OddResponse"><xs:complexType><xs:sequence><xs:element name="ok" type="xs:constructor" minOccurs="0"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>
`,
  });
  try {
    // xs:constructor is no XML Schema built-in, whatever Object.prototype holds
    assert.throws(() => compilePackage({ inDir: dir }), (e: unknown) => e instanceof ContractError && e.message.includes('unknown XML Schema built-in type "xs:constructor"'));
    const responder = path.join(dir, 'schemas/interactions/OddInteraction/OddResponder_1.0.xsd');
    fs.writeFileSync(responder, fs.readFileSync(responder, 'utf8').replace('xs:constructor', 'xs:boolean'));
    const r = compilePackage({ inDir: dir });
    const text = r.files.get('_types/_no_namespace.ts')!;
    assert.match(text, /export interface __proto__ \{\n  constructor: string;\n\}/);
    assert.equal(typeCheck(r.files), '');
    // evaluated, the table has __proto__ as its own key (an object literal's `__proto__:` would set the prototype)
    const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
    const mod = (await import(`data:text/javascript,${encodeURIComponent(js)}`)) as { $types: Record<string, unknown> };
    assert.ok(Object.hasOwn(mod.$types, '__proto__'));
    assert.equal(Object.getPrototypeOf(mod.$types), Object.prototype);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------- broken contracts

function brokenPackage(mutate: (files: Record<string, string>) => void): string {
  const R = 'urn:riv:test:broken:PingResponder:1';
  const files: Record<string, string> = {
    'wsdl/PingInteraction_1.0_RIVTABP21.wsdl': wsdl('Ping', 'test:broken'),
    'schemas/core_components/itintegration_registry_1.0.xsd': REGISTRY,
    'schemas/interactions/PingInteraction/PingResponder_1.0.xsd': `${XSD_HEAD(R)}  <xs:element name="Ping" type="tns:PingType"/>
  <xs:element name="PingResponse" type="tns:PingResponseType"/>
  <xs:complexType name="PingType">
    <xs:sequence>
      <xs:element name="value" type="tns:ValueType"/>
    </xs:sequence>
  </xs:complexType>
  <xs:simpleType name="ValueType"><xs:restriction base="xs:string"/></xs:simpleType>
  <xs:complexType name="PingResponseType"><xs:sequence><xs:element name="ok" type="xs:boolean"/></xs:sequence></xs:complexType>
</xs:schema>
`,
  };
  mutate(files);
  return writePackage(files);
}

function expectBroken(dir: string, file: string, line: number, name: string): void {
  try {
    assert.throws(
      () => compilePackage({ inDir: dir }),
      (e: unknown) => {
        assert.ok(e instanceof ContractError, String(e));
        assert.equal(e.file, file);
        assert.equal(e.line, line);
        assert.ok(e.message.includes(`${file}:${line}:`), e.message);
        assert.ok(e.message.includes(name), `"${e.message}" names ${name}`);
        return true;
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const RESPONDER = 'schemas/interactions/PingInteraction/PingResponder_1.0.xsd';
const WSDL = 'wsdl/PingInteraction_1.0_RIVTABP21.wsdl';

test('the healthy baseline of the broken-package tests compiles', () => {
  const dir = brokenPackage(() => {});
  try {
    assert.equal(compilePackage({ inDir: dir }).contracts.length, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('broken: an unresolved type reference names the file, the line and the type', () => {
  expectBroken(brokenPackage((f) => (f[RESPONDER] = f[RESPONDER]!.replace('type="tns:ValueType"', 'type="tns:NoSuchType"'))), RESPONDER, 7, 'tns:NoSuchType');
});

test('broken: an unresolved element ref names the file, the line and the element', () => {
  expectBroken(brokenPackage((f) => (f[RESPONDER] = f[RESPONDER]!.replace('<xs:element name="value" type="tns:ValueType"/>', '<xs:element ref="tns:nothing"/>'))), RESPONDER, 7, 'tns:nothing');
});

test('broken: a missing imported schema file names the importing file, the line and the schemaLocation', () => {
  expectBroken(brokenPackage((f) => (f[WSDL] = f[WSDL]!.replace('PingResponder_1.0.xsd', 'PingResponder_9.9.xsd'))), WSDL, 6, 'PingResponder_9.9.xsd');
});

test('broken: a missing WSDL message names the WSDL, the line and the message', () => {
  expectBroken(brokenPackage((f) => (f[WSDL] = f[WSDL]!.replace('<wsdl:input message="tns:PingRequest"/>', '<wsdl:input message="tns:NoSuchRequest"/>'))), WSDL, 19, 'tns:NoSuchRequest');
});

test('broken: a missing message part names the WSDL, the line and the part', () => {
  expectBroken(brokenPackage((f) => (f[WSDL] = f[WSDL]!.replace('part="LogicalAddress"', 'part="NoSuchPart"'))), WSDL, 28, 'NoSuchPart');
});

test('broken: an element the schemas do not declare names the WSDL part line and the element', () => {
  expectBroken(brokenPackage((f) => (f[WSDL] = f[WSDL]!.replace('element="tjsr:PingResponse"', 'element="tjsr:Pong"'))), WSDL, 15, 'tjsr:Pong');
});

test('broken: a circular type derivation names the file, the line and the type', () => {
  expectBroken(
    brokenPackage((f) => (f[RESPONDER] = f[RESPONDER]!.replace('<xs:simpleType name="ValueType"><xs:restriction base="xs:string"/>', '<xs:simpleType name="ValueType"><xs:restriction base="tns:ValueType"/>'))),
    RESPONDER, 10, 'ValueType',
  );
});

test('broken: a circular group reference names the file, the line and the group', () => {
  expectBroken(
    brokenPackage(
      (f) =>
        (f[RESPONDER] = f[RESPONDER]!
          .replace('<xs:element name="value" type="tns:ValueType"/>', '<xs:group ref="tns:G"/>')
          .replace('</xs:schema>', '<xs:group name="G"><xs:sequence><xs:group ref="tns:G"/></xs:sequence></xs:group></xs:schema>')),
    ),
    RESPONDER, 12, 'tns:G',
  );
});

test('broken: malformed XML names the file and the line', () => {
  expectBroken(brokenPackage((f) => (f[RESPONDER] = f[RESPONDER]!.replace('<xs:sequence>', '<xs:sequence'))), RESPONDER, 7, '');
});

test('the CLI exits non-zero and prints file:line for a broken package', (t) => {
  const cli = fileURLToPath(new URL('../src/compiler/cli.js', import.meta.url));
  if (!fs.existsSync(cli)) {
    t.skip(`compiled CLI not found at ${cli} (run npm run build)`);
    return;
  }
  const dir = brokenPackage((f) => (f[RESPONDER] = f[RESPONDER]!.replace('type="tns:ValueType"', 'type="tns:NoSuchType"')));
  try {
    const res = spawnSync(process.execPath, [cli, '--in', dir, '--out', path.join(dir, 'out')], { encoding: 'utf8' });
    assert.equal(res.status, 1);
    assert.match(res.stderr, /PingResponder_1\.0\.xsd:7: unresolved type "tns:NoSuchType"/);
    assert.ok(!fs.existsSync(path.join(dir, 'out')), 'nothing written');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
