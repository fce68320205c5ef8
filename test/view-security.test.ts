/**
 * The case view's defences, over plain HTTPS against the view and the producer itself as the hub: CSRF tokens on forms, the session cookie's attributes and idle
 * end, the webhook's signature (unsigned, forged, stale and replayed posts), the producer's webhook
 * notifier (signature and PRODUCER_WEBHOOK_CA trust), the security headers, plain Swedish error pages,
 * and no identity number in any log line of the view.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { DEMO_COMPANY_REPRESENTATIVE, DEMO_PERSONS } from '../src/caseoverview/demo-persons.js';
import { webhookNotifier } from '../src/caseoverview/notifier.js';
import { signWebhook, SIGNATURE_HEADER } from '../src/caseoverview/webhook-signature.js';
import { createLogger } from '../src/log.js';
import { createHubClient, HubUnavailable } from '../src/view/hub-client.js';
import { makePki } from './fixtures/pki.js';
import { httpsCall, type HttpsReply } from './helpers/https-call.js';
import { startViewWithHub, type ViewHarness } from './helpers/view-harness.js';


type Reply = HttpsReply;

function call(h: ViewHarness, pathname: string, o: { method?: string; headers?: Record<string, string>; body?: string; cookie?: string } = {}): Promise<Reply> {
  return httpsCall(
    {
      url: h.url + pathname,
      method: o.method ?? 'GET',
      ca: fs.readFileSync(path.join(h.certsDir, 'ca.crt')),
      headers: { ...(o.cookie ? { cookie: o.cookie } : {}), ...o.headers },
    },
    o.body,
  );
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const setCookie = (r: Reply) => (Array.isArray(r.headers['set-cookie']) ? r.headers['set-cookie'] : []);
const cookieOf = (r: Reply) => setCookie(r).map((c) => c.split(';')[0]).join('; ');
const tokenOf = (r: Reply) => /name="_csrf" value="([^"]+)"/.exec(r.body)?.[1] ?? assert.fail('no CSRF token in the form');

/** Opens the test login page, returning its session cookie and form token. */
async function loginPage(h: ViewHarness): Promise<{ cookie: string; token: string }> {
  const page = await call(h, '/logga-in/test');
  assert.equal(page.status, 200);
  return { cookie: cookieOf(page), token: tokenOf(page) };
}

async function signIn(h: ViewHarness, key = DEMO_COMPANY_REPRESENTATIVE.key): Promise<{ cookie: string; reply: Reply }> {
  const { cookie, token } = await loginPage(h);
  const reply = await call(h, '/logga-in/test', { ...form({ _csrf: token, person: key }), cookie });
  assert.equal(reply.status, 303, reply.body);
  return { cookie: cookieOf(reply) || cookie, reply };
}

function webhookPost(h: ViewHarness, body: string, signature: string | undefined): Promise<Reply> {
  return call(h, '/webhook', { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) }, body });
}

const notice = (id: string, number = DEMO_COMPANY_REPRESENTATIVE.personalIdentityNumber) =>
  JSON.stringify({ notificationId: id, subject: { personalIdentityNumber: number }, senderOrganisation: { organisationNumber: '5599999991', name: 'Testkommunen' }, createdAt: new Date().toISOString() });

