import type { SmtpRecorder, RecordedMessage } from './smtp-recorder';
import { postJson, type TestApi } from './harness';

/** Signs with a fresh address and returns the action token and the address. */
export async function sign(api: TestApi, slug: string, wording: string, overrides: Record<string, unknown> = {}) {
  const email = `writer-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.net`;
  const answer = await postJson(`${api.url}/api/campaigns/${slug}/signatures`, {
    email,
    name: 'Aigerim Writer',
    country: 'KZ',
    city: 'Almaty',
    consent: { updates: false, wording },
    ...overrides,
  });
  if (answer.status !== 202) throw new Error(`signing failed: ${answer.status} ${answer.text}`);
  return { email, actionToken: (answer.json as { actionToken: string }).actionToken };
}

export function confirmationLinkIn(message: RecordedMessage): string {
  const match = /http:\/\/clarion\.test(\/confirm\/[A-Za-z0-9._-]+)/.exec(message.text);
  if (!match) throw new Error(`no confirmation link in:\n${message.text}`);
  return match[1]!;
}

/**
 * Opens the link from the newest confirmation email to `email` and presses the button. Returns
 * the verified action token the confirmed page offers (letters written with it go at once), or
 * null when the page offers none (not the link's first use, or letters were written already).
 */
export async function confirmByEmail(api: TestApi, smtp: SmtpRecorder, email: string, subject = 'Please confirm') {
  const message = await smtp.waitFor((m) => m.envelope.to.includes(email) && m.subject.includes(subject));
  const response = await fetch(`${api.url}${confirmationLinkIn(message)}`, { method: 'POST' });
  if (response.status !== 200) throw new Error(`confirming failed: ${response.status}`);
  return /name="actionToken" value="([^"]+)"/.exec(await response.text())?.[1] ?? null;
}

export function lettersTo(smtp: SmtpRecorder, supporterEmail: string): RecordedMessage[] {
  return smtp.messages.filter((m) => m.replyTo.includes(supporterEmail));
}

export function approvalLinkIn(message: RecordedMessage): string {
  const match = /http:\/\/clarion\.test(\/letters\/approve\/[A-Za-z0-9._-]+)/.exec(message.text);
  if (!match) throw new Error(`no approval link in:\n${message.text}`);
  return match[1]!;
}

/** Opens the link from the newest letters approval email to `email` and presses the button. */
export async function approveByEmail(api: TestApi, smtp: SmtpRecorder, email: string, subject = 'approve your letters') {
  const message = await smtp.waitFor((m) => m.envelope.to.includes(email) && m.subject.includes(subject));
  const response = await fetch(`${api.url}${approvalLinkIn(message)}`, { method: 'POST' });
  if (response.status !== 200) throw new Error(`approving failed: ${response.status}`);
  return message;
}
