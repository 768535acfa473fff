import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Real headless Chromium (Debian's package) driven by playwright-core. The flags keep Chromium off
 * the network it cannot reach here (background updates, sync, QUIC). Playwright gives each launch a
 * fresh, empty profile, and each page here its own context, so no test sees another's cookies or cache.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (no cookies, no cache); pass `javaScriptEnabled: false` for the no-script path. */
  newPage(options?: { javaScriptEnabled?: boolean; locale?: string }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true, ...(options.locale ? { locale: options.locale } : {}) });
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core in the page and returns the serious and critical violations (an empty list is a pass).
 * axe is evaluated through the DevTools protocol, not a script tag, so the page's CSP stays as served.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            context: unknown,
            options: unknown,
          ): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }>;
        };
      }
    ).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target.join(' '))) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 900 };

/**
 * No serious or critical axe violation on a desktop and on a phone screen, and nothing wider than
 * the phone's screen (no sideways scrolling). `what` names the page in a failure.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  for (const viewport of [DESKTOP, PHONE]) {
    await page.setViewportSize(viewport);
    expect({ what, viewport: viewport.width, violations: await seriousAccessibilityViolations(page) }).toEqual({
      what,
      viewport: viewport.width,
      violations: [],
    });
    expect({ what, viewport: viewport.width, width: await page.evaluate<number>('document.documentElement.scrollWidth') }).toEqual({
      what,
      viewport: viewport.width,
      width: viewport.width,
    });
  }
  await page.setViewportSize(DESKTOP);
}
