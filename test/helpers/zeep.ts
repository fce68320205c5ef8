/**
 * Python zeep, one of the real SOAP clients the producer must serve. Tests skip without it locally;
 * under CI=true (where .ci/run installs python3-zeep) a missing zeep fails instead.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';

const PYTHON = '/usr/bin/python3';

/** True when zeep can be imported; false (after asserting we are not under CI) when it cannot. */
export function zeepAvailable(): boolean {
  if (fs.existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import zeep']).status === 0) return true;
  assert.notEqual(process.env.CI, 'true', 'python3-zeep is required under CI=true');
  return false;
}

/**
 * Python that defines `client(wsdl_url, role)`: a zeep client over mutual TLS with the development
 * certificate of `role`, and `H`, the LogicalAddress SOAP header. trust_env is off because
 * REQUESTS_CA_BUNDLE in the environment would override `verify`.
 */
export function zeepPrelude(certsDir: string, logicalAddress = 'TEST-PRODUCER'): string {
  return `
import json, requests, zeep
def client(url, role):
    s = requests.Session(); s.trust_env = False; s.verify = "${certsDir}/ca.crt"
    s.cert = ("${certsDir}/" + role + ".crt", "${certsDir}/" + role + ".key")
    return zeep.Client(url, transport=zeep.Transport(session=s))
H = {"LogicalAddress": "${logicalAddress}"}
`;
}

/** Runs a Python script asynchronously (a producer in this process keeps serving) and returns its stdout. */
export async function runPython(script: string): Promise<string> {
  const run = await promisify(execFile)(PYTHON, ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  return run.stdout;
}
