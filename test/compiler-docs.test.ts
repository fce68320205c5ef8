/**
 * The contract's documentation in the generated types: xs:documentation on types, fields, enumeration
 * values and anonymous types, wsdl:documentation on operations and headers, normalised and wrapped; text
 * that tries to end the comment or open a JSDoc tag stays text; the metadata does not change.
 */
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import ts from 'typescript';
import { compilePackage, type CompileResult } from '../src/compiler/compile.js';
import { normaliseDocumentation } from '../src/compiler/documentation.js';
import { COMMENT_WIDTH, jsdoc } from '../src/compiler/jsdoc.js';
import { REGISTRY, typeCheck, writePackage, wsdl, XSD_HEAD } from './helpers/contract-package.js';

const R = 'urn:riv:test:docs:DescribeResponder:1';
const LONG =
  'A long explanation that keeps going well past the width of one comment line, so that the compiler has to wrap ' +
  'it over several lines, each of them within the limit, without breaking any word apart: ' +
  'https://example.org/a/rather/long/address/that/is/one/word/and/stays/whole/even/though/it/is/long';

const RESPONDER = `${XSD_HEAD(R)}  <xs:element name="Describe" type="tns:DescribeType">
    <xs:annotation><xs:documentation>Asks for a description.</xs:documentation></xs:annotation>
  </xs:element>
  <xs:element name="DescribeResponse">
    <xs:annotation><xs:documentation>The answer, an anonymous type.</xs:documentation></xs:annotation>
    <xs:complexType><xs:sequence><xs:element name="ok" type="xs:boolean"/></xs:sequence></xs:complexType>
  </xs:element>
  <xs:element name="note" type="xs:string">
    <xs:annotation><xs:documentation>A free-text note (the global element's documentation).</xs:documentation></xs:annotation>
  </xs:element>
  <xs:complexType name="DescribeType">
    <xs:annotation>
      <xs:documentation xml:lang="en">
        A request whose documentation
        its author wrapped early.

        Then it ends the comment */ export const pwned = 1; /* and opens {@link nothing}.

        @deprecated is only a word here.
      </xs:documentation>
    </xs:annotation>
    <xs:sequence>
      <xs:element name="code" type="tns:CodeEnum">
        <xs:annotation><xs:documentation>The code asked about.</xs:documentation></xs:annotation>
      </xs:element>
      <xs:element name="derived" type="tns:DerivedCode" minOccurs="0"/>
      <xs:element ref="tns:note" minOccurs="0"/>
      <xs:element name="explained" type="xs:string">
        <xs:annotation><xs:documentation>${LONG}</xs:documentation></xs:annotation>
      </xs:element>
      <xs:element name="mixed" type="xs:string">
        <xs:annotation><xs:documentation>Use <b xmlns="">bold</b> words<![CDATA[ & <raw> text]]>.</xs:documentation></xs:annotation>
      </xs:element>
      <xs:element name="plain" type="xs:string"/>
    </xs:sequence>
    <xs:attribute name="lang" type="xs:language">
      <xs:annotation><xs:documentation>The language of the answer.</xs:documentation></xs:annotation>
    </xs:attribute>
  </xs:complexType>
  <xs:simpleType name="CodeEnum">
    <xs:annotation><xs:documentation>Codes.</xs:documentation></xs:annotation>
    <xs:restriction base="xs:string">
      <xs:enumeration value="A"><xs:annotation><xs:documentation>The first code.</xs:documentation></xs:annotation></xs:enumeration>
      <xs:enumeration value="B"/>
    </xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="DerivedCode"><xs:restriction base="tns:CodeEnum"/></xs:simpleType>
</xs:schema>
`;

function docsPackage(): string {
  const w = wsdl('Describe', 'test:docs').replace(
    '<wsdl:part name="LogicalAddress" element="itr:LogicalAddress"/>',
    '<wsdl:part name="LogicalAddress" element="itr:LogicalAddress"><wsdl:documentation>Where the request goes.</wsdl:documentation></wsdl:part>',
  );
  return writePackage({
    'wsdl/DescribeInteraction_1.0_RIVTABP21.wsdl': w,
    'schemas/core_components/itintegration_registry_1.0.xsd': REGISTRY,
    'schemas/interactions/DescribeInteraction/DescribeResponder_1.0.xsd': RESPONDER,
  });
}

/** The JSDoc text (comment markers and leading stars removed) directly above `declaration` in `text`. */
function docAbove(text: string, declaration: string): string {
  const at = text.indexOf(declaration);
  assert.ok(at >= 0, `${declaration} is generated`);
  const end = text.lastIndexOf('*/', at);
  assert.ok(end >= 0 && /^\s*$/.test(text.slice(end + 2, at)), `a comment ends right above ${declaration}`);
  const start = text.lastIndexOf('/**', end);
  return text
    .slice(start + 3, end)
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, '').trim())
    .join('\n')
    .trim();
}

