import { attemptForActionToken } from '../../support/tokens';
import type { TestApi } from '../../support/harness';

/** Posts the letter step's form as a browser without JavaScript would. */
export async function postForm(api: TestApi, path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}) {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
  }
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, html: await response.text() };
}

/** How many letters the supporter behind an action token has, in every state. */
export async function lettersOfToken(api: TestApi, actionToken: string): Promise<number> {
  const attempt = await attemptForActionToken(api.platform, actionToken);
  if (!attempt.signature) return 0;
  return api.platform.db.letter.count({ where: { supporterId: attempt.signature.supporterId } });
}

/** The text of an element with this id in a page (tags removed, entities of the usual five decoded). */
export function textOf(html: string, id: string): string {
  const match = new RegExp(`<(\\w+)[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  if (!match) throw new Error(`no element #${id}`);
  return decode(match[2]!.replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

export function decode(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&');
}
