import { randomUUID } from 'node:crypto';
import type { Platform } from '../../platform/context';
import type { DbClient } from '../../platform/db';
import { AppError, fieldError, type ProblemKey } from '../../platform/errors';
import { addToOutbox } from '../../platform/outbox';
import { JOBS } from '../../platform/queues';
import { auditedWrite, type StaffUseCase, type UseCaseContext } from '../admin';
import { compileMailingTemplate } from '../letters';
import { MailingRenderer } from './mailing-render';
import * as repo from './mailings.repository';
import type { CreateMailing, MailingCounts } from './mailings.schemas';

/**
 * Campaign updates. States: draft → sending ⇄ paused → done, and cancelled from any of the first
 * three. Every change is one transaction with its audit row, and a start or resume writes the
 * outbox row of the sending job in it too.
 */

export interface MailingView {
  id: string;
  campaign: string;
  status: repo.MailingRow['status'];
  subject: string;
  language: string;
  languages: string[];
  countries: string[];
  ratePerMinute: number | null;
  createdAt: string;
  finishedAt: string | null;
  counts: MailingCounts;
}

export const mailingJobId = (mailingId: string, run: number) => `mailing-${mailingId}-${run}`;

export async function createMailing(ctx: UseCaseContext<Platform>, slug: string, input: CreateMailing): Promise<string> {
  const { platform } = ctx;
  const campaign = await repo.findCampaignBySlug(platform.db, slug);
  if (!campaign) throw new AppError('campaign_not_found', { key: 'staff.noCampaignSlug' });
  const main = { language: campaign.language, subject: input.subject, text: input.text, html: input.html ?? null };
  const others = (input.translations ?? []).map((t) => ({ language: t.language, subject: t.subject, text: t.text, html: t.html ?? null }));
  const versions = [main, ...others.filter((t) => t.language !== main.language)];
  if (new Set(versions.map((v) => v.language)).size !== versions.length) {
    throw new AppError('validation_failed', { key: 'staff.languageTwice' }, [fieldError('translations', 'staff.field.languageTwice')]);
  }
  // The same checks as letter templates, before anything is stored: a typo is a 422 with its line.
  for (const version of versions) {
    try {
      compileMailingTemplate(version);
    } catch (error) {
      if (error instanceof AppError && version !== main) {
        throw new AppError(
          error.code,
          { key: 'staff.inTranslation', params: { detail: error.detail ?? '', language: version.language } },
          error.errors.map((e) => ({ ...e, field: `translations.${version.language}.${e.field}` })),
        );
      }
      throw error;
    }
  }
  return auditedWrite(ctx, 'mailings.create', async (tx) => {
    const id = await repo.createMailing(tx, campaign.id, campaign.language, { languages: input.languages ?? [], countries: input.countries ?? [] }, versions);
    return { result: id, subject: id, details: { campaign: slug, languages: versions.map((v) => v.language) } };
  });
}

/** Fixes the recipients and starts the sending job. */
export async function sendMailing(ctx: UseCaseContext<Platform>, id: string): Promise<MailingView> {
  const { platform } = ctx;
  await auditedWrite(ctx, 'mailings.send', async (tx) => {
    const locked = await requireState(tx, id, ['draft'], 'staff.mailing.onlyDraftSent');
    const mailing = (await repo.findMailing(tx, id))!;
    const recipients = await repo.materialiseRecipients(tx, mailing);
    const run = locked.run + 1;
    await repo.setStatus(tx, id, 'sending', { run, ratePerMinute: platform.config.MAILINGS_PER_MINUTE, sendRequested: true });
    await addToOutbox(tx, JOBS.sendMailing, { mailingId: id, run }, mailingJobId(id, run));
    return { result: undefined, subject: id, details: { campaign: mailing.campaign.slug, recipients } };
  });
  return getMailing(platform.db, id);
}

export async function pauseMailing(ctx: UseCaseContext<Platform>, id: string): Promise<MailingView> {
  const { platform } = ctx;
  await auditedWrite(ctx, 'mailings.pause', async (tx) => {
    await requireState(tx, id, ['sending'], 'staff.mailing.onlySendingPaused');
    await repo.setStatus(tx, id, 'paused');
    return { result: undefined, subject: id };
  });
  return getMailing(platform.db, id);
}

export async function resumeMailing(ctx: UseCaseContext<Platform>, id: string): Promise<MailingView> {
  const { platform } = ctx;
  await auditedWrite(ctx, 'mailings.resume', async (tx) => {
    const locked = await requireState(tx, id, ['paused'], 'staff.mailing.onlyPausedResumed');
    const run = locked.run + 1;
    await repo.setStatus(tx, id, 'sending', { run });
    await addToOutbox(tx, JOBS.sendMailing, { mailingId: id, run }, mailingJobId(id, run));
    return { result: undefined, subject: id };
  });
  return getMailing(platform.db, id);
}