describe('documentation carried into the generated types', () => {
  let dir: string;
  let r: CompileResult;
  let types: string;
  let mod: string;

  before(() => {
    dir = docsPackage();
    r = compilePackage({ inDir: dir });
    types = r.files.get('_types/urn_riv_test_docs_DescribeResponder_1.ts')!;
    mod = r.files.get('test/docs/DescribeInteraction.ts')!;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('puts the type documentation on the interface, reflowed into paragraphs, before where it is defined', () => {
    const doc = docAbove(types, 'export interface DescribeType {');
    const [first, second, third, fourth, origin] = doc.split('\n\n');
    assert.equal(first, 'A request whose documentation its author wrapped early.');
    assert.match(second!, /^Then it ends the comment/);
    assert.match(third!, /is only a word here\.$/);
    assert.match(fourth!.replace(/\n/g, ' '), /^xs:complexType `\{urn:riv:test:docs:DescribeResponder:1\}DescribeType`, schemas\/interactions\/DescribeInteraction\/DescribeResponder_1\.0\.xsd:\d+\.$/);
    assert.equal(origin, undefined);
  });

  it('puts field documentation on the field: element, element ref (the global element\'s), attribute, mixed content', () => {
    assert.equal(docAbove(types, '  code: CodeEnum;'), 'The code asked about.');
    assert.equal(docAbove(types, '  note?: string;'), 'A free-text note (the global element\'s documentation).');
    assert.equal(docAbove(types, '  lang?: string;'), 'The language of the answer.');
    assert.equal(docAbove(types, '  mixed: string;'), 'Use bold words & <raw> text.');
    assert.match(types, /  mixed: string;\n  plain: string;\n/, 'an undocumented field gets no comment');
  });

  it('lists documented enumeration values on the alias, and a restriction inherits them', () => {
    assert.equal(docAbove(types, "export type CodeEnum = 'A' | 'B';").split('\n\n').slice(0, 2).join('\n\n'), "Codes.\n\n- 'A': The first code.");
    assert.match(docAbove(types, "export type DerivedCode = 'A' | 'B';"), /^- 'A': The first code\.\n\nxs:simpleType/);
  });

  it('gives an anonymous type its declaring element\'s documentation', () => {
    assert.match(docAbove(types, 'export interface DescribeResponse {'), /^The answer, an anonymous type\.\n\nAnonymous type \(metadata key/);
  });

  it('documents the operation (request element) and the header part (wsdl:documentation) in the contract module', () => {
    assert.equal(docAbove(mod, '  readonly Describe: {'), 'Asks for a description.');
    assert.equal(docAbove(mod, '  readonly LogicalAddress: '), 'Where the request goes.');
  });

  it('wraps long text within the comment width, keeping a long word whole', () => {
    const lines = types.slice(0, types.indexOf('export const $types')).split('\n').filter((l) => /^\s*(\/\*\*|\*)/.test(l));
    const over = lines.filter((l) => l.length > COMMENT_WIDTH && !/^\s*\* \S+$/.test(l));
    assert.deepEqual(over, []);
    const doc = docAbove(types, '  explained: string;');
    assert.ok(doc.split('\n').length >= 3, doc);
    assert.equal(doc.replace(/\n/g, ' '), LONG);
  });

  it('escapes text that would end the comment or open a JSDoc tag: it stays text and the module type-checks', () => {
    assert.ok(types.includes('Then it ends the comment *\\/ export const pwned = 1; /* and opens {\\@link nothing}.'), 'escaped in place');
    const source = ts.createSourceFile('types.ts', types, ts.ScriptTarget.ES2022, true);
    const declared: string[] = [];
    source.forEachChild((n) => {
      if (ts.isVariableStatement(n)) for (const d of n.declarationList.declarations) declared.push(d.name.getText(source));
    });
    assert.deepEqual(declared, ['$types'], 'no declaration escaped from the comment');
    const iface = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === 'DescribeType')!;
    assert.deepEqual(ts.getJSDocTags(iface).map((t) => t.tagName.text), [], 'no JSDoc tag was opened');
    assert.equal(typeCheck(r.files), '');
  });

  it('leaves the metadata as it is: no documentation in $types', () => {
    const table = types.slice(types.indexOf('export const $types'));
    for (const text of ['The code asked about', 'The first code', 'pwned', 'Codes.']) assert.ok(!table.includes(text), text);
    assert.ok(!mod.slice(mod.indexOf('export const describeContract')).includes('Where the request goes'));
  });
});

test('normaliseDocumentation: reflows wrapped prose, keeps paragraphs, list items, labels and lines after a colon', () => {
  const text = `
      Tjänsteinteraktionens namn: GetDiagnosisInteraction
      Beskrivning:
        Returns information per diagnosis,
        in one paragraph.
      Revisioner: 1.0

      - first item
        continued
      - second item\t\twith a tab
      2010-04-21: Release version 1.0
  `;
  assert.equal(
    normaliseDocumentation(text),
    'Tjänsteinteraktionens namn: GetDiagnosisInteraction\nBeskrivning:\nReturns information per diagnosis, in one paragraph.\n' +
      'Revisioner: 1.0\n\n- first item continued\n- second item with a tab\n2010-04-21: Release version 1.0',
  );
  assert.equal(normaliseDocumentation(' \n\t\n '), '');
  assert.equal(normaliseDocumentation('a\r\nb\rc'), 'a b c');
});

test('jsdoc: one line when it fits, else a wrapped block with hanging list items; nothing for no text', () => {
  assert.equal(jsdoc(['Short.']), '/** Short. */\n');
  assert.equal(jsdoc([undefined, '']), '');
  const block = jsdoc([`- item ${'word '.repeat(30).trim()}`, 'Second section.'], '  ');
  const lines = block.trimEnd().split('\n');
  assert.equal(lines[0], '  /**');
  assert.match(lines[1]!, /^ {3}\* - item word/);
  assert.match(lines[2]!, /^ {3}\* {3}word/, 'a list item continues with a hanging indent');
  assert.ok(lines.every((l) => l.length <= COMMENT_WIDTH));
  assert.deepEqual(lines.slice(-3), ['   *', '   * Second section.', '   */']);
});
