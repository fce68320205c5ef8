/**
 * Comments and docs point to the repository's own docs by anchor (README, "Reading order"): every
 * `<doc>.md#<anchor>` written in src/, certs/, bench/, test/, docs/ or the README must name a file that exists and
 * an anchor it has, either an explicit `<a id="…">` or a heading's GitHub slug.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { findProjectRoot } from '../src/project-root.js';

const ROOT = findProjectRoot();
const LINK = /((?:docs\/)?[\w-]+\.md)#([\w-]+)/g;

function filesUnder(dir: string, ext: string): string[] {
  const full = path.join(ROOT, dir);
  if (!fs.existsSync(full)) return [];
  return fs.readdirSync(full, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
}

/** GitHub's heading slug: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .replace(/<a id="[^"]+"><\/a>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');

const anchorsOf = new Map<string, Set<string>>();
function anchors(file: string): Set<string> {
  let found = anchorsOf.get(file);
  if (!found) {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    found = new Set([...text.matchAll(/<a id="([^"]+)"/g)].map((m) => m[1]!));
    for (const m of text.matchAll(/^#+ (.*)$/gm)) found.add(slug(m[1]!));
    anchorsOf.set(file, found);
  }
  return found;
}

/** A link as written in `from`: docs/x.md from anywhere, or x.md beside the file (docs/ linking docs/). */
function target(from: string, doc: string): string {
  if (doc.startsWith('docs/') || doc === 'README.md') return doc;
  const beside = path.join(path.dirname(from), doc);
  return fs.existsSync(path.join(ROOT, beside)) ? beside : path.join('docs', doc);
}

it('every doc anchor named in code, tests and docs exists', () => {
  const sources = [
    ...['src', 'certs', 'bench', 'test'].flatMap((d) => filesUnder(d, '.ts')),
    ...filesUnder('docs', '.md'),
    'README.md',
  ];
  assert.ok(sources.length > 100, 'the sources were found');
  const broken: string[] = [];
  let checked = 0;
  for (const from of sources) {
    for (const m of fs.readFileSync(path.join(ROOT, from), 'utf8').matchAll(LINK)) {
      const file = target(from, m[1]!);
      checked++;
      if (!fs.existsSync(path.join(ROOT, file))) broken.push(`${from}: ${m[0]} (no such file)`);
      else if (!anchors(file).has(m[2]!)) broken.push(`${from}: ${m[0]}`);
    }
  }
  assert.ok(checked > 50, `links were found (${checked})`);
  assert.deepEqual(broken, []);
});
