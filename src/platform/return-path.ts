import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * VERP: each message's envelope sender names what it was sent for, so a delivery report that
 * arrives hours later (RFC 3464) or a complaint (RFC 5965) can be tied back to it without reading
 * the report's addresses. The id is opaque (a kind, a row id, a MAC): nothing personal, and
 * nobody can forge a report against a row they were never mailed about.
 *
 *   bounces+l-<letter id>-<mac>@bounce.example      a letter to a delegation (a digest: one of its
 *                                                   letters); names the campaign and the delegation
 *   bounces+m-<mailing recipient id>-<mac>@…        one recipient of a campaign update
 *   bounces+a-<signing attempt id>-<mac>@…          the confirmation or reminder a signing caused
 *   bounces+s-<supporter id>-<mac>@…                any other email to a supporter (letters'
 *                                                   approval, erasure links, test-mode letters)
 *   bounces+t-<target id>-<mac>@…                   a delegation: what letters carried before the
 *                                                   per-message kinds; still read, no longer written
 *
 * `bounces+x-` + 32 hex + `-` + 12 hex is 55 characters with the default local part, inside
 * RFC 5321's 64.
 */
export type BounceSubject = { kind: 'target' | 'supporter' | 'letter' | 'mailingRecipient' | 'signingAttempt'; id: string };

const KIND_LETTER = { target: 't', supporter: 's', letter: 'l', mailingRecipient: 'm', signingAttempt: 'a' } as const;
const KIND_OF_LETTER: Record<string, BounceSubject['kind']> = { t: 'target', s: 'supporter', l: 'letter', m: 'mailingRecipient', a: 'signingAttempt' };
const MAC_HEX = 12; // 48 bits: a forger gets one guess per report, and the listener refuses quickly

export interface ReturnPathSettings {
  key: Buffer;
  localPart: string;
  domain: string;
}

function mac(key: Buffer, letter: string, id: string): string {
  return createHmac('sha256', key).update(`${letter}:${id}`).digest('hex').slice(0, MAC_HEX);
}

export function returnPathFor(settings: ReturnPathSettings, subject: BounceSubject): string {
  const letter = KIND_LETTER[subject.kind];
  const id = subject.id.replace(/-/g, '').toLowerCase();
  return `${settings.localPart}+${letter}-${id}-${mac(settings.key, letter, id)}@${settings.domain}`;
}

/** The subject a return path names, or null when it is not one of ours (or its MAC is wrong). */
export function subjectOfReturnPath(settings: ReturnPathSettings, address: string): BounceSubject | null {
  const at = address.lastIndexOf('@');
  if (at < 0 || address.slice(at + 1).toLowerCase() !== settings.domain) return null;
  const match = /^([^+]+)\+([tslma])-([0-9a-f]{32})-([0-9a-f]{12})$/.exec(address.slice(0, at).toLowerCase());
  if (!match || match[1] !== settings.localPart.toLowerCase()) return null;
  const [, , letter, id, given] = match as unknown as [string, string, string, string, string];
  const expected = mac(settings.key, letter, id);
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return null;
  const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
  return { kind: KIND_OF_LETTER[letter]!, id: uuid };
}
