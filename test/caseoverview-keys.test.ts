/**
 * The case hub's key ring (privacy at rest, spec §5.4): AES-256-GCM sealing bound to its row, fresh
 * nonces, subject HMACs, and rotation that keeps old blobs readable.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { addEncryptionKey, CaseKeyRing, ensureCaseKeys } from '../src/caseoverview/keys.js';

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
