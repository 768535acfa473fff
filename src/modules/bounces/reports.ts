import { simpleParser, type ParsedMail } from 'mailparser';

/**
 * What a report that came back says, reduced to what Clarion acts on. A delivery status
 * notification (RFC 3464) gives one verdict per recipient: `failed` with a 5.x.x status is a hard
 * bounce, `failed` with 4.x.x a soft one; `delayed`, `delivered`, `relayed` and `expanded` are not
 * failures. An abuse report (ARF, RFC 5965) is a complaint. Anything else (an auto-reply, a
 * human answer, spam) is not a report.
 */
export type ReportKind = 'hard' | 'soft' | 'complaint';

export interface RecipientVerdict {
  kind: ReportKind;
  /** The address the report is about, lower-cased; empty when the report did not say. */
  recipient: string;
  status: string | null;
}

export interface ParsedReport {
  /** The report's own Message-ID (or null): a report delivered twice is the same report. */
  messageId: string | null;
  verdicts: RecipientVerdict[];
}

/** Header-style fields, grouped: RFC 3464's per-message group, then one group per recipient. */
function fieldGroups(body: string): Array<Map<string, string>> {
  return body
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .map((block) => {
      const fields = new Map<string, string>();
      // Folded lines continue the field above them.
      for (const line of block.replace(/\n[ \t]+/g, ' ').split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      return fields;
    })
    .filter((group) => group.size > 0);
}

/** `rfc822; someone@example.org` → `someone@example.org`. */
function addressField(value: string | undefined): string {
  if (!value) return '';
  const address = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  return address.trim().replace(/^<|>$/g, '').toLowerCase();
}

function deliveryVerdicts(body: string): RecipientVerdict[] {
  const verdicts: RecipientVerdict[] = [];
  for (const group of fieldGroups(body)) {
    const action = group.get('action')?.toLowerCase();
    if (action !== 'failed') continue;
    const status = /^([245])\.\d{1,3}\.\d{1,3}/.exec(group.get('status') ?? '')?.[0] ?? null;
    verdicts.push({
      kind: status?.startsWith('4') ? 'soft' : 'hard',
      recipient: addressField(group.get('final-recipient') ?? group.get('original-recipient')),
      status,
    });
  }
  return verdicts;
}

function complaintVerdicts(body: string): RecipientVerdict[] {
  const fields = fieldGroups(body)[0];
  if (!fields?.has('feedback-type')) return [];
  return [{ kind: 'complaint', recipient: addressField(fields.get('original-rcpt-to')), status: null }];
}

function partsOf(mail: ParsedMail, contentType: string): string[] {
  return mail.attachments.filter((a) => a.contentType.toLowerCase() === contentType).map((a) => a.content.toString('utf8'));
}

export async function parseReport(raw: Buffer): Promise<ParsedReport> {
  // keepDeliveryStatus: the status part stays a part of its own instead of joining the text.
  const mail = await simpleParser(raw, { keepDeliveryStatus: true, skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const verdicts = [
    ...partsOf(mail, 'message/delivery-status').flatMap(deliveryVerdicts),
    ...partsOf(mail, 'message/feedback-report').flatMap(complaintVerdicts),
  ];
  return { messageId: mail.messageId ?? null, verdicts };
}
