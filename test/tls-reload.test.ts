/**
 * Reloading the TLS files without a restart (SIGHUP / POST /admin/reload call producer.reload): a newly
 * published CRL decides new handshakes at once, and an unreadable file keeps the old context.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './helpers/app-fixture.js';

const WSDL = '/itintegration/monitoring/PingForConfiguration/1/rivtabp21?wsdl';

/** A CRL from the development CA that revokes nothing (openssl ca -gencrl with an empty database). */
function emptyCrl(certsDir: string, out: string): void {
  const work = fs.mkdtempSync(path.join(certsDir, '.crl-'));
  try {
    fs.writeFileSync(path.join(work, 'index.txt'), '');
    fs.writeFileSync(path.join(work, 'crlnumber'), '2000\n');
    const cnf = path.join(work, 'ca.cnf');
    fs.writeFileSync(
      cnf,
      `[ca]\ndefault_ca = dev\n[dev]\ndatabase = ${work}/index.txt\ncrlnumber = ${work}/crlnumber\n` +
        `certificate = ${certsDir}/ca.crt\nprivate_key = ${certsDir}/ca.key\ndefault_md = sha256\ndefault_crl_days = 30\n`,
    );
    execFileSync('openssl', ['ca', '-batch', '-config', cnf, '-gencrl', '-out', out], { stdio: 'pipe' });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

describe('TLS reload', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ PRODUCER_DEMO_DATA: 'false' });
  });
  after(() => t?.close());

  /** A GET of a WSDL over a new connection as `role`: the status, or the handshake error's code. */
  const fetchAs = (role: string) =>
    new Promise<number | string>((resolve) => {
      const req = https.get(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port: t.port,
          path: WSDL,
          agent: false,
          key: fs.readFileSync(path.join(t.certsDir, `${role}.key`)),
          cert: fs.readFileSync(path.join(t.certsDir, `${role}.crt`)),
          ca: fs.readFileSync(path.join(t.certsDir, 'ca.crt')),
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });

  it('applies a new CRL to new handshakes, and goes back when the old one returns', async () => {
    assert.equal(await fetchAs('journal-system'), 200);
    assert.equal(typeof (await fetchAs('revoked')), 'string', 'revoked is refused in the handshake');

    const fresh = path.join(t.certsDir, 'fresh.crl');
    emptyCrl(t.certsDir, fresh);
    t.app.producer.reload({ ...t.config, tls: { ...t.config.tls, crlFile: fresh } });
    assert.equal(await fetchAs('revoked'), 200, 'no longer listed: accepted without a restart');
    assert.equal(await fetchAs('journal-system'), 200);

    t.app.producer.reload(t.config);
    assert.equal(typeof (await fetchAs('revoked')), 'string', 'listed again: refused again');
  });

  it('keeps the previous context when a TLS file cannot be read', async () => {
    assert.throws(() => t.app.producer.reload({ ...t.config, tls: { ...t.config.tls, crlFile: path.join(t.certsDir, 'missing.crl') } }), /CRL/);
    assert.equal(typeof (await fetchAs('revoked')), 'string');
    assert.equal(await fetchAs('journal-system'), 200);
  });
});
