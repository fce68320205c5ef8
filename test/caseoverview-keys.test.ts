/**
 * The case hub's key ring (privacy at rest, docs/design.md#case-privacy): AES-256-GCM sealing bound to its row, fresh
 * nonces, subject HMACs, and rotation that keeps old blobs readable. And the keys file it shares with the
 * audit chain's keys (src/security/keys-file.ts): neither ring's changes lose the other's keys.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { addEncryptionKey, CaseKeyRing, ensureCaseKeys } from '../src/caseoverview/keys.js';
import { addAuditKey, AuditKeyRing, ensureAuditKeys } from '../src/storage/audit-keys.js';

function ring(): { keys: CaseKeyRing; file: string } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-keys-')), 'keys.json');
  assert.equal(ensureCaseKeys(file), true);
  assert.equal(ensureCaseKeys(file), false, 'existing keys are kept');
  return { keys: new CaseKeyRing(file), file };
}

describe('case key ring', () => {
  it('seals with a fresh nonce every time, and opens only with the same associated data', () => {
    const { keys } = ring();
    const blobs = Array.from({ length: 2000 }, () => keys.seal('{"title":"Ansökan"}', 'case:5599999991:c1'));
    const nonces = new Set(blobs.map((b) => Buffer.from(b.blob, 'base64').subarray(0, 12).toString('hex')));
    assert.equal(nonces.size, blobs.length, 'no nonce repeats (across pool refills too)');
    assert.equal(keys.open(blobs[1999]!, 'case:5599999991:c1'), '{"title":"Ansökan"}');
    assert.throws(() => keys.open(blobs[0]!, 'case:5599999991:c2'), 'a blob moved to another row does not open');
    const raw = Buffer.from(blobs[0]!.blob, 'base64');
    raw[raw.length - 1]! ^= 1;
    assert.throws(() => keys.open({ keyId: blobs[0]!.keyId, blob: raw.toString('base64') }, 'case:5599999991:c1'), 'tampering is detected');
  });

  it('hashes subjects with a key, ignoring spaces and hyphens; no plaintext in the blob', () => {
    const { keys } = ring();
    assert.equal(keys.subjectHash('19121212-1212'), keys.subjectHash('191212121212'));
    assert.notEqual(ring().keys.subjectHash('191212121212'), keys.subjectHash('191212121212'), 'keyed: another key, another hash');
    assert.ok(!Buffer.from(keys.seal('191212121212', 'x').blob, 'base64').toString('latin1').includes('191212121212'));
  });

  it('scope hashes: keyed, one key per field, never equal to a subject hash, exact, unchanged by a rotation', () => {
    const { keys, file } = ring();
    const h = keys.scopeHash('category', 'Bygglov');
    assert.match(h, /^[0-9a-f]{64}$/);
    assert.equal(keys.scopeHash('category', 'Bygglov'), h, 'deterministic: the overview looks cases up by it');
    assert.notEqual(keys.scopeHash('committee', 'Bygglov'), h, 'the same value in another field differs');
    assert.notEqual(keys.scopeHash('serviceArea', 'Bygglov'), keys.scopeHash('committee', 'Bygglov'));
    for (const value of ['191212121212', 'SN', 'Bygglov']) {
      for (const field of ['category', 'committee', 'serviceArea'] as const) {
        assert.notEqual(keys.scopeHash(field, value), keys.subjectHash(value), `${field} apart from subjects`);
      }
    }
    assert.notEqual(ring().keys.scopeHash('category', 'Bygglov'), h, 'keyed: another key file, another hash');
    assert.notEqual(keys.scopeHash('category', 'bygglov'), h, 'exact match: no case folding');
    assert.notEqual(keys.scopeHash('category', 'Bygglov '), h, 'exact match: no trimming');
    addEncryptionKey(file);
    assert.equal(new CaseKeyRing(file).scopeHash('category', 'Bygglov'), h, 'derived from the subject key, which never rotates');
  });

  it('after a rotation, seals under the new key and still opens the old blobs', () => {
    const { keys, file } = ring();
    const old = keys.seal('before', 'a');
    const newId = addEncryptionKey(file);
    const reloaded = new CaseKeyRing(file);
    assert.equal(reloaded.currentKeyId, newId);
    assert.notEqual(old.keyId, newId);
    assert.equal(reloaded.seal('after', 'a').keyId, newId);
    assert.equal(reloaded.open(old, 'a'), 'before');
  });
});

describe('keys file shared by the case keys and the audit chain keys', () => {
  const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;

  it('adds the audit key to an existing case keys file on start, losing nothing; rotations keep the other set', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-keys-')), 'keys.json');
    // a keys file as written before the audit chain was keyed
    const old = { version: 1, subjectHmacKey: Buffer.alloc(32, 1).toString('base64'), current: 'k1', encryptionKeys: { k1: { key: Buffer.alloc(32, 2).toString('base64'), created: '2026-01-01T00:00:00.000Z' } } };
    fs.writeFileSync(file, JSON.stringify(old), { mode: 0o600 });
    assert.equal(ensureCaseKeys(file), false, 'case keys present: kept as they are');
    assert.equal(ensureAuditKeys(file), true);
    assert.equal(ensureAuditKeys(file), false);
    const withAudit = read(file);
    assert.deepEqual({ ...withAudit, auditKeys: undefined, auditCurrent: undefined }, { ...old, auditKeys: undefined, auditCurrent: undefined });
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    const caseId = addEncryptionKey(file);
    const afterCase = read(file);
    assert.deepEqual([afterCase.auditKeys, afterCase.auditCurrent], [withAudit.auditKeys, withAudit.auditCurrent]);
    const auditId = addAuditKey(file);
    const afterAudit = read(file);
    assert.deepEqual([afterAudit.encryptionKeys, afterAudit.current, afterAudit.subjectHmacKey], [afterCase.encryptionKeys, caseId, old.subjectHmacKey]);
    assert.equal(new AuditKeyRing(file).current().id, auditId);
    assert.ok(new AuditKeyRing(file).key(withAudit.auditCurrent), 'the old audit key stays');
    assert.equal(new CaseKeyRing(file).currentKeyId, caseId);
  });

  it('does not take the lock when there is nothing to add (a read-only mounted keys file)', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-keys-')), 'keys.json');
    ensureCaseKeys(file);
    ensureAuditKeys(file);
    fs.writeFileSync(`${file}.lock`, 'another process\n'); // held, and fresh: taking it would wait, then fail
    assert.equal(ensureCaseKeys(file), false);
    assert.equal(ensureAuditKeys(file), false);
    assert.equal(fs.readFileSync(`${file}.lock`, 'utf8'), 'another process\n', 'the other process keeps its lock');
  });

  it('loses no key when several processes add keys to one file at the same time', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-keys-')), 'keys.json');
    ensureCaseKeys(file);
    ensureAuditKeys(file);
    const auditKeys = fileURLToPath(new URL('../src/storage/audit-keys.js', import.meta.url));
    const caseKeys = fileURLToPath(new URL('../src/caseoverview/keys.js', import.meta.url));
    const script = (module: string, fn: string) =>
      `const m = await import(${JSON.stringify(module)}); for (let i = 0; i < 15; i++) m.${fn}(${JSON.stringify(file)});`;
    const run = (code: string) =>
      new Promise<void>((resolve, reject) =>
        execFile(process.execPath, ['--input-type=module', '-e', code], (err) => (err ? reject(err) : resolve())),
      );
    await Promise.all([
      run(script(auditKeys, 'addAuditKey')),
      run(script(auditKeys, 'addAuditKey')),
      run(script(caseKeys, 'addEncryptionKey')),
      run(script(caseKeys, 'addEncryptionKey')),
    ]);
    const content = read(file);
    assert.equal(Object.keys(content.auditKeys).length, 1 + 30);
    assert.equal(Object.keys(content.encryptionKeys).length, 1 + 30);
    assert.ok(!fs.existsSync(`${file}.lock`));
  });
});
