/** The one place that says which Swedish identity numbers are valid (SearchPersonnel and the case hub use it). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validIdentityNumber, validOrganisationNumber } from '../src/identity-numbers.js';

describe('identity numbers', () => {
  it('accepts a personal identity number only as one, and a coordination number only as one', () => {
    assert.equal(validIdentityNumber('191212121212', false), true);
    assert.equal(validIdentityNumber('191212121212', true), false);
    assert.equal(validIdentityNumber('191212721219', true), true);
    assert.equal(validIdentityNumber('191212721219', false), false);
  });
  it('refuses a wrong check digit and any other format', () => {
    for (const v of ['191212121213', '1912121212', '19121212-1212', '121212-1212', ' 191212121212', '19121212121x']) {
      assert.equal(validIdentityNumber(v, false), false, v);
    }
  });
  it('checks organisation numbers by format and check digit', () => {
    assert.equal(validOrganisationNumber('5599999991'), true);
    assert.equal(validOrganisationNumber('2021005489'), true);
    for (const v of ['5599999992', '559999999', '559999-9991', '16559999999']) assert.equal(validOrganisationNumber(v), false, v);
  });
});
