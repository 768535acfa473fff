import type { Page } from 'playwright-core';

/** Logs in as a staff member would: through the login page, which then opens `next`. */
export async function logInThroughPage(page: Page, baseUrl: string, account: { email: string; password: string }, next = '/admin'): Promise<void> {
  await page.goto(`${baseUrl}/admin/login?next=${encodeURIComponent(next)}`);
  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  await Promise.all([page.waitForURL(`${baseUrl}${next}`), page.click('button[type="submit"]')]);
}

/** A GET of our own API with the page's session (page code as a string: no DOM types here). */
export async function getWithSession<T>(page: Page, path: string): Promise<{ status: number; body: T }> {
  return page.evaluate(`fetch(${JSON.stringify(path)}, { headers: { accept: 'application/json' } })
    .then(async (r) => ({ status: r.status, body: await r.json().catch(() => null) }))`);
}
