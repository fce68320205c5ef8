/**
 * A real headless browser for the view's tests: Debian's chromium driven by puppeteer-core, with a fresh
 * profile each launch, accepting the development PKI's server certificate. Without chromium the browser
 * tests skip with the reason (browserSkipReason); under CI=true a missing chromium is a failure.
 * axe-core is injected into a page that bypasses the Content-Security-Policy, in the test browser only:
 * the view's own policy is never loosened.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Undefined when the browser tests can run; the reason to skip otherwise. Throws under CI=true. */
export function browserSkipReason(): string | undefined {
  if (fs.existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} not found (Debian package chromium; .ci/run installs it)`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  return reason;
}

export interface TestBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    acceptInsecureCerts: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--lang=sv-SE',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

// axe-core's browser build, found through the package (a plain require.resolve, so knip sees the use).
const require = createRequire(import.meta.url);
let axeSource: string | undefined;

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: number;
}

/**
 * Opens `from`'s current URL in a second tab of the same browser context (same cookies) whose CSP is
 * bypassed, injects axe-core and returns its serious and critical violations (WCAG 2.1 A and AA rules,
 * plus best practices).
 */
export async function axeViolations(from: Page): Promise<AxeViolation[]> {
  axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const url = from.url();
  const page = await from.browserContext().newPage();
  try {
    await page.setBypassCSP(true);
    await page.goto(url, { waitUntil: 'load' });
    await page.addScriptTag({ content: axeSource });
    const results = (await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }> }> } }).axe;
      const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
    })) as AxeViolation[];
    return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  } finally {
    await page.close();
  }
}

/** The page's visible text, whitespace collapsed (works with JavaScript switched off: it runs in the tool, not the page). */
export async function textOf(page: Page, selector = 'main'): Promise<string> {
  const el = await page.$(selector);
  if (!el) return '';
  const text = await el.evaluate((n) => (n as HTMLElement).innerText);
  return text.replace(/\s+/g, ' ').trim();
}
