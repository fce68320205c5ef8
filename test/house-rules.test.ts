/**
 * Rules of the house that the compiler does not enforce, checked on the source (src/):
 * - every handler factory (an exported function returning a contract's `…ResponderInterface<…>`) is
 *   named `create<Op>Handler` and serves the one `RequestContext` (README, "Adding a contract"); a contract
 *   with several majors has one factory per major, `create<Op>V<n>Handler`;
 * - the fault status is written in one place: no HTTP 500 outside src/soap/fault.ts (FAULT_STATUS),
 *   so every fault response goes through its builder (README, Faults).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { allContracts } from '../contracts/index.js';
import { findProjectRoot } from '../src/project-root.js';

const SRC = path.join(findProjectRoot(), 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

interface Factory {
  readonly file: string;
  readonly name: string;
  readonly operation: string;
  readonly context: string;
}

/** Exported functions whose declared return type is `<Op>ResponderInterface<C>`. */
function handlerFactories(): Factory[] {
  const found: Factory[] = [];
  for (const file of sourceFiles(SRC)) {
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    for (const node of source.statements) {
      if (!ts.isFunctionDeclaration(node) || !node.name || !node.type) continue;
      if (!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      if (!ts.isTypeReferenceNode(node.type)) continue;
      // A contract with several majors names its interfaces <Op>V<n>ResponderInterface: one factory per major.
      const m = /^(\w+?)ResponderInterface$/.exec(node.type.typeName.getText(source));
      if (!m) continue;
      found.push({
        file: path.relative(SRC, file),
        name: node.name.text,
        operation: m[1]!,
        context: node.type.typeArguments?.map((a) => a.getText(source)).join(', ') ?? '',
      });
    }
  }
  return found;
}

/** <Op> per contract, or <Op>V<major> where the interaction has several majors (the generated interfaces' names). */
function expectedFactories(): string[] {
  const majors = (name: string) => allContracts.filter((c) => c.name === name).length;
  return allContracts.flatMap((c) => c.operations.map((op) => (majors(c.name) > 1 ? `${op.name}V${c.major}` : op.name))).sort();
}

describe('house rules', () => {
  it('names every handler factory create<Op>Handler, and each serves the one RequestContext', () => {
    const factories = handlerFactories();
    assert.deepEqual(
      factories.map((f) => f.operation).sort(),
      expectedFactories(),
      'one factory per compiled contract (every compiled contract is served)',
    );
    for (const f of factories) {
      assert.equal(f.name, `create${f.operation}Handler`, `${f.file}: ${f.name}`);
      assert.equal(f.context, 'RequestContext', `${f.file}: ${f.name} serves ${f.context}`);
    }
  });

  it('writes the fault status only in src/soap/fault.ts', () => {
    const literal = /writeHead\(\s*500\b|statusCode\s*=\s*500\b|HTTP\/1\.[01] 500\b/;
    const offenders = sourceFiles(SRC)
      .filter((file) => path.relative(SRC, file) !== path.join('soap', 'fault.ts'))
      .filter((file) => literal.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(SRC, file));
    assert.deepEqual(offenders, []);
  });
});
