/**
 * For tests that run the producer as its own process: a free port, and waiting for /health/ready.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { findProjectRoot } from '../../src/project-root.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls the admin readiness URL until it answers 200; fails at once if the child exits. */
export async function waitReady(url: string, child: ChildProcess, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    assert.equal(child.exitCode, null, 'producer exited during start');
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('producer not ready in time');
}

export interface SpawnedProducer {
  readonly child: ChildProcess;
  /** Everything the producer printed on stdout so far (the start banner). */
  stdout(): string;
}

/** Starts the built producer (`npm start`) with exactly `env`, killed when the test ends, and waits until ready. */
export async function startBuiltProducer(t: TestContext, env: NodeJS.ProcessEnv, cwd: string, adminPort: number): Promise<SpawnedProducer> {
  const child = spawn(process.execPath, [path.join(findProjectRoot(), 'dist/src/main.js')], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await waitReady(`http://127.0.0.1:${adminPort}/health/ready`, child, 120_000);
  return { child, stdout: () => out };
}
