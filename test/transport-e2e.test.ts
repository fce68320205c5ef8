/**
 * The producer's normal path end to end over real mutual TLS, against a tiny PingForConfiguration
 * implementation (test/helpers/ping-producer.ts): schema-valid answers, the correlation id, SOAPAction
 * forms, the `soap` npm client, ?wsdl and ?xsd serving, refusals in the TLS handshake, every configured
 * logical address served, TAK reload without a restart, and graceful close (last: it closes the producer).
 * The RPxxx faults are in test/transport-faults.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import soap from 'soap';
import { validateResponse } from '../src/soap/validator.js';
import { httpsCall } from './helpers/https-call.js';
import { ACTION, assertFault, envelope, LA, PATH, startPingProducer, TJSR, type PingProducer } from './helpers/ping-producer.js';

describe('producer end to end over mutual TLS', () => {
  let ping: PingProducer;

  before(async () => {
    ping = await startPingProducer();
  });

  after(async () => {
    await ping.close();
  });

  it('answers PingForConfiguration with a schema-valid response, and echoes a generated correlation id', async () => {
    const r = await ping.post('journal-system', envelope());
    assert.equal(r.status, 200, r.body);
    assert.match(String(r.headers['content-type']), /^text\/xml; charset=utf-8$/i);
    assert.equal(validateResponse(ping.contract, r.body, ping.contractRoot), undefined);
    assert.match(r.body, /<ns\d:version>1\.0\.0-test<\/ns\d:version>/);
    assert.match(r.body, /<ns\d:value>SE5599999991-1001<\/ns\d:value>/);
    assert.match(String(r.headers['x-skltp-correlation-id']), /^[0-9a-f-]{36}$/);
    const ctx = ping.seen.at(-1)!;
    assert.equal(ctx.logicalAddress, LA);
    assert.equal(ctx.peerHsaId, 'SE5599999991-1001');
    assert.equal(ctx.viaRoutingNode, false);
    assert.equal(ctx.consumer?.category, 'PUBLIC_CARE_PROVIDER');
    const line = ping.lastLine('soap request');
    assert.equal(line.outcome, 'ok');
    assert.equal(line.peer, 'SE5599999991-1001');
    assert.equal(line.logicalAddress, LA);
    assert.equal(line.correlationId, r.headers['x-skltp-correlation-id']);
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(ping.outcomes.at(-1)?.outcome, 'ok');
  });

  it('echoes a given x-skltp-correlation-id, also on faults', async () => {
    const ok = await ping.post('journal-system', envelope(), { headers: { 'x-skltp-correlation-id': 'corr-123' } });
    assert.equal(ok.headers['x-skltp-correlation-id'], 'corr-123');
    assert.equal(ping.seen.at(-1)!.correlationId, 'corr-123');
    const bad = await ping.post('journal-system', envelope({ la: null }), { headers: { 'x-skltp-correlation-id': 'corr-456' } });
    assert.equal(bad.headers['x-skltp-correlation-id'], 'corr-456');
    assert.match(bad.body, /<rp:correlationId>corr-456<\/rp:correlationId>/);
  });

  it('accepts SOAPAction unquoted and missing (dispatch by body)', async () => {
    assert.equal((await ping.post('journal-system', envelope(), { action: ACTION })).status, 200);
    assert.equal((await ping.post('journal-system', envelope(), { action: null })).status, 200);
    assert.equal((await ping.post('journal-system', envelope(), { action: '""' })).status, 200);
  });

  it('works with the soap npm client loading the WSDL by URL', async () => {
    const c = ping.creds('journal-system');
    const client = await soap.createClientAsync(`https://localhost:${ping.port}${PATH}?wsdl`, {
      // soap 1.x fetches the WSDL with axios, which takes TLS material through an agent
      wsdl_options: { httpsAgent: new https.Agent({ key: c.key, cert: c.cert, ca: c.ca }) },
    });
    client.setSecurity(new soap.ClientSSLSecurity(c.key, c.cert, c.ca));
    client.addSoapHeader({ LogicalAddress: LA }, '', 'rgy', 'urn:riv:itintegration:registry:1');
    // node-soap takes the FIRST message part (LogicalAddress, bound as a header in RIVTA) as the body
    // element (node-soap #704/#467), so the body is handed over as XML; the header and the response
    // go through node-soap's normal paths.
    const body = `<tjsr:PingForConfiguration xmlns:tjsr="${TJSR}"><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:logicalAddress>${LA}</tjsr:logicalAddress></tjsr:PingForConfiguration>`;
    const [result] = (await client.PingForConfigurationAsync({ _xml: body })) as [
      { version: string; configuration: Array<{ name: string; value: string }> },
    ];
    assert.equal(result.version, '1.0.0-test');
    assert.equal(result.configuration[0]!.value, 'SE5599999991-1001');
  });

  it('serves ?wsdl with the real address and every schemaLocation rewritten to ?xsd=, all resolvable', async () => {
    const r = await ping.request('journal-system', { path: `${PATH}?wsdl` });
    assert.equal(r.status, 200);
    const base = `https://127.0.0.1:${ping.port}${PATH}`;
    assert.match(r.body, new RegExp(`location=['"]${base.replace(/[.?/]/g, '\\$&')}['"]`));
    const locs = [...r.body.matchAll(/schemaLocation=['"]([^'"]*)['"]/g)].map((m) => m[1]!);
    assert.ok(locs.length >= 2);
    const queue = [...locs];
    const fetched = new Set<string>();
    while (queue.length > 0) {
      const loc = queue.shift()!;
      if (fetched.has(loc)) continue;
      fetched.add(loc);
      assert.ok(loc.startsWith(`${base}?xsd=`), loc);
      const x = await ping.request('journal-system', { path: loc.slice(`https://127.0.0.1:${ping.port}`.length) });
      assert.equal(x.status, 200, loc);
      assert.match(x.body, /<(xs:)?schema/);
      for (const m of x.body.matchAll(/schemaLocation=['"]([^'"]*)['"]/g)) queue.push(m[1]!);
    }
    assert.ok(fetched.size >= ping.contract.schemaFiles.length);
  });

  it('refuses ?xsd= outside the imported schema set with 404', async () => {
    for (const p of [
      '../package.json',
      '..%2Fpackage.json',
      '%2e%2e/%2e%2e/etc/passwd',
      '/etc/passwd',
      'schemas/../package.json',
      'schemas/soap/soap-envelope-1.1.xsd',
      'wsdl/PingForConfigurationInteraction_1.0_RIVTABP21.wsdl',
      '',
    ]) {
      const r = await ping.request('journal-system', { path: `${PATH}?xsd=${p}` });
      assert.equal(r.status, 404, p);
    }
    assert.equal((await ping.request('journal-system', { path: `${PATH}` })).status, 404);
    assert.equal((await ping.request('journal-system', { path: '/nope?wsdl' })).status, 404);
    assert.equal((await ping.request('journal-system', { path: PATH, method: 'PUT' })).status, 405);
  });

  describe('TLS handshake refusals', () => {
    async function handshake(role: string | null): Promise<'refused' | 'accepted'> {
      const c = role ? ping.creds(role) : { ca: fs.readFileSync(path.join(ping.pki, 'ca.crt')) };
      if (role === 'untrusted') c.ca = fs.readFileSync(path.join(ping.pki, 'ca.crt'));
      try {
        const r = await httpsCall({ host: '127.0.0.1', servername: 'localhost', port: ping.port, path: `${PATH}?wsdl`, agent: false, ...c });
        return r.status === 200 ? 'accepted' : 'refused';
      } catch {
        return 'refused';
      }
    }

    for (const role of [null, 'expired', 'revoked', 'untrusted'] as const) {
      it(`refuses ${role ?? 'a missing'} certificate in the handshake, and reports it`, async () => {
        const before = ping.refusals.length;
        assert.equal(await handshake(role), 'refused');
        for (let i = 0; i < 20 && ping.refusals.length === before; i++) await new Promise((r) => setTimeout(r, 25));
        assert.ok(ping.refusals.length > before, 'tlsRefused event');
        assert.ok(ping.refusals.at(-1)!.reason.length > 0);
      });
    }

    it('accepts a valid certificate (control)', async () => {
      assert.equal(await handshake('unknown'), 'accepted');
    });

    /**
     * A handshake that really offers the given protocol range: SECLEVEL=0 lets this client's OpenSSL
     * put TLS 1.0/1.1 (and their SHA-1 signatures) on the wire, so it is the server that must refuse.
     */
    const handshakeAt = (minVersion: tls.SecureVersion, maxVersion: tls.SecureVersion) =>
      new Promise<{ protocol: string | null } | { code: string; message: string }>((resolve) => {
        const s = tls.connect(
          { host: '127.0.0.1', port: ping.port, servername: 'localhost', ...ping.creds('journal-system'), minVersion, maxVersion, ciphers: 'DEFAULT@SECLEVEL=0' },
          () => {
            resolve({ protocol: s.getProtocol() });
            s.destroy();
          },
        );
        s.on('error', (err: NodeJS.ErrnoException) => resolve({ code: err.code ?? '', message: err.message }));
      });

    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      it(`refuses a client that offers at most ${version} with a protocol_version alert`, async () => {
        const before = ping.refusals.length;
        const r = await handshakeAt('TLSv1', version);
        assert.ok('code' in r, `the handshake succeeded with ${JSON.stringify(r)}`);
        // the server's alert 70 (protocol_version), as the client's OpenSSL reports it
        assert.equal(r.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', r.message);
        assert.match(r.message, /alert number 70/);
        for (let i = 0; i < 20 && ping.refusals.length === before; i++) await new Promise((res) => setTimeout(res, 25));
        assert.equal(ping.refusals.at(-1)?.reason, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
      });
    }

    it('accepts the same client options at TLS 1.2 (control)', async () => {
      assert.deepEqual(await handshakeAt('TLSv1.2', 'TLSv1.2'), { protocol: 'TLSv1.2' });
    });
  });

  it('serves every configured logical address', async () => {
    const r = await ping.post('journal-system', envelope({ la: 'OTHER-PRODUCER' }));
    assert.equal(r.status, 200);
  });

  it('TAK reload takes effect without a restart', async () => {
    ping.producer.tak.reload({ ...ping.config, tak: [...ping.config.tak, { consumer: 'SE5599999991-1007', contract: TJSR, logicalAddress: LA }] });
    assert.equal((await ping.post('unknown', envelope())).status, 200);
    assertFault(await ping.post('unknown', envelope({ la: 'OTHER-PRODUCER' })), 'RP007');
    ping.producer.tak.reload(ping.config);
    assertFault(await ping.post('unknown', envelope()), 'RP007');
  });

  it('graceful close lets an in-flight request finish, then stops accepting', async () => {
    const releaseSlow = ping.holdSlow();
    const inflight = ping.post('journal-system', envelope({ la: LA, body: `<tjsr:PingForConfiguration><tjsr:serviceContractNamespace>${TJSR}</tjsr:serviceContractNamespace><tjsr:logicalAddress>slow</tjsr:logicalAddress></tjsr:PingForConfiguration>` }));
    await new Promise((r) => setTimeout(r, 100));
    const closed = ping.producer.close();
    await new Promise((r) => setTimeout(r, 50));
    releaseSlow();
    const r = await inflight;
    assert.equal(r.status, 200);
    await closed;
    await assert.rejects(ping.post('journal-system', envelope()));
  });
});