export async function cancelMailing(ctx: UseCaseContext<Platform>, id: string): Promise<MailingView> {
  const { platform } = ctx;
  await auditedWrite(ctx, 'mailings.cancel', async (tx) => {
    await requireState(tx, id, ['draft', 'sending', 'paused'], 'staff.mailing.doneNotCancelled');
    await repo.setStatus(tx, id, 'cancelled');
    const cancelled = await repo.cancelQueuedRecipients(tx, id);
    return { result: undefined, subject: id, details: { notSent: cancelled } };
  });
  return getMailing(platform.db, id);
}

export async function getMailing(db: DbClient, id: string): Promise<MailingView> {
  const mailing = await repo.findMailing(db, id);
  if (!mailing) throw new AppError('not_found', { key: 'staff.noMailing' });
  const counts = await repo.countRecipients(db, [id]);
  return view(mailing, counts.get(id)!);
}

export async function listMailings(db: DbClient, slug: string): Promise<MailingView[]> {
  const campaign = await repo.findCampaignBySlug(db, slug);
  if (!campaign) throw new AppError('campaign_not_found', { key: 'staff.noCampaignSlug' });
  const mailings = await repo.listMailings(db, campaign.id);
  const counts = await repo.countRecipients(
    db,
    mailings.map((m) => m.id),
  );
  return mailings.map((m) => view(m, counts.get(m.id)!));
}

async function requireState(db: DbClient, id: string, allowed: Array<repo.MailingRow['status']>, refusal: ProblemKey) {
  const locked = await repo.lockMailing(db, id);
  if (!locked) throw new AppError('not_found', { key: 'staff.noMailing' });
  if (!allowed.includes(locked.status)) throw new AppError('conflict', { key: refusal, params: { status: locked.status } });
  return locked;
}

function view(mailing: repo.MailingRow, counts: MailingCounts): MailingView {
  const main = mailing.versions.find((v) => v.language === mailing.language) ?? mailing.versions[0];
  return {
    id: mailing.id,
    campaign: mailing.campaign.slug,
    status: mailing.status,
    subject: main?.subject ?? '',
    language: mailing.language,
    languages: mailing.languages,
    countries: mailing.countries,
    ratePerMinute: mailing.ratePerMinute,
    createdAt: mailing.createdAt.toISOString(),
    finishedAt: mailing.finishedAt?.toISOString() ?? null,
    counts,
  };
}

/** What previews and tests show where a supporter's name and unsubscribe link would be: a sample and a demo link that names nobody. */
export const SAMPLE_SUPPORTER_NAME = 'Aigerim';
export const demoUnsubscribeUrl = (platform: Platform) => `${platform.config.PUBLIC_BASE_URL}/unsubscribe/preview`;

/** The mailing as a sample supporter would receive it in `language` (nothing is sent or stored). */
export async function previewMailing(
  platform: Platform,
  id: string,
  language?: string,
): Promise<{ language: string; subject: string; text: string; html: string }> {
  const mailing = await repo.findMailing(platform.db, id);
  if (!mailing) throw new AppError('not_found', { key: 'staff.noMailing' });
  const campaign = (await repo.findCampaignForMail(platform.db, mailing.campaignId))!;
  const renderer = new MailingRenderer(platform, mailing, campaign);
  return renderer.render(language ?? mailing.language, SAMPLE_SUPPORTER_NAME, demoUnsubscribeUrl(platform));
}

/**
 * "Send a test to myself": queues the mailing, rendered as the preview renders it, for the
 * actor's own account address only. The job names the account, never an address; the worker
 * reads the address then. Allowed in any state (a test changes nothing of the mailing), limited to
 * MAILINGS_TESTS_PER_HOUR per account, counted from the audit rows under a per-account lock, so
 * two clicks at once cannot both slip under the limit.
 */
export async function sendTestMailing(ctx: StaffUseCase<Platform>, id: string, language?: string): Promise<{ id: string; queued: true }> {
  const { platform } = ctx;
  const accountId = ctx.actor.accountId;
  if (!accountId) throw new AppError('forbidden', { key: 'staff.testNeedsAccount' });
  const limit = platform.config.MAILINGS_TESTS_PER_HOUR;
  await auditedWrite(ctx, TEST_AUDIT_ACTION, async (tx) => {
    if (!(await repo.lockMailing(tx, id))) throw new AppError('not_found', { key: 'staff.noMailing' });
    const sentLastHour = await repo.countRecentTests(tx, accountId);
    if (sentLastHour >= limit) {
      throw new AppError('rate_limited', { key: 'staff.testsPerHour', params: { limit } });
    }
    await addToOutbox(
      tx,
      JOBS.sendMailingTest,
      { mailingId: id, accountId, ...(language ? { language: language as 'en' | 'ru' | 'kk' } : {}) },
      `mailing-test-${randomUUID()}`,
    );
    return { result: undefined, subject: id, details: { language: language ?? null } };
  });
  return { id, queued: true };
}

export const TEST_AUDIT_ACTION = 'mailings.test';
