/**
 * The development PKI generator (docs/design.md#dev-pki): file names, HSA-ids in the subject serialNumber,
 * revocation in ca.crl, the expired and untrusted certificates, and PKCS#12 keystores that
 * older Java clients (SoapUI) can open: 3DES/SHA1 with the password "changeit".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DEV_ROLES, KEYSTORE_PASSWORD, NO_HSA_ID_ROLE, SERVER_HSA_ID, rolePaths } from '../certs/dev-pki.js';
import { ensureDevPki } from '../certs/generate.js';

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('development PKI', () => {
  let dir: string;
  const cert = (role: string) => new X509Certificate(fs.readFileSync(path.join(dir, `${role}.crt`)));

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-pki-test-'));
    assert.deepEqual(await ensureDevPki(dir), { generated: true, added: [] });
  });

  it('writes every file of the development PKI, with private keys readable by the owner only', () => {
    for (const f of ['ca.crt', 'ca.key', 'ca.crl', 'untrusted-ca.crt', 'server.crt', 'server.key']) assert.ok(fs.existsSync(path.join(dir, f)), f);
    for (const role of [...Object.keys(DEV_ROLES), NO_HSA_ID_ROLE] as Array<keyof typeof DEV_ROLES>) {
      const p = rolePaths(dir, role);
      for (const f of [p.cert, p.key, p.p12]) assert.ok(fs.existsSync(f), f);
      assert.equal(fs.statSync(p.key).mode & 0o077, 0, `${p.key} must not be group/world readable`);
    }
  });

  it('is idempotent: a second run keeps the existing PKI', async () => {
    const before = fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8');
    assert.deepEqual(await ensureDevPki(dir), { generated: false, added: [] });
    assert.equal(fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'), before);
  });

  it('serial numbers are unique under the CA (a repeated one would look revoked)', () => {
    const serials = [...Object.keys(DEV_ROLES).filter((r) => r !== 'untrusted'), NO_HSA_ID_ROLE, 'server'].map((r) => cert(r).serialNumber);
    assert.equal(new Set(serials).size, serials.length);
  });

  it('carries each role HSA-id in the subject serialNumber; the no-HSA-id certificate has none', () => {
    for (const [role, { hsaId }] of Object.entries(DEV_ROLES)) {
      assert.match(cert(role).subject, new RegExp(`serialNumber=${hsaId}`), role);
    }
    assert.match(cert('server').subject, new RegExp(`serialNumber=${SERVER_HSA_ID}`));
    assert.doesNotMatch(cert(NO_HSA_ID_ROLE).subject, /serialNumber=/);
  });

  it('server certificate names localhost and 127.0.0.1', () => {
    const server = cert('server');
    assert.equal(server.checkHost('localhost'), 'localhost');
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
  });

  it('chains: trusted roles verify against ca.crt, untrusted does not, expired is out of date', () => {
    const ca = cert('ca');
    for (const role of ['journal-system', 'supervisor', 'routing-node', 'case-system', NO_HSA_ID_ROLE, 'server']) {
      assert.ok(cert(role).verify(ca.publicKey), `${role} is signed by the CA`);
    }
    assert.equal(cert('untrusted').verify(ca.publicKey), false);
    assert.ok(cert('untrusted').verify(cert('untrusted-ca').publicKey));
    assert.ok(new Date(cert('expired').validTo) < new Date(), 'expired is expired');
    assert.ok(new Date(cert('journal-system').validTo) > new Date(Date.now() + 300 * 86_400_000), 'valid for a long while');
  });

  it('ca.crl lists exactly the revoked certificate', () => {
    const crl = openssl('crl', '-in', path.join(dir, 'ca.crl'), '-noout', '-text');
    const revoked = [...crl.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]);
    assert.deepEqual(revoked, [cert('revoked').serialNumber.toUpperCase()]);
    const verify = (role: string) =>
      execFileSync('openssl', ['verify', '-crl_check', '-CAfile', path.join(dir, 'ca.crt'), '-CRLfile', path.join(dir, 'ca.crl'), path.join(dir, `${role}.crt`)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    assert.doesNotThrow(() => verify('journal-system'));
    assert.throws(() => verify('revoked'), /certificate revoked/);
  });

  it('keystores open with the documented password and use 3DES/SHA1 (readable by older Java runtimes)', () => {
    // openssl prints the bag details on stderr
    const run = spawnSync('openssl', ['pkcs12', '-info', '-in', path.join(dir, 'journal-system.p12'), '-passin', `pass:${KEYSTORE_PASSWORD}`, '-nokeys', '-noout'], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const info = run.stdout + run.stderr;
    assert.match(info, /Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/);
    assert.match(info, /MAC: sha1/);
    assert.doesNotMatch(info, /RC2|AES/);
    assert.throws(() =>
      execFileSync('openssl', ['pkcs12', '-info', '-in', path.join(dir, 'journal-system.p12'), '-passin', 'pass:wrong', '-nokeys', '-noout'], { stdio: 'pipe' }),
    );
  });
});

describe('development PKI: roles added later', () => {
  const LATER = ['mandate-register', 'case-system-2'] as const;
  const snapshot = (dir: string) => new Map(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));

  it('a certs directory made without them gets them at the next start, signed by the same CA, every other file untouched', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-pki-later-'));
    await ensureDevPki(dir);
    // As a directory made before these roles existed: their files are absent.
    for (const role of LATER) for (const f of Object.values(rolePaths(dir, role))) fs.rmSync(f);
    const before = snapshot(dir);

    assert.deepEqual(await ensureDevPki(dir), { generated: false, added: [...LATER] });

    const after = snapshot(dir);
    for (const [file, bytes] of before) assert.ok(after.get(file)?.equals(bytes), `${file} is untouched`);
    assert.deepEqual([...after.keys()].filter((f) => !before.has(f)).sort(), LATER.flatMap((r) => [`${r}.crt`, `${r}.key`, `${r}.p12`]).sort());
    const ca = new X509Certificate(fs.readFileSync(path.join(dir, 'ca.crt')));
    const existingSerials = new Set(
      [...before.keys()].filter((f) => f.endsWith('.crt')).map((f) => new X509Certificate(before.get(f)!).serialNumber),
    );
    for (const role of LATER) {
      const c = new X509Certificate(fs.readFileSync(rolePaths(dir, role).cert));
      assert.ok(c.verify(ca.publicKey), `${role} is signed by the existing CA`);
      assert.match(c.subject, new RegExp(`serialNumber=${DEV_ROLES[role].hsaId}`));
      assert.ok(!existingSerials.has(c.serialNumber), `${role} repeats no serial number`);
      assert.equal(fs.statSync(rolePaths(dir, role).key).mode & 0o077, 0);
      // not on the CRL, and its keystore opens
      execFileSync('openssl', ['verify', '-crl_check', '-CAfile', path.join(dir, 'ca.crt'), '-CRLfile', path.join(dir, 'ca.crl'), rolePaths(dir, role).cert], { stdio: 'pipe' });
      execFileSync('openssl', ['pkcs12', '-in', rolePaths(dir, role).p12, '-passin', `pass:${KEYSTORE_PASSWORD}`, '-nokeys', '-noout'], { stdio: 'pipe' });
    }
    assert.deepEqual(await ensureDevPki(dir), { generated: false, added: [] }, 'complete now');
  });

  it('a missing keystore alone is written from the existing key and certificate', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-pki-later-'));
    await ensureDevPki(dir);
    const p = rolePaths(dir, 'case-view');
    const certBefore = fs.readFileSync(p.cert);
    fs.rmSync(p.p12);
    assert.deepEqual(await ensureDevPki(dir), { generated: false, added: ['case-view'] });
    assert.ok(fs.readFileSync(p.cert).equals(certBefore));
    assert.ok(fs.existsSync(p.p12));
  });
});
