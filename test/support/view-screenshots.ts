/**
 * `npm run screenshots`: a picture of each page of the case view, written to docs/view/ (shown in
 * docs/integration.md, "The case view"). Runs the view against the producer itself with its demo data plus a
 * few pushed cases, in headless chromium. Writes only with --write, so that the test runner, which runs
 * every file under dist/test/, never writes tracked files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { DEMO_CITIZEN, DEMO_COMPANY, DEMO_COMPANY_REPRESENTATIVE } from '../../src/caseoverview/demo-persons.js';
import { findProjectRoot } from '../../src/project-root.js';
import { browserSkipReason, launchBrowser } from '../helpers/browser.js';
import { sampleCase, startViewWithHub } from '../helpers/view-harness.js';
import { makePki } from '../fixtures/pki.js';

async function go(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
}

async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

async function login(page: Page, base: string, key: string): Promise<void> {
  await go(page, `${base}/logga-in/test`);
  await page.click(`#person-${key}`);
  await submit(page, 'main form button[type=submit]');
}

async function main(): Promise<void> {
  const skip = browserSkipReason();
  if (skip) throw new Error(skip);
  const out = path.join(findProjectRoot(), 'docs/view');
  fs.mkdirSync(out, { recursive: true });
  const h = await startViewWithHub(await makePki());
  const tb = await launchBrowser();
  try {
    const now = Date.now();
    const citizen = { personalIdentityNumber: DEMO_CITIZEN.personalIdentityNumber };
    await h.push(
      sampleCase(citizen, 'SHOT-1', 'Ansökan om bygglov för garage', new Date(now - 60_000), {
        registryNumber: 'SBN 2026/117',
        category: 'Bygglov',
        status: 'ACTION_REQUIRED',
        sourceStatusText: 'Komplettering begärd',
        processingTimeForecast: { value: 6, unit: 'WEEKS' },
        caseLink: 'https://etjanster.testkommunen.example/arenden/2026-117',
        plannedEvent: { text: 'Sista dag för komplettering', time: new Date(now + 14 * 86_400_000).toISOString() },
        paymentStatus: 'Avgift ej fakturerad',
        caseOfficer: 'Handläggare bygglov, enhet 2',
        freeText: 'Vi behöver en fasadritning och en situationsplan för att kunna fortsätta handläggningen.',
        additionalInformation: [{ title: 'Fastighetsbeteckning', value: 'Testkommunen Exemplet 1:23' }],
      }),
    );
    await h.push(sampleCase({ organisationNumber: DEMO_COMPANY.organisationNumber }, 'SHOT-2', 'Bygglov för lagerlokal', new Date(now - 30_000), { category: 'Bygglov', status: 'IN_PROGRESS' }));

    const context = await tb.browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width: 1024, height: 800 });
    const shot = async (name: string) => {
      await page.screenshot({ path: path.join(out, `${name}.png`) as `${string}.png`, fullPage: true });
      process.stdout.write(`docs/view/${name}.png\n`);
    };
    await go(page, `${h.url}/logga-in`);
    await shot('01-logga-in');
    await login(page, h.url, DEMO_CITIZEN.key);
    await page.goto(`${h.url}/logga-in/test`, { waitUntil: 'load' });
    await shot('02-testinloggning');
    await go(page, `${h.url}/oversikt`);
    await page.$$eval('details', (ds) => ds.forEach((d) => d.setAttribute('open', '')));
    await shot('03-oversikt');
    await go(page, `${h.url}/brevlada`);
    await shot('04-brevlada');
    await go(page, `${h.url}/installningar`);
    await shot('05-installningar');
    await submit(page, 'form.logout button');
    await login(page, h.url, DEMO_COMPANY_REPRESENTATIVE.key);
    await shot('06-samtycke');
    await go(page, `${h.url}/agera-for`);
    await shot('07-foretrad-nagon');
    await page.click('main input[type=radio]:not(#vem-mig)');
    await submit(page, 'main form button[type=submit]');
    await shot('08-oversikt-som-ombud');
    await go(page, `${h.url}/finns-inte`);
    await shot('09-sidan-finns-inte');
    await context.close();
  } finally {
    await tb.close();
    await h.close();
  }
}

if (process.argv.includes('--write')) {
  main().catch((err: unknown) => {
    process.stderr.write(`screenshots: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
