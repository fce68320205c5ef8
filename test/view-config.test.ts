/**
 * The view's settings in the one loader, the development webhook secret both processes share, and the
 * demo persons both the producer's seeding and the view use (valid test numbers, a child under 13,
 * mandates within the rules).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_CHILD_AGE_YEARS, DEMO_COMPANY, DEMO_MUNICIPALITY, DEMO_PERSONS, demoMandates, newDemoChild } from '../src/caseoverview/demo-persons.js';
import { ensureWebhookSecretFile, loadWebhookSecret } from '../src/caseoverview/webhook-signature.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { validIdentityNumber, validOrganisationNumber } from '../src/identity-numbers.js';
import { thirteenthBirthday } from '../src/caseoverview/age.js';

describe('view configuration', () => {
  it('defaults: port 8444, the producer on localhost:8443, its first logical address, the certs dir CA for the webhook', () => {
    const c = loadConfig({ PRODUCER_LOGICAL_ADDRESSES: 'FIRST,SECOND', PRODUCER_CERTS_DIR: '/pki', PRODUCER_DATA_DIR: '/data' }, '/');
    assert.equal(c.view.port, 8444);
    assert.equal(c.view.host, 'localhost');
    assert.equal(c.view.producerUrl, 'https://localhost:8443');
    assert.equal(c.view.logicalAddress, 'FIRST');
    assert.equal(c.view.webhookSecret, undefined);
    assert.equal(c.notifier.webhookCaFile, '/pki/ca.crt');
    assert.equal(c.notifier.webhookSecretFile, '/data/webhook-secret');
  });

  it('reads VIEW_* and PRODUCER_WEBHOOK_* from the environment or the file; a short secret is refused', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-cfg-')), 'c.json');
    fs.writeFileSync(file, JSON.stringify({ view: { port: 9000, producerUrl: 'https://hub.example:8443/' } }));
    const c = loadConfig({ PRODUCER_CONFIG: file, VIEW_LOGICAL_ADDRESS: 'OTHER', PRODUCER_WEBHOOK_CA: 'system', VIEW_WEBHOOK_SECRET: 's'.repeat(32) }, '/');
    assert.equal(c.view.port, 9000);
    assert.equal(c.view.producerUrl, 'https://hub.example:8443');
    assert.equal(c.view.logicalAddress, 'OTHER');
    assert.equal(c.notifier.webhookCaFile, undefined, "'system' trusts Node's bundled CAs");
    assert.equal(c.view.webhookSecret, 's'.repeat(32));
    assert.throws(() => loadConfig({ VIEW_WEBHOOK_SECRET: 'short' }), ConfigError);
    assert.throws(() => loadConfig({ PRODUCER_WEBHOOK_SECRET: 'short' }), ConfigError);
  });

  it('the development webhook secret: written once (0600), read by both ends, a configured one wins', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rp-secret-')), 'data', 'webhook-secret');
    assert.throws(() => loadWebhookSecret(undefined, file, 'VIEW_WEBHOOK_SECRET'), /npm start/);
    assert.equal(ensureWebhookSecretFile(file), true);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const secret = loadWebhookSecret(undefined, file, 'VIEW_WEBHOOK_SECRET');
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.equal(ensureWebhookSecretFile(file), false, 'an existing secret is kept');
    assert.equal(loadWebhookSecret(undefined, file, 'PRODUCER_WEBHOOK_SECRET'), secret);
    assert.equal(loadWebhookSecret('c'.repeat(40), file, 'VIEW_WEBHOOK_SECRET'), 'c'.repeat(40));
  });
});

describe('demo persons', () => {
  it('every number has a valid check digit (personnummer, organisationsnummer)', () => {
    for (const p of DEMO_PERSONS) assert.ok(validIdentityNumber(p.personalIdentityNumber, false), p.key);
    assert.equal(new Set(DEMO_PERSONS.map((p) => p.personalIdentityNumber)).size, DEMO_PERSONS.length);
    assert.ok(validOrganisationNumber(DEMO_COMPANY.organisationNumber));
    assert.ok(validOrganisationNumber(DEMO_MUNICIPALITY.organisationNumber));
  });

  it('a new child is a valid number, under 13 for years, the same for the same day', () => {
    for (const day of ['2026-12-06T12:00:00Z', '2024-02-29T10:00:00Z', '2026-12-31T23:30:00Z']) {
      const now = new Date(day);
      const child = newDemoChild(now);
      assert.ok(validIdentityNumber(child.personalIdentityNumber, false), day);
      assert.deepEqual(newDemoChild(now), child);
      const years = (thirteenthBirthday(child.personalIdentityNumber).getTime() - now.getTime()) / (365.25 * 86_400_000);
      // under 13, and for years yet: the demo keeps its child (and its mandateId) a long while
      assert.ok(years >= 3 && years < 13, `${day}: ${years} years to 13`);
      assert.ok(Math.abs(years - (13 - DEMO_CHILD_AGE_YEARS)) < 0.01, `${day}: born ${DEMO_CHILD_AGE_YEARS} years before`);
    }
  });

  it('the demo mandates keep the rules: at most three years, a guardian without an end, reporters for an organisation', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const mandates = demoMandates(now, newDemoChild(now));
    assert.deepEqual(mandates.map((m) => m.role).sort(), ['GUARDIAN', 'MAIN_REPORTER', 'OMBUD', 'REPORTER']);
    assert.equal(new Set(mandates.map((m) => m.mandateId)).size, mandates.length);
    for (const m of mandates) {
      assert.ok(validIdentityNumber(m.representative, false));
      if (m.role === 'GUARDIAN') {
        assert.equal(m.validTo, undefined);
        assert.ok(m.grantor.personalIdentityNumber);
        assert.equal(m.scope, undefined, 'a guardian without scope may consent for the child');
        continue;
      }
      const span = Date.parse(m.validTo!) - Date.parse(m.validFrom);
      assert.ok(span > 0 && span <= 3 * 366 * 86_400_000, m.mandateId);
      if (m.role !== 'OMBUD') assert.ok(m.grantor.organisationNumber, m.mandateId);
    }
  });
});
