import { createHash } from 'node:crypto';
import type { Platform } from '../../platform/context';
import type { DbClient } from '../../platform/db';
import type { BounceSubject } from '../../platform/return-path';
import { sql, sqlRow, sqlRows } from '../../platform/sql-rows';
import { z } from 'zod';
import { failSentLetterAfterBounce, recordAddressFailure } from '../letters';
import { markRecipientBounced } from '../mailings';
import { suppressAfterReport } from '../supporters';
import type { ParsedReport, RecipientVerdict } from './reports';

/**
 * The one place every report arrives, whichever way it came (the inbound listener, provider
 * webhooks): a hard bounce marks a delegation's address `bounced` (letters stop going there)
 * or suppresses a supporter's address; a soft bounce counts towards the address's soft-bounce run
 * (reset by the next success); a complaint suppresses the supporter. A hard bounce or a complaint
 * about a campaign update also makes its recipient `bounced` (the mailing's count). Each verdict
 * is recorded once: the same report delivered twice changes nothing the second time.
 */
export interface IntakeOutcome {
  recorded: number;
  duplicates: number;
}

function reportKey(report: ParsedReport, raw: Buffer, subject: BounceSubject, verdict: RecipientVerdict): Buffer {
  const identity = report.messageId ?? createHash('sha256').update(raw).digest('hex');
  return createHash('sha256').update([identity, subject.kind, subject.id, verdict.recipient, verdict.kind].join('\n')).digest();
}

/**
 * Who a report is about, read from the row its return path names. A per-message id (letter,
 * mailing recipient, signing attempt) also names the campaign; one whose row is gone (erased) still counts in the
 * rates, but moves nothing.
 */
interface Party {
  kind: 'target' | 'supporter';
  targetId: string | null;
  supporterId: string | null;
  campaignId: string | null;
  mailingId: string | null;
  letterId: string | null;
  mailingRecipientId: string | null;
}

async function partyOf(tx: DbClient, subject: BounceSubject): Promise<Party> {
  const none = { targetId: null, supporterId: null, campaignId: null, mailingId: null, letterId: null, mailingRecipientId: null };
  switch (subject.kind) {
    case 'target':
      return { ...none, kind: 'target', targetId: subject.id };
    case 'supporter':
      return { ...none, kind: 'supporter', supporterId: subject.id };
    case 'letter': {
      const row = await sqlRow(tx, LetterParty)`SELECT campaign_id::text, target_id::text FROM letters WHERE id = ${subject.id}::uuid`;
      return { ...none, kind: 'target', targetId: row?.target_id ?? null, campaignId: row?.campaign_id ?? null, letterId: row ? subject.id : null };
    }
    case 'signingAttempt': {
      const row = await sqlRow(tx, AttemptParty)`
        SELECT a.campaign_id::text, s.supporter_id::text FROM signing_attempts a LEFT JOIN signatures s ON s.id = a.signature_id
        WHERE a.id = ${subject.id}::uuid`;
      return { ...none, kind: 'supporter', supporterId: row?.supporter_id ?? null, campaignId: row?.campaign_id ?? null };
    }
    case 'mailingRecipient': {
      const row = await sqlRow(tx, RecipientParty)`
        SELECT r.supporter_id::text, r.mailing_id::text, m.campaign_id::text FROM mailing_recipients r JOIN mailings m ON m.id = r.mailing_id
        WHERE r.id = ${subject.id}::uuid`;
      return {
        ...none,
        kind: 'supporter',
        supporterId: row?.supporter_id ?? null,
        mailingId: row?.mailing_id ?? null,
        campaignId: row?.campaign_id ?? null,
        mailingRecipientId: row ? subject.id : null,
      };
    }
  }
}

const LetterParty = z.object({ campaign_id: sql.uuid, target_id: sql.uuid }).strict();
const AttemptParty = z.object({ campaign_id: sql.uuid, supporter_id: sql.uuid.nullable() }).strict();
const RecipientParty = z.object({ supporter_id: sql.uuid, mailing_id: sql.uuid, campaign_id: sql.uuid }).strict();

export async function takeReport(platform: Platform, subject: BounceSubject, report: ParsedReport, raw: Buffer): Promise<IntakeOutcome> {
  const outcome: IntakeOutcome = { recorded: 0, duplicates: 0 };
  for (const verdict of report.verdicts) {
    const fresh = await platform.db.$transaction(async (tx) => {
      const party = await partyOf(tx, subject);
      const addressId =
        party.targetId && verdict.recipient
          ? ((
              await sqlRows(tx, z.strictObject({ id: sql.text }))`
            SELECT id::text AS id FROM target_addresses WHERE target_id = ${party.targetId}::uuid AND lower(email) = ${verdict.recipient}`
            )[0]?.id ?? null)
          : null;
      // Never a supporter's id here: a supporter's report names only the campaign and the mailing.
      const inserted = await sqlRows(tx, z.strictObject({ id: sql.text }))`
        INSERT INTO delivery_reports (report_key, subject_kind, target_id, kind, status, address_id, campaign_id, mailing_id, letter_id)
        VALUES (${reportKey(report, raw, subject, verdict)}, ${party.kind}, ${party.targetId}::uuid,
          ${verdict.kind}::"DeliveryReportKind", ${verdict.status}, ${addressId}::uuid,
          ${party.campaignId}::uuid, ${party.mailingId}::uuid, ${party.letterId}::uuid)
        ON CONFLICT (report_key) DO NOTHING
        RETURNING id::text AS id`;
      if (inserted.length === 0) return false;
      if (party.kind === 'target') {
        // A complaint from a mission's server changes no address: an admin decides (block, digest).
        if (addressId && verdict.kind !== 'complaint') await recordAddressFailure(tx, addressId, verdict.kind);
        // After the address is marked: a letter none of whose addresses took it has failed.
        if (party.letterId && verdict.kind === 'hard') await failSentLetterAfterBounce(tx, party.letterId, verdict.status ?? 'no status');
      } else if (verdict.kind !== 'soft') {
        if (party.supporterId) await suppressAfterReport(tx, party.supporterId, verdict.kind === 'hard' ? 'bounced' : 'complaint');
        if (party.mailingRecipientId) await markRecipientBounced(tx, party.mailingRecipientId);
      }
      return true;
    });
    if (fresh) outcome.recorded += 1;
    else outcome.duplicates += 1;
  }
  return outcome;
}
