/**
 * The case view in a real headless chromium (README, "The case view"), against the producer itself (in
 * process, with its demo data) as the hub.
 *
 * The main flow, once with JavaScript and once without: log in as a demo person, give consent, see a
 * case that a PushCaseStatus call creates, its status change and the notice in the mailbox, filter and
 * page, act for the company and see only what the mandate covers, act as the guardian for the child and
 * consent for it, revoke consent and see the overview empty. Along the way: axe-core on every page (no
 * serious or critical violation), no Content-Security-Policy violation, and no identity number in any
 * URL the browser asked for or in any log line of the view.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'puppeteer-core';
import { DEMO_CHILD_NAME, DEMO_COMPANY, DEMO_COMPANY_REPRESENTATIVE, DEMO_GUARDIAN, DEMO_PERSONS } from '../src/caseoverview/demo-persons.js';
import { makePki } from './fixtures/pki.js';
import { axeViolations, browserSkipReason, launchBrowser, textOf, type TestBrowser } from './helpers/browser.js';
import { sampleCase, startViewWithHub, type ViewHarness } from './helpers/view-harness.js';

/** The sender of sampleCase; a filter names it by an opaque id, never by its number. */
const SENDER = '5599999991';

const skip = browserSkipReason();

async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

async function go(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
}

/** Polls the page (reloading it) until its main text matches, or fails after `ms`. */
async function eventually(page: Page, pattern: RegExp, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const text = await textOf(page);
    if (pattern.test(text)) return text;
    if (Date.now() > until) assert.fail(`${pattern} never appeared; the page says: ${text}`);
    await new Promise((r) => setTimeout(r, 200));
    await page.reload({ waitUntil: 'load' });
  }
}

const caseTitles = (page: Page) => page.$$eval('.case__title', (hs) => hs.map((h) => h.textContent?.trim() ?? ''));

async function login(page: Page, base: string, key: string, keyboard: boolean): Promise<void> {
  await go(page, `${base}/logga-in`);
  await submit(page, 'main a.button');
  if (keyboard) {
    // keyboard only: focus the person's radio button, then Enter submits the form
    await page.focus(`#person-${key}`);
    await page.keyboard.press('Space');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
  } else {
    await page.click(`label[for=person-${key}]`);
    await submit(page, 'main form button[type=submit]');
  }
}

/** On the consent page (after revoking first when the hub's data already has consent), gives consent. */
async function giveConsent(page: Page, base: string): Promise<void> {
  await go(page, `${base}/oversikt`);
  if (!(await page.$('form[action="/samtycke"]'))) {
    await go(page, `${base}/installningar`);
    await submit(page, 'form[action="/installningar/aterkalla"] button');
  }
  assert.match(await textOf(page), /Informationstextens version: ärendevy-2026-1/);
  await submit(page, 'form[action="/samtycke"] button');
}

