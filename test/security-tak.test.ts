/** Unit tests: TAK lookups, reload, identity and the effective consumer. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.js';
import { Tak } from '../src/security/tak.js';
import { effectiveConsumer, peerHsaId } from '../src/security/identity.js';
import type { TLSSocket } from 'node:tls';

const PING = 'urn:riv:itintegration:monitoring:PingForConfigurationResponder:1';
const SEARCH = 'urn:riv:masterdata:organisationalresources:licensetopractice:SearchPersonnelResponder:1';

describe('TAK', () => {
  const config = loadConfig({ PRODUCER_LOGICAL_ADDRESSES: 'A,B' });

  it('grants the development TAK on every served address ("*")', () => {
    const tak = new Tak(config);
    assert.ok(tak.serves('A') && tak.serves('B') && !tak.serves('C'));
    assert.ok(tak.isAuthorised('SE5599999991-1001', PING, 'A'));
    assert.ok(tak.isAuthorised('SE5599999991-1003', SEARCH, 'B'));
    assert.ok(!tak.isAuthorised('SE5599999991-1003', PING.replace('Ping', 'Pong'), 'A'));
    assert.ok(!tak.isAuthorised('SE5599999991-1007', PING, 'A'));
    assert.ok(!tak.isAuthorised('SE5599999991-1001', PING, 'C'), "'*' covers served addresses only");
  });

  it('honours exact-address entries and reloads atomically', () => {
    const tak = new Tak({ ...config, tak: [{ consumer: 'X', contract: PING, logicalAddress: 'A' }] });
    assert.ok(tak.isAuthorised('X', PING, 'A'));
    assert.ok(!tak.isAuthorised('X', PING, 'B'));
    tak.reload({ ...config, tak: [{ consumer: 'X', contract: PING, logicalAddress: 'B' }], logicalAddresses: ['B'] });
    assert.ok(!tak.isAuthorised('X', PING, 'A'));
    assert.ok(tak.isAuthorised('X', PING, 'B'));
    assert.throws(() => tak.reload({ ...config, tak: [{ consumer: 1 } as never] }));
    assert.ok(tak.isAuthorised('X', PING, 'B'), 'a failed reload keeps the old tables');
  });

  it('answers, from the headers alone, whether a consumer may call a contract at any logical address', () => {
    const tak = new Tak({ ...config, tak: [{ consumer: 'X', contract: PING, logicalAddress: 'NOT-SERVED' }, { consumer: 'Y', contract: SEARCH, logicalAddress: '*' }] });
    assert.ok(tak.authorisesContract('X', PING), 'any address counts, served or not: the address is checked after parsing');
    assert.ok(tak.authorisesContract('Y', SEARCH));
    assert.ok(!tak.authorisesContract('X', SEARCH));
    assert.ok(!tak.authorisesContract('Z', PING));
    tak.reload({ ...config, tak: [] });
    assert.ok(!tak.authorisesContract('X', PING), 'reloaded with the other tables');
  });

  it('knows routing nodes and consumer categories', () => {
    const tak = new Tak(config);
    assert.ok(tak.isRoutingNode('SE5599999991-1004'));
    assert.ok(!tak.isRoutingNode('SE5599999991-1001'));
    assert.equal(tak.consumer('SE5599999991-1002')?.category, 'SUPERVISORY_AUTHORITY');
    assert.equal(tak.consumer('nobody'), undefined);
  });
});

describe('identity', () => {
  const tak = new Tak(loadConfig({}));
  const fakeSocket = (subject: Record<string, unknown> | undefined) =>
    ({ getPeerCertificate: () => (subject ? { subject } : {}) }) as unknown as TLSSocket;

  it('reads the HSA-id from the subject serialNumber', () => {
    assert.equal(peerHsaId(fakeSocket({ CN: 'x', serialNumber: 'SE5599999991-1001' })), 'SE5599999991-1001');
    assert.equal(peerHsaId(fakeSocket({ CN: 'x' })), undefined);
    assert.equal(peerHsaId(fakeSocket(undefined)), undefined);
    assert.equal(peerHsaId(fakeSocket({ serialNumber: 'has space' })), undefined);
    assert.equal(peerHsaId(fakeSocket({ serialNumber: ['a', 'b'] })), undefined);
  });

  it('takes the original consumer only from a trusted routing node', () => {
    assert.deepEqual(effectiveConsumer('SE5599999991-1004', 'SE5599999991-1001', tak), {
      peerHsaId: 'SE5599999991-1004',
      consumerHsaId: 'SE5599999991-1001',
      viaRoutingNode: true,
      ignoredHeader: undefined,
    });
    const forged = effectiveConsumer('SE5599999991-1007', 'SE5599999991-1001', tak);
    assert.equal(forged.consumerHsaId, 'SE5599999991-1007');
    assert.equal(forged.ignoredHeader, 'not-a-routing-node');
    assert.equal(effectiveConsumer('SE5599999991-1004', undefined, tak).consumerHsaId, 'SE5599999991-1004');
    assert.equal(effectiveConsumer('SE5599999991-1004', 'bad value', tak).ignoredHeader, 'unusable-value');
  });
});
