import { DelayedError, type Job } from 'bullmq';
import { createHash } from 'node:crypto';
import { countryName } from '../../../platform/countries';
import { JOBS, jobPayloads } from '../../../platform/queues';
import { openPersonalData, SEALED, unsubscribeHeaders } from '../../supporters';
import { delegationUnsubscribeUrl } from './digest-overrides';
import { type DeliveryDeps, pacingOf, sendAndRecord } from './delivery';
import * as letters from './letters.repository';
import { renderDigest } from '../templates';
import { findDeliverableAddresses } from '../targets';

/**
 * Digest mode: at the end of each period, one message to a delegation gives the count and lists
 * every supporter's name, country and paragraph; each letter is still recorded as sent with that
 * message's id. A digest is one message for pacing. In test mode it goes to the campaign's own
 * sender address: a supporter must never receive other supporters' names.
 */
export function sendDigestHandler(deps: DeliveryDeps) {
  const { platform } = deps;
  return async (job: Job, token?: string): Promise<string> => {
    const data = jobPayloads[JOBS.sendDigest].parse(job.data);
    const [campaign, target] = await letters.findCampaignAndTargetForDigest(platform.db, data.campaignId, data.targetId);
    if (!campaign || !target) return 'skipped: campaign or delegation gone';

    if (!campaign.letterTestMode && data.slotAt === undefined && !platform.config.LETTERS_CAP_DISABLED) {
      const slot = await deps.pacer.reserve(pacingOf(platform, target));
      if (slot.getTime() > Date.now() + 1000) {
        await job.updateData({ ...data, slotAt: slot.getTime() });
        await job.moveToDelayed(slot.getTime(), token);
        throw new DelayedError();
      }
    }

    const claimed = await letters.claimForDigest(platform.db, campaign.id, target.id, platform.config.LETTERS_SEND_LEASE_SECONDS);
    if (claimed.length === 0) return 'skipped: nothing queued';
    const ids = claimed.map((l) => l.id);
    const entries = (await letters.findDigestEntries(platform.db, ids)).map((letter) => {
      // Signed as the request that wrote it typed, as in a single letter (see findLetterForDelivery).
      const typed = letter.attempt.nameEncrypted;
      const country = typed ? letter.attempt.country : (letter.attempt.signature?.country ?? null);
      return {
        name: typed
          ? openPersonalData(platform, typed, SEALED.attemptName, letter.attemptId)
          : openPersonalData(platform, letter.supporter.nameEncrypted, SEALED.supporterName, letter.supporterId),
        country: country ? countryName(country) : null,
        paragraph: letter.paragraphEncrypted ? openPersonalData(platform, letter.paragraphEncrypted, SEALED.letterParagraph, letter.id) : null,
      };
    });
    const periodStart = new Date(data.periodStart);
    const periodEnd = new Date(periodStart.getTime() + (data.periodMinutes ?? campaign.digestPeriodMinutes) * 60_000);
    const rendered = renderDigest({
      campaign: { title: campaign.title, slug: campaign.slug },
      source: { organisation: campaign.sourceOrganisation, url: campaign.sourceUrl, date: campaign.statementDate?.toISOString().slice(0, 10) ?? null },
      demands: campaign.demands.map((d) => ({ ...d, quoteTranslation: null })),
      delegation: { iso2: target.iso2, country: target.country, mission: target.missionName, salutation: target.salutation },
      period: { from: periodStart.toISOString().slice(0, 16).replace('T', ' ') + ' UTC', to: periodEnd.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' },
      count: entries.length,
      entries,
    });
    const addresses = campaign.letterTestMode ? [] : await findDeliverableAddresses(platform.db, target.id);
    if (!campaign.letterTestMode && addresses.length === 0) {
      await letters.markFailed(platform.db, ids, 'no deliverable address for this delegation');
      return 'failed: no deliverable address';
    }
    // Stable for the same letters (a resend after a crash is recognisably the same message) and
    // different for stragglers sent in a later digest of the same period.
    const digestKey = `digest-${periodStart.getTime()}-${createHash('sha256').update(ids.sort().join(',')).digest('hex').slice(0, 16)}`;
    const domain = campaign.senderEmail.split('@')[1] ?? 'clarion.invalid';
    return sendAndRecord(
      deps,
      job,
      ids,
      {
        from: { name: campaign.senderName, address: campaign.senderEmail },
        to: campaign.letterTestMode ? [campaign.senderEmail] : addresses.map((a) => a.email),
        subject: campaign.letterTestMode ? `[TEST] ${rendered.subject}` : rendered.subject,
        rendered,
        messageId: `<${digestKey}@${domain}>`,
        digestKey,
        // The digest is a system letter, written in English only.
        language: 'en',
        // One of its letters names the message: the campaign and the delegation.
        bounceSubject: { kind: 'letter', id: ids[0]! },
        headers: campaign.letterTestMode
          ? undefined
          : unsubscribeHeaders(delegationUnsubscribeUrl(platform, { campaignId: campaign.id, targetId: target.id }, campaign.language)),
      },
      addresses,
    );
  };
}