describe('case view: defences', () => {
  let pki: string;
  let h: ViewHarness;

  before(async () => {
    pki = await makePki();
    h = await startViewWithHub(pki, { view: { sessionIdleMs: 1500 } });
  });
  after(async () => {
    await h?.close();
  });

  it('refuses a form post with a missing or wrong CSRF token, with a plain Swedish page', async () => {
    const { cookie, token } = await loginPage(h);
    const attempts: Array<Record<string, string>> = [{ person: 'ombud' }, { person: 'ombud', _csrf: 'x' + token.slice(1) }, { person: 'ombud', _csrf: '' }];
    for (const fields of attempts) {
      const r = await call(h, '/logga-in/test', { ...form(fields), cookie });
      assert.equal(r.status, 403, JSON.stringify(fields));
      assert.match(r.body, /Formuläret kunde inte skickas/);
      assert.doesNotMatch(r.body, /\bat .*\.(ts|js):\d+|FST_CSRF|Error/);
    }
    // a token from another session is no good either
    const other = await loginPage(h);
    assert.equal((await call(h, '/logga-in/test', { ...form({ person: 'ombud', _csrf: other.token }), cookie })).status, 403);
    // a token in a header instead of the form is not read
    assert.equal((await call(h, '/logga-in/test', { ...form({ person: 'ombud' }), cookie, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': token } })).status, 403);
    assert.equal((await call(h, '/logga-in/test', { ...form({ person: 'ombud', _csrf: token }), cookie })).status, 303);
    // and a signed-in person's most harmful form, revoking consent, the same way
    const signed = await signIn(h);
    const settings = await call(h, '/installningar', { cookie: signed.cookie });
    for (const fields of attempts) assert.equal((await call(h, '/installningar/aterkalla', { ...form(fields), cookie: signed.cookie })).status, 403);
    assert.equal((await call(h, '/installningar/aterkalla', { ...form({ _csrf: tokenOf(settings) }), cookie: signed.cookie })).status, 303);
  });

  it('sets the session cookie HttpOnly, Secure, SameSite=Strict (a __Host- cookie), with a new id at sign-in', async () => {
    const { cookie: before } = await loginPage(h);
    const { reply } = await signIn(h);
    const cookies = setCookie(reply);
    assert.equal(cookies.length, 1, cookies.join('\n'));
    const c = cookies[0]!;
    assert.match(c, /^__Host-arendevy=/);
    assert.match(c, /; HttpOnly/i);
    assert.match(c, /; Secure/i);
    assert.match(c, /; SameSite=Strict/i);
    assert.match(c, /; Path=\//i);
    assert.doesNotMatch(c, /Domain=/i);
    assert.notEqual(c.split(';')[0], before, 'signing in starts a new session id');
  });

  it('ends a session after the configured idle time', async () => {
    const { cookie } = await signIn(h);
    const fresh = await call(h, '/brevlada', { cookie });
    assert.equal(fresh.status, 200);
    await new Promise((r) => setTimeout(r, 1500 * 3)); // idle three times the configured 1.5 s
    const stale = await call(h, '/brevlada', { cookie });
    assert.equal(stale.status, 303);
    assert.equal(stale.headers.location, '/logga-in');
  });

  it('accepts only signed, fresh webhook posts and files each notice once', async () => {
    const body = notice('n-ok');
    const signed = signWebhook(h.webhookSecret, body);
    const refused: Array<[string, string | undefined, string]> = [
      ['unsigned', undefined, body],
      ['malformed', 'v1=abc', body],
      ['another secret', signWebhook('x'.repeat(64), body), body],
      ['another body', signed, notice('n-other')],
      ['stale', signWebhook(h.webhookSecret, body, Date.now() - 10 * 60_000), body],
      ['from the future', signWebhook(h.webhookSecret, body, Date.now() + 10 * 60_000), body],
    ];
    for (const [what, signature, b] of refused) assert.equal((await webhookPost(h, b, signature)).status, 401, what);
    assert.equal((await webhookPost(h, body, signed)).status, 204);
    assert.equal((await webhookPost(h, body, signed)).status, 204, 'a replay within the window is accepted but filed once');
    const { cookie } = await signIn(h);
    const box = await call(h, '/brevlada', { cookie });
    assert.equal(box.body.match(/Ny information i din ärendeöversikt/g)?.length, 1, 'refused posts left nothing; the replay was filed once');
  });

  it("the producer's webhook notifier signs its deliveries and trusts only PRODUCER_WEBHOOK_CA", async () => {
    const ca = fs.readFileSync(path.join(pki, 'ca.crt'));
    const payload = JSON.parse(notice('n-notifier')) as Parameters<ReturnType<typeof webhookNotifier>['deliver']>[0];
    await webhookNotifier(`${h.url}/webhook`, { secret: h.webhookSecret, ca }).deliver(payload);
    await assert.rejects(webhookNotifier(`${h.url}/webhook`, { secret: 'y'.repeat(64), ca }).deliver({ ...payload, notificationId: 'n-forged' }), /HTTP 401/);
    await assert.rejects(webhookNotifier(`${h.url}/webhook`, { secret: h.webhookSecret }).deliver({ ...payload, notificationId: 'n-untrusted' }), (err: NodeJS.ErrnoException) => /CERT|SELF_SIGNED|certificate/i.test(`${err.code} ${err.message}`));
  });

  it('sends a strict Content-Security-Policy and no-store on pages', async () => {
    const r = await call(h, '/logga-in/test');
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.match(String(r.headers['cache-control']), /no-store/);
    assert.match(r.body, /<html lang="sv">/);
    assert.doesNotMatch(r.body, /<script|style="/);
  });

  it('answers unknown pages and an unreachable hub with plain Swedish pages, never a stack trace', async () => {
    const missing = await call(h, '/finns-inte');
    assert.equal(missing.status, 404);
    assert.match(missing.body, /Sidan finns inte/);
    const down = await startViewWithHub(pki);
    try {
      const s = await signIn(down);
      await down.hub.close();
      const r = await call(down, '/oversikt', { cookie: s.cookie });
      assert.equal(r.status, 502);
      assert.match(r.body, /Ärendetjänsten svarar inte/);
      assert.doesNotMatch(r.body, /\bat .*\.(ts|js):\d+|ECONNREFUSED|Error/);
    } finally {
      await down.view.close();
    }
    // the other view is unharmed (a new sign-in: starting a second producer outlasts this view's idle end);
    // the first test revoked this person's consent, so it asks for consent again
    const { cookie } = await signIn(h);
    const still = await call(h, '/oversikt', { cookie });
    assert.equal(still.status, 200);
    assert.match(still.body, /<title>Samtycke till ärendeöversikten/);
  });

  it("logs a hub fault by its code only: the producer's validator detail may quote the request value", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, done) => void (lines.push(c.toString('utf8')), done()) });
    const hub = createHubClient({ producerUrl: h.hub.url, logicalAddress: h.hub.logicalAddress, certsDir: pki, caFile: path.join(pki, 'ca.crt'), logger: createLogger('info', sink) });
    try {
      await assert.rejects(hub.getMandates('19850709980'), HubUnavailable); // 11 digits: RP006, whose faultstring quotes them
    } finally {
      hub.close();
    }
    await new Promise((r) => setImmediate(r));
    assert.match(lines.join(''), /"reason":"RP006"/);
    assert.ok(!lines.join('').includes('19850709980'));
  });

  it('writes no identity number into any log line', () => {
    const log = h.logLines.join('\n');
    assert.ok(h.logLines.some((l) => l.includes('webhook refused')) && h.logLines.some((l) => l.includes('notice received')));
    for (const p of DEMO_PERSONS) assert.ok(!log.includes(p.personalIdentityNumber), `${p.key}'s number is in the log`);
  });
});
