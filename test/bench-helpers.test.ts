/**
 * Small rules of `npm run bench` that decide what a point means: a push counts as done only when it
 * was stored, and the fsync figure names the file system the database file is on (its mount, the
 * longest mount point that holds it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filesystemOf, median } from '../bench/fsync.js';
import { PUSH_DONE } from '../bench/requests.js';

const answer = (inner: string) => `<soap:Envelope><soap:Body><tjsr:PushCaseStatusResponse>${inner}<tjsr:result><core:resultCode>OK</core:resultCode></tjsr:result></tjsr:PushCaseStatusResponse></soap:Body></soap:Envelope>`;

describe('bench: a push is done only when stored', () => {
  it('accepts CREATED and UPDATED, with or without a prefix', () => {
    assert.equal(PUSH_DONE(answer('<tjsr:outcome>CREATED</tjsr:outcome><tjsr:revision>1</tjsr:revision>')), true);
    assert.equal(PUSH_DONE(answer('<outcome>UPDATED</outcome>')), true);
  });
  it('refuses UNCHANGED, STALE, and an answer without an outcome (nothing stored, e.g. no consent)', () => {
    assert.equal(PUSH_DONE(answer('<tjsr:outcome>UNCHANGED</tjsr:outcome>')), false);
    assert.equal(PUSH_DONE(answer('<tjsr:outcome>STALE</tjsr:outcome>')), false);
    assert.equal(PUSH_DONE(answer('<tjsr:consentStatus>NONE</tjsr:consentStatus>')), false);
  });
});

describe('bench: the fsync figure', () => {
  const mounts = [
    { dir: '/', type: 'ext4' },
    { dir: '/tmp', type: 'tmpfs' },
    { dir: '/data', type: 'xfs' },
    { dir: '/data/fast', type: 'btrfs' },
  ];
  it('names the file system of the longest mount point holding the file', () => {
    assert.equal(filesystemOf('/data/fast/db/producer.sqlite', mounts), 'btrfs');
    assert.equal(filesystemOf('/data/db/producer.sqlite', mounts), 'xfs');
    assert.equal(filesystemOf('/tmpfoo/x', mounts), 'ext4', 'a name prefix is not a mount');
    assert.equal(filesystemOf('/tmp/x', mounts), 'tmpfs');
  });
  it('takes the median, which a few slow syncs do not move', () => {
    assert.equal(median([0.3, 0.2, 9, 0.25, 0.3]), 0.3);
    assert.equal(median([1, 2, 3, 4]), 2.5);
    assert.equal(median([]), 0);
  });
});
