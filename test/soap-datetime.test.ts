/** xs:dateTime parsing shared by the contracts (FMB changedSince, the case hub's times). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXsDateTime } from '../src/soap/datetime.js';
import { parseChangedSince } from '../src/insurancemedicine/request.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('xs:dateTime', () => {
  it('applies an explicit zone, and reads a zone-less time in the zone the contract names', () => {
    assert.equal(iso(parseXsDateTime('2025-04-02T10:15:00+02:00', 'UTC')), '2025-04-02T08:15:00.000Z');
    assert.equal(iso(parseXsDateTime('2025-04-02T10:15:00.25Z', 'Europe/Stockholm')), '2025-04-02T10:15:00.250Z');
    assert.equal(iso(parseXsDateTime(' 2025-04-02T10:15:00 ', 'UTC')), '2025-04-02T10:15:00.000Z');
    assert.equal(iso(parseXsDateTime('2025-07-01T12:00:00', 'Europe/Stockholm')), '2025-07-01T10:00:00.000Z'); // CEST
    assert.equal(iso(parseXsDateTime('2025-01-01T12:00:00', 'Europe/Stockholm')), '2025-01-01T11:00:00.000Z'); // CET
  });
  it('refuses what is not a real instant', () => {
    for (const v of ['2025-02-30T00:00:00Z', '2025-02-28T24:00:00Z', '2025-13-01T00:00:00Z', '2025-01-01T00:60:00Z', '2025-01-01', '2025-01-01T00:00:00+2:00', 'now']) {
      assert.equal(parseXsDateTime(v, 'UTC'), undefined, v);
    }
    assert.equal(parseXsDateTime(undefined, 'UTC'), undefined);
  });
  it('keeps years below 100 where they are (Date.UTC would move them to the 1900s)', () => {
    assert.equal(new Date(parseXsDateTime('0099-06-01T00:00:00Z', 'UTC')!).getUTCFullYear(), 99);
  });
  it('FMB changedSince: undefined when absent, null when invalid (VALIDATION_ERROR), UTC when zone-less', () => {
    assert.equal(parseChangedSince(undefined), undefined);
    assert.equal(parseChangedSince('2025-02-30T00:00:00'), null);
    assert.equal(parseChangedSince('2025-02-03T04:05:06')?.toISOString(), '2025-02-03T04:05:06.000Z');
  });
});
