#!/usr/bin/env node
/**
 * `npm run contracts [-- --in <dir>] [--out <dir>] [--skip-broken] [--check]`
 *
 * Without --in, compiles the project's own wsdl/ + schemas/ (the project root is the nearest
 * directory above this file, or else above the working directory, that holds package.json) into
 * <project>/contracts. --out defaults to <in>/contracts.
 *  --skip-broken  compile what compiles; report broken WSDLs on stderr (exit 0 unless nothing compiled)
 *  --check        write nothing; exit 1 if the output directory differs from what would be generated
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProjectRoot } from '../project-root.js';
import { compilePackage, ContractError, GENERATED_MARK, writeOutput } from './compile.js';

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: contracts [--in <package dir>] [--out <dir>] [--skip-broken] [--check]\n`);
  process.exit(2);
}

export function main(argv: readonly string[]): number {
  let inDir: string | undefined;
  let outDir: string | undefined;
  let skipBroken = false;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--in') inDir = argv[++i] ?? usage('--in needs a directory');
    else if (a === '--out') outDir = argv[++i] ?? usage('--out needs a directory');
    else if (a === '--skip-broken') skipBroken = true;
    else if (a === '--check') check = true;
    else usage(`unknown argument ${a}`);
  }
  inDir ??= findProjectRoot();
  outDir ??= path.join(inDir, 'contracts');
  let result;
  try {
    result = compilePackage({ inDir, skipBroken });
  } catch (e) {
    if (e instanceof ContractError) {
      process.stderr.write(`contracts: error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  for (const s of result.skipped) process.stderr.write(`contracts: skipped broken contract: ${s.message}\n`);
  if (check) {
    const stale: string[] = [];
    for (const [rel, text] of result.files) {
      let old: string | undefined;
      try {
        old = fs.readFileSync(path.join(outDir, rel), 'utf8');
      } catch {
        old = undefined;
      }
      if (old !== text) stale.push(rel);
    }
    const walk = (dir: string, prefix: string) => {
      for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
        const rel = prefix + e.name;
        if (e.isDirectory()) walk(path.join(dir, e.name), `${rel}/`);
        else if (e.name.endsWith('.ts') && !result.files.has(rel) && fs.readFileSync(path.join(dir, e.name), 'utf8').startsWith(GENERATED_MARK)) stale.push(rel);
      }
    };
    walk(outDir, '');
    if (stale.length) {
      process.stderr.write(`contracts: ${stale.length} generated file(s) out of date; run npm run contracts:\n${stale.map((s) => `  ${s}\n`).join('')}`);
      return 1;
    }
    process.stdout.write(`contracts: up to date (${result.contracts.length} contracts)\n`);
    return 0;
  }
  const { written, removed } = writeOutput(outDir, result.files);
  process.stdout.write(
    `contracts: ${result.contracts.length} contract(s), ${result.files.size} file(s) in ${path.relative(process.cwd(), outDir) || '.'} (${written} written, ${removed} removed)` +
      `${result.skipped.length ? `, ${result.skipped.length} skipped` : ''}\n`,
  );
  return result.contracts.length || !result.skipped.length ? 0 : 1;
}

const invoked = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invoked && fileURLToPath(import.meta.url) === invoked) process.exitCode = main(process.argv.slice(2));
