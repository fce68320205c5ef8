/**
 * Small contract packages for compiler tests: write a package to a temporary directory, the RIVTA WSDL and
 * schema boilerplate, and a type-check of compiler output on its own (strict, NodeNext, ESM).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { writeOutput } from '../../src/compiler/compile.js';
import type { ComplexTypeMeta, SimpleTypeMeta } from '../../src/compiler/rivta.js';
import type { Contract } from '../../src/compiler/wsdl.js';

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `rivta-compiler-${tag}-`));
}

/** Writes a compile result and type-checks it alone (strict, nodenext, ESM); returns the diagnostics text. */
export function typeCheck(files: Map<string, string>): string {
  const dir = tmpDir('tc');
  try {
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    writeOutput(dir, files);
    const roots = [...files.keys()].map((f) => path.join(dir, f));
    const program = ts.createProgram(roots, {
      strict: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      noEmit: true,
      types: [],
      noUnusedLocals: true,
    });
    const diags = ts.getPreEmitDiagnostics(program);
    return ts.formatDiagnostics(diags, {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => dir,
      getNewLine: () => '\n',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `files` (package-relative path → text) into a new temporary directory; returns it. */
export function writePackage(files: Record<string, string>): string {
  const dir = tmpDir('pkg');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** The opening of a qualified schema with target namespace `tns`. */
export const XSD_HEAD = (tns: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="${tns}" targetNamespace="${tns}" elementFormDefault="qualified"${extra}>\n`;

/** A RIVTA WSDL for one operation `op` of `domain`, with the LogicalAddress header and the responder schema import. */
export function wsdl(op: string, domain: string, extraImports = '', requestMessage?: string): string {
  const rns = `urn:riv:${domain}:${op}Responder:1`;
  const tns = `urn:riv:${domain}:${op}:1:rivtabp21`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="${op}Interaction" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tjsr="${rns}" xmlns:tns="${tns}" xmlns:itr="urn:riv:itintegration:registry:1" targetNamespace="${tns}">
  <wsdl:types>
    <xs:schema targetNamespace="${tns}">
      <xs:import schemaLocation="../schemas/interactions/${op}Interaction/${op}Responder_1.0.xsd" namespace="${rns}"/>
      <xs:import schemaLocation="../schemas/core_components/itintegration_registry_1.0.xsd" namespace="urn:riv:itintegration:registry:1"/>${extraImports}
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="${op}Request">
    <wsdl:part name="LogicalAddress" element="itr:LogicalAddress"/>
    <wsdl:part name="parameters" element="tjsr:${op}"/>
  </wsdl:message>
  <wsdl:message name="${op}Response">
    <wsdl:part name="parameters" element="tjsr:${op}Response"/>
  </wsdl:message>
  <wsdl:portType name="${op}ResponderInterface">
    <wsdl:operation name="${op}">
      <wsdl:input message="tns:${requestMessage ?? `${op}Request`}"/>
      <wsdl:output message="tns:${op}Response"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="${op}ResponderBinding" type="tns:${op}ResponderInterface">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="${op}">
      <soap:operation soapAction="${rns}:${op}" style="document"/>
      <wsdl:input>
        <soap:header use="literal" message="tns:${op}Request" part="LogicalAddress"/>
        <soap:body use="literal" parts="parameters"/>
      </wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="${op}ResponderService">
    <wsdl:port name="${op}ResponderPort" binding="tns:${op}ResponderBinding"><soap:address location="http://localhost"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;
}

/** itintegration_registry_1.0.xsd: LogicalAddress. */
export const REGISTRY = `${XSD_HEAD('urn:riv:itintegration:registry:1')}  <xs:element name="LogicalAddress" type="tns:LogicalAddressType"/>
  <xs:simpleType name="LogicalAddressType"><xs:restriction base="xs:string"/></xs:simpleType>
</xs:schema>
`;

/** The metadata of a complex type the contract reaches (asserting that it does). */
export function complex(c: Contract, key: string): ComplexTypeMeta {
  const t = c.types.get(key);
  assert.ok(t, `type ${key} reachable in ${c.name}`);
  assert.equal(t.meta.kind, 'complex');
  return t.meta as ComplexTypeMeta;
}

/** The metadata of a simple type the contract reaches (asserting that it does). */
export function simple(c: Contract, key: string): SimpleTypeMeta {
  const t = c.types.get(key);
  assert.ok(t, `type ${key} reachable in ${c.name}`);
  assert.equal(t.meta.kind, 'simple');
  return t.meta as SimpleTypeMeta;
}
