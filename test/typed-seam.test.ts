/**
 * The typed contract seam: `producer.addService(definition, handler)` takes its handler type from the
 * definition, so wiring a handler to the wrong contract is a compile error, and so is a handler that
 * needs more of its request than the contract promises (parameters are checked contravariantly). The
 * fixtures in test/fixtures/typed-seam/ are outside the build (tsconfig.json excludes them); this test
 * type-checks them with the project's own TypeScript and compiler options.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import ts from 'typescript';
import { findProjectRoot } from '../src/project-root.js';

const ROOT = findProjectRoot();
const FIXTURES = path.join(ROOT, 'test/fixtures/typed-seam');
const FILES = ['right-handler.ts', 'wrong-contract.ts', 'narrowed-request.ts'];

interface Finding {
  readonly code: number;
  readonly message: string;
  /** The source text the diagnostic points at. */
  readonly at: string;
}

/** Type-checks the fixtures in one program with tsconfig.json's options; diagnostics by fixture file name. */
function typeCheckFixtures(): Map<string, Finding[]> {
  const read = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), (f) => ts.sys.readFile(f));
  assert.equal(read.error, undefined);
  const { options } = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT);
  const program = ts.createProgram(
    FILES.map((f) => path.join(FIXTURES, f)),
    { ...options, noEmit: true, sourceMap: false },
  );
  const out = new Map<string, Finding[]>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file ? path.relative(ROOT, d.file.fileName) : '(global)';
    const at = d.file && d.start !== undefined ? d.file.text.slice(d.start, d.start + (d.length ?? 0)) : '';
    const list = out.get(file) ?? [];
    list.push({ code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, '\n'), at });
    out.set(file, list);
  }
  return out;
}

describe('the typed contract seam (addService)', () => {
  let findings: Map<string, Finding[]>;
  const of = (name: string) => findings.get(`test/fixtures/typed-seam/${name}`) ?? [];

  before(() => {
    findings = typeCheckFixtures();
  });

  it('reports nothing outside the fixtures (the program itself is sound)', () => {
    const elsewhere = [...findings].filter(([file]) => !file.startsWith('test/fixtures/typed-seam/'));
    assert.deepEqual(elsewhere, []);
  });

  it('compiles each contract wired to its own handler, inline handlers included (the control)', () => {
    assert.deepEqual(of('right-handler.ts'), []);
  });

  it('refuses the PushCaseStatus handler for the GetDiagnosis contract, at the handler argument', () => {
    const f = of('wrong-contract.ts');
    assert.equal(f.length, 1, JSON.stringify(f));
    assert.equal(f[0]!.code, 2345); // argument not assignable to parameter
    assert.equal(f[0]!.at, 'pushCaseStatus');
    assert.match(f[0]!.message, /PushCaseStatusV1ResponderInterface<RequestContext>' is not assignable to parameter of type 'Responder<GetDiagnosisOperations, RequestContext>'/);
    assert.match(f[0]!.message, /Property 'GetDiagnosis' is missing/);
  });

  it('refuses a handler whose request type demands more than the contract gives (contravariant parameters)', () => {
    const f = of('narrowed-request.ts');
    assert.equal(f.length, 1, JSON.stringify(f));
    assert.equal(f[0]!.code, 2345);
    assert.equal(f[0]!.at, 'narrowGetDiagnosis');
    assert.match(f[0]!.message, /Types of parameters 'request' and 'request' are incompatible/);
    assert.match(f[0]!.message, /Property 'careUnit' is missing/);
  });
});
