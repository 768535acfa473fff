import { createHash } from 'node:crypto';
import type { Platform } from '../../platform/context';
import type { BounceSubject } from '../../platform/return-path';
import { recordAddressFailure } from '../letters';
import { suppressAfterReport } from '../supporters';
import type { ParsedReport, RecipientVerdict } from './reports';

/**
 * The one place every report arrives, whichever way it came (the inbound listener today; provider
 * webhooks later): a hard bounce marks a delegation's address `bounced` (letters stop going there)
 * or suppresses a supporter's address; a soft bounce counts towards the address's soft-bounce run
 * (reset by the next success); a complaint suppresses the supporter. Each verdict is recorded
 * once: the same report delivered twice changes nothing the second time.
 */
export interface IntakeOutcome {
  recorded: number;
  duplicates: number;
}

function reportKey(report: ParsedReport, raw: Buffer, subject: BounceSubject, verdict: RecipientVerdict): Buffer {
  const identity = report.messageId ?? createHash('sha256').update(raw).digest('hex');
  return createHash('sha256').update([identity, subject.kind, subject.id, verdict.recipient, verdict.kind].join('\n')).digest();
}

export async function takeReport(platform: Platform, subject: BounceSubject, report: ParsedReport, raw: Buffer): Promise<IntakeOutcome> {
  const outcome: IntakeOutcome = { recorded: 0, duplicates: 0 };
  for (const verdict of report.verdicts) {
    const fresh = await platform.db.$transaction(async (tx) => {
      const addressId = subject.kind === 'target' && verdict.recipient
        ? (await tx.$queryRaw<{ id: string }[]>`
            SELECT id::text AS id FROM target_addresses WHERE target_id = ${subject.id}::uuid AND lower(email) = ${verdict.recipient}`)[0]?.id ?? null
        : null;
      const inserted = await tx.$queryRaw<{ id: string }[]>`
        INSERT INTO delivery_reports (report_key, subject_kind, target_id, kind, status, address_id)
        VALUES (${reportKey(report, raw, subject, verdict)}, ${subject.kind}, ${subject.kind === 'target' ? subject.id : null}::uuid,
          ${verdict.kind}::"DeliveryReportKind", ${verdict.status}, ${addressId}::uuid)
        ON CONFLICT (report_key) DO NOTHING
        RETURNING id::text AS id`;
      if (inserted.length === 0) return false;
      if (subject.kind === 'target') {
        // A complaint from a mission's server changes no address: an admin decides (block, digest).
        if (addressId && verdict.kind !== 'complaint') await recordAddressFailure(tx, addressId, verdict.kind);
      } else if (verdict.kind !== 'soft') {
        await suppressAfterReport(tx, subject.id, verdict.kind === 'hard' ? 'bounced' : 'complaint');
      }
      return true;
    });
    if (fresh) outcome.recorded += 1;
    else outcome.duplicates += 1;
  }
  return outcome;
}
