// What a supporter does with an email: follows the confirmation link (and, when the email has
// one, the letters approval link) through the POST form its page shows, never a GET that changes
// anything. Kept small and apart: the letter flow is changing (an approval step), and only this
// file should need to follow it.
const LINK = /https?:\/\/[^\s"'<>]+\/(confirm|approve|letters\/approve)[^\s"'<>]*/g;

/** The links in an email's text that a supporter would press, confirm link first. */
export function actionLinks(text) {
  return [...new Set([...text.matchAll(LINK)].map((m) => m[0]))].sort((a, b) => (a.includes('/confirm/') ? -1 : b.includes('/confirm/') ? 1 : 0));
}

/**
 * Opens the link's page and submits its first POST form (hidden fields included), as a browser
 * would; answers the status. `base` replaces the link's origin (the API may have moved ports).
 */
export async function pressLink(link, base) {
  const url = new URL(link);
  const target = `${base}${url.pathname}${url.search}`;
  const page = await fetch(target, { headers: { accept: 'text/html' } });
  if (page.status >= 500) return page.status;
  const html = await page.text();
  const form = /<form[^>]*method="post"[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return page.status; // nothing to press (already confirmed, expired…)
  const fields = new URLSearchParams();
  for (const input of form[2].matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) fields.append(input[1], input[2]);
  const answer = await fetch(new URL(form[1].replace(/&amp;/g, '&'), base), {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: fields,
  });
  await answer.arrayBuffer();
  return answer.status;
}