async function mainFlow(h: ViewHarness, tb: TestBrowser, javaScript: boolean): Promise<void> {
  const context = await tb.browser.createBrowserContext();
  const page = await context.newPage();
  await page.setJavaScriptEnabled(javaScript);
  const urls: string[] = [];
  const cspReports: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('console', (m) => /Content.Security.Policy/i.test(m.text()) && cspReports.push(m.text()));
  const axed = new Set<string>();
  const axe = async (name: string) => {
    if (!javaScript || axed.has(name)) return; // once per page is enough
    axed.add(name);
    assert.deepEqual(await axeViolations(page), [], `axe on ${name} (${page.url()})`);
  };
  const run = `${javaScript ? 'js' : 'nojs'}-${Date.now()}`;
  const me = { personalIdentityNumber: DEMO_COMPANY_REPRESENTATIVE.personalIdentityNumber };
  const t0 = Date.now() - 10 * 60_000;
  const at = (minutes: number) => new Date(t0 + minutes * 60_000);

  // log in (keyboard only when JavaScript is off) and consent
  await go(page, h.url);
  assert.match(page.url(), /\/logga-in$/);
  await axe('login');
  await go(page, `${h.url}/logga-in/test`);
  await axe('test login');
  assert.match(await textOf(page), /ingen riktig inloggning/i);
  await login(page, h.url, DEMO_COMPANY_REPRESENTATIVE.key, !javaScript);
  await go(page, `${h.url}/oversikt`);
  await axe('consent');
  await giveConsent(page, h.url);
  assert.match(await textOf(page), /Ditt samtycke är registrerat/);
  assert.match(await textOf(page), /Det finns inga ärenden att visa/);

  // a pushed case, then its status change, then the notices
  const first = `${run}-1`;
  const created = await h.push(
    sampleCase(me, first, `Ansökan ${run}`, at(1), { category: 'Bygglov', sourceStatusText: 'Inkommen', processingTimeForecast: { value: 6, unit: 'WEEKS' }, caseOfficer: 'Handläggare A', caseLink: 'https://etjanster.example/arende' }),
  );
  assert.equal(created.outcome, 'CREATED', JSON.stringify(created.result));
  await go(page, `${h.url}/oversikt`);
  let text = await textOf(page);
  assert.match(text, new RegExp(`Ansökan ${run}`));
  assert.match(text, /Ankommen handling/);
  assert.match(text, /Inkommen/);
  assert.match(text, /6 veckor/);
  assert.match(text, /Handläggare A/);
  assert.ok(await page.$('a.external[href="https://etjanster.example/arende"]'));
  await axe('overview');
  await h.push(sampleCase(me, first, `Ansökan ${run}`, at(2), { category: 'Bygglov', status: 'ACTION_REQUIRED' }));
  await page.reload({ waitUntil: 'load' });
  text = await textOf(page);
  assert.match(text, /Åtgärd krävs/);
  assert.match(text, /Historik \(2\)/);
  await go(page, `${h.url}/brevlada`);
  text = await eventually(page, /(Ny information i din ärendeöversikt.*){2}/);
  await axe('mailbox');

  // filter by status, then paging (two per page in this harness) over three cases
  await go(page, `${h.url}/oversikt`);
  await page.select('#filter-status', 'RECEIVED');
  await submit(page, 'form.filter button[type=submit]');
  assert.match(await textOf(page), /Inga ärenden matchar filtret/);
  await submit(page, 'form.filter button[name=rensa]');
  await h.push(sampleCase(me, `${run}-2`, `Andra ${run}`, at(3)));
  await h.push(sampleCase(me, `${run}-3`, `Tredje ${run}`, at(4)));
  await go(page, `${h.url}/oversikt`);
  assert.deepEqual(await caseTitles(page), [`Tredje ${run}`, `Andra ${run}`]);
  await submit(page, 'a[rel=next]');
  assert.deepEqual(await caseTitles(page), [`Ansökan ${run}`]);
  await submit(page, 'a[rel=prev]');
  assert.deepEqual(await caseTitles(page), [`Tredje ${run}`, `Andra ${run}`]);

  // act for the company: only what the mandate covers (sender 5599999991, category Bygglov)
  const company = { organisationNumber: DEMO_COMPANY.organisationNumber };
  await h.push(sampleCase(company, `${run}-c1`, `Bygglov ${run}`, at(5), { category: 'Bygglov' }));
  await h.push(sampleCase(company, `${run}-c2`, `Miljötillsyn ${run}`, at(6), { category: 'Miljötillsyn' }));
  await go(page, `${h.url}/agera-for`);
  await axe('act for');
  const companyChoice = await page.$$eval('main label', (ls, name) => ls.find((l) => l.textContent?.includes(name))?.getAttribute('for'), DEMO_COMPANY.name);
  assert.ok(companyChoice, 'the company is offered');
  await page.click(`label[for="${companyChoice}"]`);
  await submit(page, 'main form button[type=submit]');
  const banner = await textOf(page, '.banner');
  assert.match(banner, new RegExp(`Du företräder ${DEMO_COMPANY.name} som ombud\\. Behörigheten gäller till \\d{1,2} \\w+ \\d{4}`));
  const titles = await caseTitles(page);
  assert.ok(titles.includes(`Bygglov ${run}`), titles.join());
  assert.ok(!titles.includes(`Miljötillsyn ${run}`), 'a case outside the scope is not shown');
  assert.ok(!titles.some((t) => t.includes(`Ansökan ${run}`)), 'the representative’s own cases are not in the company’s list');
  await axe('overview acting');
  await submit(page, '.banner button');
  assert.equal(await page.$('.banner'), null);

  // revoke: a plain warning, then everything is gone (consent again starts from nothing)
  await go(page, `${h.url}/installningar`);
  assert.match(await textOf(page), /Alla sparade ärenden raderas/);
  await axe('settings');
  await submit(page, 'form[action="/installningar/aterkalla"] button');
  assert.match(await textOf(page), /Ditt samtycke är återkallat\. Alla ärenden som sparats om dig har raderats/);
  assert.deepEqual(await caseTitles(page), []);
  await submit(page, 'form[action="/samtycke"] button');
  assert.match(await textOf(page), /Det finns inga ärenden att visa/);
  assert.deepEqual(await caseTitles(page), []);

  // the guardian consents for the child from the child's page, and sees the child's case
  await submit(page, 'form.logout button');
  assert.match(await textOf(page), /Du är utloggad/);
  await login(page, h.url, DEMO_GUARDIAN.key, false);
  const [guardianship] = (await h.mandatesOf(DEMO_GUARDIAN.personalIdentityNumber)).filter((m) => m.role === 'GUARDIAN');
  assert.ok(guardianship?.grantor.personalIdentityNumber, 'the hub names the current child');
  await go(page, `${h.url}/agera-for`);
  await page.click(`xpath/.//label[contains(., "${DEMO_CHILD_NAME}")]`);
  await submit(page, 'main form button[type=submit]');
  assert.match(await textOf(page, '.banner'), new RegExp(`Du företräder ${DEMO_CHILD_NAME} som vårdnadshavare`));
  const child = { personalIdentityNumber: guardianship.grantor.personalIdentityNumber };
  if (await page.$('form[action="/samtycke"]')) {
    assert.match(await textOf(page), /Som vårdnadshavare ger du samtycke för barnet/);
    await axe('consent for a child');
    await submit(page, 'form[action="/samtycke"] button');
    assert.match(await textOf(page), /Samtycket för barnet är registrerat/);
  }
  const pushed = await h.push(sampleCase(child, `${run}-b1`, `Skolskjuts ${run}`, at(7)));
  assert.equal(pushed.outcome, 'CREATED');
  await page.reload({ waitUntil: 'load' });
  assert.ok((await caseTitles(page)).includes(`Skolskjuts ${run}`));

  await go(page, `${h.url}/finns-inte`);
  assert.match(await textOf(page), /Sidan finns inte/);
  await axe('not found');

  // no identity number in any URL, CSP respected, and the view's log holds no identity number either
  const numbers = [...DEMO_PERSONS.map((p) => p.personalIdentityNumber), child.personalIdentityNumber, DEMO_COMPANY.organisationNumber, SENDER];
  for (const u of urls) for (const n of numbers) assert.ok(!u.includes(n), `an identity number in ${u}`);
  assert.deepEqual(cspReports, []);
  const logged = h.logLines.join('\n');
  assert.ok(h.logLines.some((l) => l.includes('"hub call"')), 'the view logged its hub calls');
  for (const n of numbers) assert.ok(!logged.includes(n), 'an identity number in the view log');
  await context.close();
}

describe('case view in a real browser', { skip }, () => {
  let pki: string;
  let tb: TestBrowser;

  before(async () => {
    pki = await makePki();
    tb = await launchBrowser();
  });
  after(async () => {
    await tb?.close();
  });

  for (const javaScript of [true, false]) {
    it(`main flow, JavaScript ${javaScript ? 'on (with axe-core on every page)' : 'off (keyboard login)'}`, async () => {
      const h = await startViewWithHub(pki, { view: { pageSize: 2 } });
      try {
        await mainFlow(h, tb, javaScript);
      } finally {
        await h.close();
      }
    });
  }
});
