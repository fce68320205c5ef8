/**
 * The shape of the house, checked on the source (README, Architecture): every relative import of every
 * `.ts` file under src/ and contracts/ — `import … from`, `import type`, `export … from`, `import x = require()`,
 * dynamic `import('…')` with a string literal and type-level `import('…').T` — read with the TypeScript parser
 * (so an import named in a comment or a string does not count), then
 *  - storage knows no domain, no SOAP, no transport, no ops and not the composition root, not even through
 *    another module;
 *  - no import cycle anywhere in src/, type-only imports included;
 *  - contracts/ (generated) imports nothing from src/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { findProjectRoot } from '../src/project-root.js';

const ROOT = findProjectRoot();

/** Project-relative paths (forward slashes) of every .ts file under `dir`. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/** Every module specifier the source text names, with the line it is on. */
function specifiers(file: string, text: string): Array<{ readonly specifier: string; readonly line: number }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Array<{ specifier: string; line: number }> = [];
  const add = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) {
      found.push({ specifier: node.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The project file a relative specifier names (`./x.js` is `./x.ts` in the source), or undefined when none. */
function resolve(from: string, specifier: string): string | undefined {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const candidates = [target.replace(/\.js$/, '.ts'), `${target}.ts`, `${target}/index.ts`];
  return candidates.find((c) => c !== target && fs.existsSync(path.join(ROOT, c)) && fs.statSync(path.join(ROOT, c)).isFile());
}

interface ImportGraph {
  /** file → the project files it imports. */
  readonly edges: ReadonlyMap<string, readonly string[]>;
  /** Relative specifiers that name no file (a wrong path would hide an edge). */
  readonly unresolved: readonly string[];
}

function importGraph(files: readonly string[]): ImportGraph {
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const targets = new Set<string>();
    for (const { specifier, line } of specifiers(file, fs.readFileSync(path.join(ROOT, file), 'utf8'))) {
      if (!specifier.startsWith('.')) continue; // a package or node: builtin
      const target = resolve(file, specifier);
      if (target === undefined) unresolved.push(`${file}:${line} '${specifier}'`);
      else targets.add(target);
    }
    edges.set(file, [...targets].sort());
  }
  return { edges, unresolved };
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) connect(v);
  return found;
}

/** One concrete cycle through the component's first file, for the message: a → b → … → a. */
function cyclePath(edges: ReadonlyMap<string, readonly string[]>, component: readonly string[]): string {
  const members = new Set(component);
  const start = component[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of edges.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const chain = [v];
        while (chain[0] !== start) chain.unshift(previous.get(chain[0]!)!);
        return [...chain, start].join(' → ');
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(', ');
}

/** Every file reachable from any of `from`, with the shortest chain of imports that reaches it. */
function reachable(edges: ReadonlyMap<string, readonly string[]>, from: readonly string[]): Map<string, string[]> {
  const chains = new Map<string, string[]>(from.map((f) => [f, [f]]));
  const queue = [...from];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of edges.get(v) ?? []) {
      if (chains.has(w)) continue;
      chains.set(w, [...chains.get(v)!, w]);
      queue.push(w);
    }
  }
  return chains;
}

const SRC = importGraph([...tsFiles('src'), ...tsFiles('contracts')]);

/** What storage must never depend on, directly or through another module. */
const NOT_FOR_STORAGE = [
  'src/insurancemedicine/',
  'src/licensetopractice/',
  'src/caseoverview/',
  'src/monitoring/',
  'src/soap/',
  'src/transport/',
  'src/ops/',
  'src/tools/',
  'src/compiler/',
  'src/app.ts',
  'src/main.ts',
  'src/schema.ts',
];

test('every relative import names a file that exists', () => {
  assert.deepEqual(SRC.unresolved, []);
});

test('the reader sees every kind of import, and nothing that only looks like one', () => {
  const text = [
    "import a from './a.js';",
    "import type { B } from './b.js';",
    "import { type C } from './c.js';",
    "import './d.js';",
    "export * from './e.js';",
    "export type { F } from './f.js';",
    "import g = require('./g.js');",
    "const h = await import('./h.js');",
    "let i: import('./i.js').I;",
    "import pkg from 'typeorm';",
    "// import z from './comment.js';",
    "const s = \"import y from './string.js'\";",
    "const dynamic = await import(name);",
  ].join('\n');
  assert.deepEqual(
    specifiers('x.ts', text).map((s) => s.specifier),
    ['./a.js', './b.js', './c.js', './d.js', './e.js', './f.js', './g.js', './h.js', './i.js', 'typeorm'],
  );
  assert.ok(SRC.edges.size > 100, `only ${SRC.edges.size} files read`);
});

test('storage knows no domain, no SOAP, no transport, no ops, not the composition root', () => {
  const storage = [...SRC.edges.keys()].filter((f) => f.startsWith('src/storage/'));
  assert.ok(storage.length > 5, 'no storage files read');
  const offences = [...reachable(SRC.edges, storage)]
    .filter(([target]) => NOT_FOR_STORAGE.some((p) => target.startsWith(p)))
    .map(([, chain]) => chain.join(' → '));
  assert.equal(offences.length, 0, `storage reaches ${offences.length} file(s) it must not know:\n  ${offences.join('\n  ')}`);
});

test('no import cycle in src/ or contracts/, type-only imports included', () => {
  const found = cycles(SRC.edges);
  const lines = found.map((c) => `${cyclePath(SRC.edges, c)}${c.length > 2 ? `   (one of the cycles among: ${c.join(', ')})` : ''}`);
  assert.equal(found.length, 0, `${found.length} group(s) of files import each other:\n  ${lines.join('\n  ')}`);
});

test('contracts/ (generated) imports nothing from src/', () => {
  const offences = [...SRC.edges]
    .filter(([file]) => file.startsWith('contracts/'))
    .flatMap(([file, targets]) => targets.filter((t) => !t.startsWith('contracts/')).map((t) => `${file} → ${t}`));
  assert.deepEqual(offences, []);
});

test('the cycle finder finds a cycle (it can fail)', () => {
  const edges = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['d']],
    ['e', ['a']],
  ]);
  const found = cycles(edges);
  assert.deepEqual(found, [['a', 'b', 'c'], ['d']]);
  assert.equal(cyclePath(edges, found[0]!), 'a → b → c → a');
});
