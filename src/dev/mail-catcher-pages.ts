/**
 * HTML rendering for the development mail catcher (see `mail-catcher.ts`). Everything that comes
 * from a message is attacker-controlled as far as the browser is concerned, so every value goes
 * through `escapeHtml`, and a message's own HTML is only ever shown inside a sandboxed iframe.
 */

export interface CaughtMessage {
  id: number;
  receivedAt: string;
  envelope: { from: string; to: string[] };
  from: string;
  to: string;
  replyTo: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  raw: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe in element content and in quoted attribute values alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

// Confirmation and unsubscribe links are what a developer comes here to click, so plain-text
// URLs become links. Only http(s) is matched, which keeps `javascript:` and friends out.
function linkify(text: string): string {
  const url = /https?:\/\/[^\s<>"']+/g;
  let html = '';
  let last = 0;
  for (const match of text.matchAll(url)) {
    const href = match[0].replace(/[.,;:!?)\]]+$/, '');
    const start = match.index;
    html += escapeHtml(text.slice(last, start));
    html += `<a href="${escapeHtml(href)}" target="_blank" rel="noreferrer noopener">${escapeHtml(href)}</a>`;
    last = start + href.length;
  }
  return html + escapeHtml(text.slice(last));
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dt { font-weight: 600; }
dd { margin: 0; word-break: break-all; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .8rem; }
iframe { width: 100%; height: 60vh; border: 1px solid #ccc; }
.muted { color: #777; }
`;

function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${head}<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function time(iso: string): string {
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace('T', ' ').slice(0, 19))}</time>`;
}

export function renderMessageList(messages: readonly CaughtMessage[]): string {
  const rows = messages
    .map(
      (m) => `<tr>
<td><a href="/messages/${m.id}">${escapeHtml(m.subject || '(no subject)')}</a></td>
<td>${escapeHtml(m.to || m.envelope.to.join(', '))}</td>
<td>${escapeHtml(m.from || m.envelope.from)}</td>
<td>${time(m.receivedAt)}</td>
</tr>`,
    )
    .join('\n');
  const body = messages.length
    ? `<table>
<thead><tr><th>Subject</th><th>To</th><th>From</th><th>Received (UTC)</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
    : '<p class="muted">No messages yet. This page refreshes every 5 seconds.</p>';
  // A meta refresh rather than a script keeps the page working under `script-src 'none'`.
  return page(
    `Mail catcher (${messages.length})`,
    `<h1>Mail catcher</h1>\n<p class="muted">${messages.length} message(s), newest first. Clear with <code>curl -X DELETE …/api/messages</code>.</p>\n${body}`,
    '<meta http-equiv="refresh" content="5">\n',
  );
}

export function renderMessage(m: CaughtMessage): string {
  const fields: Array<[string, string]> = [
    ['Subject', m.subject],
    ['From', m.from],
    ['To', m.to],
    ['Reply-To', m.replyTo],
    ['Message-ID', m.messageId],
    ['Envelope from', m.envelope.from],
    ['Envelope to', m.envelope.to.join(', ')],
    // What a mail client builds its unsubscribe button from (campaign updates, reminders).
    ['List-Unsubscribe', headerOf(m.raw, 'List-Unsubscribe')],
    ['List-Unsubscribe-Post', headerOf(m.raw, 'List-Unsubscribe-Post')],
  ];
  const headers = fields
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('\n');
  // An empty-ish sandbox blocks scripts, forms and same-origin access; popups are allowed (and
  // escape the sandbox) only so that links in the mail, e.g. confirmation links, can be opened.
  const htmlPart = m.html
    ? `<h2>HTML part</h2>\n<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" srcdoc="${escapeHtml(m.html)}" title="HTML part"></iframe>`
    : '<p class="muted">No HTML part.</p>';
  const textPart = m.text ? `<h2>Text part</h2>\n<pre>${linkify(m.text)}</pre>` : '<p class="muted">No text part.</p>';
  return page(
    m.subject || '(no subject)',
    `<p><a href="/">&larr; All messages</a> · <a href="/messages/${m.id}/raw">Raw source</a></p>
<h1>${escapeHtml(m.subject || '(no subject)')}</h1>
<dl>
<dt>Received</dt><dd>${time(m.receivedAt)}</dd>
${headers}
</dl>
${textPart}
${htmlPart}`,
  );
}

/** A header as written in the raw source, unfolded ('' when absent). */
function headerOf(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  const line = unfolded.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : '';
}

export function renderNotFound(): string {
  return page('Not found', '<p>No such message (it may have been cleared or pushed out by newer ones).</p><p><a href="/">All messages</a></p>');
}
