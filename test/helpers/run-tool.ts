/**
 * Runs a command-line tool of the kit (src/tools/*.ts) or a shell command as a child process,
 * asynchronously, so that a producer serving in this test process keeps answering. The environment
 * is this process's without any PRODUCER_* variable, plus the ones given: the child sees only the
 * configuration the test means.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findProjectRoot } from '../../src/project-root.js';

export interface ToolRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const projectRoot = findProjectRoot();

function toolEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PRODUCER_')));
  return { ...clean, ...env };
}

function run(file: string, args: string[], env: Record<string, string>): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: projectRoot, env: toolEnv(env), encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Compiled tests (npm test, from dist/) run the built entry point, exactly what `npm run <script>` runs; tsx runs the source. */
const compiled = fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`);

/** The node arguments that run a source entry point (`src/…/x.ts`) from the project root. */
export function entryArgs(sourceFile: string): string[] {
  return compiled ? [`dist/${sourceFile.replace(/\.ts$/, '.js')}`] : ['--import', 'tsx', sourceFile];
}

/** The argv that runs a tool of the kit from the project root. */
export function toolArgv(tool: 'call' | 'soapui'): string[] {
  return [process.execPath, ...entryArgs(`src/tools/${tool}.ts`)];
}

/** Runs a source entry point (compiled or through tsx, see entryArgs) with the given arguments. */
export function runEntry(sourceFile: string, args: string[], env: Record<string, string> = {}): Promise<ToolRun> {
  return run(process.execPath, [...entryArgs(sourceFile), ...args], env);
}

export function runTool(tool: 'call' | 'soapui', args: string[], env: Record<string, string> = {}): Promise<ToolRun> {
  return runEntry(`src/tools/${tool}.ts`, args, env);
}

/** A bash script (`set -e -o pipefail`) from the project root. */
export function runShell(script: string, env: Record<string, string> = {}): Promise<ToolRun> {
  return run('/bin/bash', ['-e', '-o', 'pipefail', '-c', script], env);
}
