/**
 * Every command in docs/integration.md works as written. Convention: each fenced ```sh block is
 * preceded by an HTML comment, either
 *   <!-- checked: exit=N expect="text" needs=X -->   run it; exit code N (default 0); every expect
 *                                                     must appear in its output; needs= a contract
 *                                                     that must be served (Name, or Name/<major> for
 *                                                     one major), or a command on PATH
 *   <!-- not checked: reason -->                      say why not (e.g. it starts the producer)
 * An sh block without either fails this test. README.md's blocks marked "checked" run too.
 *
 * The blocks run with bash from the project root against the whole application started here, with
 * only these rewrites, so nothing touches the developer's own certs/, soapui/ or port 8443:
 *   npm run call --   →  node dist/src/tools/call.js (from dist/), node --import tsx src/tools/call.ts (under tsx)
 *   npm run soapui    →  the same for soapui, with --out <temp dir>/…
 *   certs/dev, localhost:8443, /tmp/  →  the test's PKI, the test's port, a temp dir
 * and PRODUCER_CERTS_DIR / PRODUCER_PORT set as a tester's shell would have them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { allContracts } from '../contracts/index.js';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';
import { projectRoot, runShell, toolArgv, type ToolRun } from './helpers/run-tool.js';

interface Block {
  readonly file: string;
  readonly line: number;
  readonly checked: boolean;
  readonly exit: number;
  readonly expect: readonly string[];
  readonly needs: readonly string[];
  readonly script: string;
}

const MARKER_RE = /^<!--\s*(checked|not checked)\s*(?::\s*(.*?))?\s*-->$/;

/** The fenced sh blocks of a Markdown file with the marker comment on the line before each. */
export function shBlocks(file: string): { blocks: Block[]; unmarked: number[] } {
  const lines = fs.readFileSync(path.join(projectRoot, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  const unmarked: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```sh\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
    const script = lines
      .slice(i + 1, end)
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n');
    let m = i - 1;
    while (m >= 0 && lines[m]!.trim() === '') m--;
    const marker = m >= 0 ? MARKER_RE.exec(lines[m]!.trim()) : null;
    if (!marker) unmarked.push(i + 1);
    else {
      const attrs = [...(marker[2] ?? '').matchAll(/(\w+)=(?:"([^"]*)"|(\S+))/g)].map((a) => [a[1]!, a[2] ?? a[3]!] as const);
      const all = (k: string) => attrs.filter(([n]) => n === k).map(([, v]) => v);
      blocks.push({
        file,
        line: i + 1,
        checked: marker[1] === 'checked',
        exit: Number(all('exit')[0] ?? 0),
        expect: all('expect'),
        needs: all('needs'),
        script,
      });
    }
    i = end;
  }
  return { blocks, unmarked };
}

const guide = shBlocks('docs/integration.md');
const readme = shBlocks('README.md');
const checked = [...guide.blocks, ...readme.blocks].filter((b) => b.checked);

describe('docs/integration.md: every command is checked', () => {
  it('every sh block carries a marker, and the guide covers npm run call and curl for every operation', () => {
    assert.deepEqual(guide.unmarked, [], 'sh blocks without <!-- checked --> or <!-- not checked: … --> (line numbers)');
    const scripts = guide.blocks.filter((b) => b.checked).map((b) => b.script);
    for (const c of allContracts) {
      for (const op of c.operations) {
        assert.ok(scripts.some((s) => new RegExp(`npm run call -- ${op.name}\\b`).test(s)), `npm run call -- ${op.name}`);
        assert.ok(scripts.some((s) => s.includes('curl') && s.includes(`/${op.name}/${c.major}/rivtabp21`)), `curl for ${op.name}`);
      }
    }
    assert.ok(scripts.some((s) => /npm run soapui/.test(s)));
    assert.ok(readme.blocks.some((b) => b.checked && /curl/.test(b.script)), 'the README curl lines are checked too');
  });

  describe('the commands, against a running producer', () => {
    let t: TestApp;
    let tmp: string;
    const results = new Map<Block, Promise<ToolRun | string>>();

    const onPath = (cmd: string) => spawnSync('/bin/sh', ['-c', `command -v ${cmd}`]).status === 0;

    before(async () => {
      t = await startTestApp();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-docs-'));
      // needs=Name (any major served) or needs=Name/<major> (that major served)
      const servedContracts = allContracts.filter((c) => t.app.producer.services.some((s) => s.namespace === c.namespace));
      const served = new Set(servedContracts.flatMap((c) => [c.name, `${c.name}/${c.major}`]));
      const contractNames = new Set(allContracts.flatMap((c) => [c.name, `${c.name}/${c.major}`]));
      const env = { PRODUCER_CERTS_DIR: t.certsDir, PRODUCER_PORT: String(t.port) };
      // four lanes, one block after another in each: every block starts node processes of its own
      const lanes: Array<Promise<unknown>> = [Promise.resolve(), Promise.resolve(), Promise.resolve(), Promise.resolve()];
      checked.forEach((b, n) => {
        const missing = b.needs.filter((x) => (contractNames.has(x) ? !served.has(x) : !onPath(x)));
        if (missing.length > 0) {
          for (const x of missing) {
            if (!contractNames.has(x)) assert.notEqual(process.env.CI, 'true', `${x} is required under CI=true (${b.file}:${b.line})`);
          }
          results.set(b, Promise.resolve(`needs ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not available here`));
          return;
        }
        // /tmp/ first: the temp directories substituted below live under /tmp themselves
        const script = b.script
          .replace(/\/tmp\//g, `${tmp}/`)
          .replace(/npm run call --/g, toolArgv('call').join(' '))
          .replace(/npm run soapui/g, `${toolArgv('soapui').join(' ')} --out ${tmp}/soapui-${n}.xml`)
          .replace(/certs\/dev/g, t.certsDir)
          .replace(/localhost:8443/g, `localhost:${t.port}`);
        const p = lanes[n % lanes.length]!.then(() => runShell(script, env));
        lanes[n % lanes.length] = p;
        results.set(b, p);
      });
      await Promise.all(lanes);
    });
    after(async () => {
      await t?.close();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    for (const b of checked) {
      const title = `${b.file}:${b.line} ${b.script.split('\n').find((l) => /npm run|curl|keytool/.test(l))?.trim() ?? b.script.split('\n')[0]}`;
      it(title, async (tc) => {
        const r = await results.get(b)!;
        if (typeof r === 'string') {
          tc.skip(`SKIPPED: ${r}`);
          return;
        }
        const output = r.stdout + r.stderr;
        const shown = output.length > 3000 ? `${output.slice(0, 3000)}…` : output;
        assert.equal(r.code, b.exit, `exit code of:\n${b.script}\n--- output ---\n${shown}`);
        for (const e of b.expect) assert.ok(output.includes(e), `"${e}" in the output of:\n${b.script}\n--- output ---\n${shown}`);
      });
    }
  });
});
