import type { Response } from 'express';

/**
 * Lets the campaign's partner sites frame this one response. Helmet's policy says
 * `frame-ancestors 'none'` for every page; here it becomes `'self'` plus exactly the campaign's
 * origins, and X-Frame-Options (which cannot name origins, and which browsers ignore when
 * frame-ancestors is present, but only some of them) is dropped so the two never disagree.
 */
export function allowFramingBy(res: Response, origins: readonly string[]): void {
  const ancestors = ["'self'", ...origins].join(' ');
  const current = res.getHeader('Content-Security-Policy');
  const policy = typeof current === 'string' ? current : "default-src 'self'";
  const directives = policy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d && !/^frame-ancestors\b/i.test(d));
  res.setHeader('Content-Security-Policy', [...directives, `frame-ancestors ${ancestors}`].join(';'));
  res.removeHeader('X-Frame-Options');
}
