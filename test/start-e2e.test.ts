/**
 * `npm start` as an operator runs it: the built producer in its own process, configured only through
 * PRODUCER_* variables, on fresh directories. Checks the start banner, readiness, a zeep client loading
 * the WSDL by URL over mutual TLS, metrics, and a clean exit on SIGTERM.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import assert from 'node:assert/strict';
import { findProjectRoot } from '../src/project-root.js';
import { httpsCall } from './helpers/https-call.js';
import { freePort, startBuiltProducer } from './helpers/spawned-producer.js';
import { runPython, zeepAvailable, zeepPrelude } from './helpers/zeep.js';

const root = findProjectRoot();


test('npm start: banner, readiness, zeep by URL, metrics, graceful SIGTERM', { timeout: 180_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-start-'));
  const [port, adminPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PRODUCER_PORT: String(port),
    PRODUCER_ADMIN_PORT: String(adminPort),
    PRODUCER_DATA_DIR: path.join(dir, 'data'),
    PRODUCER_CERTS_DIR: path.join(dir, 'certs'),
    PRODUCER_LOGICAL_ADDRESSES: 'SE2321000016-TEST,TEST-PRODUCER',
  };
  delete env.DATABASE_URL;
  const { child, stdout } = await startBuiltProducer(t, env, dir, adminPort);
  assert.match(stdout(), new RegExp(`https://localhost:${port}/processmanagement/decisionsupport/insurancemedicine/GetDiagnosis/1/rivtabp21\\?wsdl`));
  assert.match(stdout(), /journal-system|<role>/);
  for (const f of ['ca.crt', 'ca.crl', 'server.key', 'journal-system.p12', 'untrusted-ca.crt']) {
    assert.ok(fs.existsSync(path.join(dir, 'certs', f)), f);
  }

  if (!zeepAvailable()) {
    t.diagnostic('python3-zeep missing: zeep part skipped');
  } else {
    const script = `${zeepPrelude(path.join(dir, 'certs'), 'SE2321000016-TEST')}
base = "https://localhost:${port}"
ping = client(base + "/itintegration/monitoring/PingForConfiguration/1/rivtabp21?wsdl", "journal-system")
r = ping.service.PingForConfiguration(serviceContractNamespace="urn:riv:itintegration:monitoring:PingForConfigurationResponder:1",
    logicalAddress="SE2321000016-TEST", _soapheaders=H)
print("PING", r.version, len(r.pingDateTime))
dx = client(base + "/processmanagement/decisionsupport/insurancemedicine/GetDiagnosis/1/rivtabp21?wsdl", "journal-system")
r = dx.service.GetDiagnosis(diagnosisCode=[{"code": "F32.1"}], _soapheaders={"LogicalAddress": "TEST-PRODUCER"})
print("DIAG", r.result.resultCode, r.diagnosis[0].code, r.diagnosis[0].requestedCode)
try:
    dx.service.GetDiagnosis(diagnosisCode=[{"code": "F32.1"}], _soapheaders={"LogicalAddress": "NOT-SERVED"})
except zeep.exceptions.Fault as f:
    print("FAULT", f.message.split(" ")[0])
`;
    const zeepOut = await runPython(script);
    assert.match(zeepOut, /PING 0\.1\.0 14/);
    assert.match(zeepOut, /DIAG OK F32 F32\.1/);
    assert.match(zeepOut, /FAULT RP004/);
  }

  const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  assert.match(metrics, /rivta_requests_total/);
  assert.equal((await fetch(`http://127.0.0.1:${adminPort}/health/live`)).status, 200);

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('npm start with PRODUCER_WORKERS=2: both workers serve, the primary aggregates their metrics', { timeout: 180_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-cluster-'));
  const [port, adminPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PRODUCER_WORKERS: '2',
    PRODUCER_PORT: String(port),
    PRODUCER_ADMIN_PORT: String(adminPort),
    PRODUCER_DATA_DIR: path.join(dir, 'data'),
    PRODUCER_CERTS_DIR: path.join(dir, 'certs'),
  };
  delete env.DATABASE_URL;
  const { child, stdout } = await startBuiltProducer(t, env, dir, adminPort);
  assert.match(stdout(), /listening with 2 workers/);

  const certs = path.join(dir, 'certs');
  const agent = new https.Agent({
    keepAlive: false, // a new connection per call, so that both workers get some
    key: fs.readFileSync(path.join(certs, 'journal-system.key')),
    cert: fs.readFileSync(path.join(certs, 'journal-system.crt')),
    ca: fs.readFileSync(path.join(certs, 'ca.crt')),
  });
  const body = fs.readFileSync(path.join(root, 'schemas/interactions/GetDiagnosisInteraction/samples/GetDiagnosisRequest.xml'));
  const calls = 20;
  for (let i = 0; i < calls; i++) {
    const { status } = await httpsCall(
      { host: 'localhost', port, method: 'POST', path: '/processmanagement/decisionsupport/insurancemedicine/GetDiagnosis/1/rivtabp21', agent, headers: { 'Content-Type': 'text/xml; charset=utf-8' } },
      body,
    );
    assert.equal(status, 200);
  }
  const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  const total = [...metrics.matchAll(/^rivta_requests_total\{[^}]*contract="GetDiagnosis"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(total, calls, 'the sum over both workers');

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
