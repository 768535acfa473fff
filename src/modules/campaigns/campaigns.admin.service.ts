import { randomBytes } from 'node:crypto';
import type { DbClient } from '../../platform/db';
import { AppError, fieldError, type FieldError } from '../../platform/errors';
import { auditedWrite, type StaffUseCase } from '../admin';
import * as repo from './campaigns.admin.repository';
import type { CampaignCreateRequest, CampaignPatchRequest, CampaignStatusName, TranslationRequest } from './campaigns.admin.schemas';
import { sumCounters } from './campaigns.repository';

/**
 * Campaign management for staff: create a draft, edit it, open and close signing, replace the
 * demands, supersede the consent wording, translate. Every write is audited in its transaction.
 */

// Open, close, reopen. A campaign that had signatures never goes back to draft (drafts are not
// public, so its supporters' page would vanish); a draft is opened before it can close.
export const STATUS_TRANSITIONS: Readonly<Record<CampaignStatusName, readonly CampaignStatusName[]>> = { draft: ['live'], live: ['closed'], closed: ['live'] };

const WRITE_TRANSACTION = { maxWait: 10_000, timeout: 30_000 };

export async function listCampaigns(db: DbClient) {
  const [rows, counters] = await Promise.all([repo.listForAdmin(db), repo.countersByCampaign(db)]);
  return rows.map((c) => ({
    slug: c.slug,
    title: c.title,
    status: c.status,
    language: c.language,
    goal: c.signatureGoal,
    counts: counters.get(c.id) ?? { confirmed: 0, pending: 0, invalidated: 0 },
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  }));
}

export async function getCampaign(db: DbClient, slug: string) {
  const row = await repo.findBySlugForAdmin(db, slug);
  if (!row) throw notFound(slug);
  return shape(row, await sumCounters(db, row.id));
}

export async function createCampaign(ctx: StaffUseCase, input: CampaignCreateRequest) {
  const missing = quotesMissingFrom(input.statement, input.demands);
  if (missing.length) throw new AppError('validation_failed', { key: 'staff.quoteVerbatim' }, missing.map(quoteError));
  await auditedWrite(
    ctx,
    'campaigns.create',
    async (tx) => {
      const taken = new AppError('conflict', { key: 'staff.slugTaken', params: { slug: input.slug } });
      if (await repo.slugExists(tx, input.slug)) throw taken;
      const inserted = await repo.insertCampaign(tx, {
        slug: input.slug,
        title: input.title,
        summary: input.summary ?? null,
        statement: input.statement,
        language: input.language,
        sourceOrganisation: input.source.organisation,
        sourceUrl: input.source.url ?? null,
        statementDate: input.source.date ? new Date(`${input.source.date}T00:00:00Z`) : null,
        signatureGoal: input.goal,
        senderName: input.sender.name,
        senderEmail: input.sender.email,
        status: 'draft',
      });
      if (!inserted) throw taken;
      const { id } = inserted;
      await repo.replaceDemands(tx, id, input.demands);
      const wording = await newWordingId(tx, id, input.slug);
      await repo.supersedeConsentWording(tx, id, wording, input.consent.text);
      return { result: undefined, subject: input.slug, details: { language: input.language, demands: input.demands.length, consentWording: wording } };
    },
    WRITE_TRANSACTION,
  );
  return getCampaign(ctx.platform.db, input.slug);
}

export async function updateCampaign(ctx: StaffUseCase, slug: string, patch: CampaignPatchRequest) {
  await auditedWrite(
    ctx,
    'campaigns.update',
    async (tx) => {
      const locked = await repo.lockBySlug(tx, slug);
      const current = locked && (await repo.findBySlugForAdminInTransaction(tx, slug));
      if (!current) throw notFound(slug);

      if (patch.status && patch.status !== current.status && !STATUS_TRANSITIONS[current.status].includes(patch.status)) {
        throw new AppError('conflict', { key: 'staff.statusChange', params: { from: current.status, to: patch.status } });
      }
      if (patch.statement !== undefined) {
        const missing = quotesMissingFrom(patch.statement, current.demands);
        if (missing.length) {
          throw new AppError(
            'validation_failed',
            { key: 'staff.statementLosesQuote' },
            missing.map((i) => ({ field: 'statement', message: `no longer contains the quote of demand ${current.demands[i]!.position}` })),
          );
        }
      }

      await repo.updateCampaign(tx, current.id, {
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.summary !== undefined ? { summary: patch.summary } : {}),
        ...(patch.statement !== undefined ? { statement: patch.statement } : {}),
        ...(patch.source?.organisation !== undefined ? { sourceOrganisation: patch.source.organisation } : {}),
        ...(patch.source?.url !== undefined ? { sourceUrl: patch.source.url } : {}),
        ...(patch.source?.date !== undefined ? { statementDate: patch.source.date ? new Date(`${patch.source.date}T00:00:00Z`) : null } : {}),
        ...(patch.goal !== undefined ? { signatureGoal: patch.goal } : {}),
        ...(patch.sender?.name !== undefined ? { senderName: patch.sender.name } : {}),
        ...(patch.sender?.email !== undefined ? { senderEmail: patch.sender.email } : {}),
        ...(patch.letterMode !== undefined ? { letterMode: patch.letterMode } : {}),
        ...(patch.digestPeriodMinutes !== undefined ? { digestPeriodMinutes: patch.digestPeriodMinutes } : {}),
        ...(patch.letterTestMode !== undefined ? { letterTestMode: patch.letterTestMode } : {}),
        ...(patch.countPendingPublicly !== undefined ? { countPendingPublicly: patch.countPendingPublicly } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        // Retention counts from the closing; reopening stops the clock (the next closing restarts it).
        ...(patch.status !== undefined && patch.status !== current.status ? { closedAt: patch.status === 'closed' ? new Date() : null } : {}),
        ...(patch.retentionDays !== undefined ? { retentionDays: patch.retentionDays } : {}),
        ...(patch.embedOrigins !== undefined ? { embedOrigins: patch.embedOrigins } : {}),
        ...(patch.proofOfWork !== undefined ? { proofOfWork: patch.proofOfWork } : {}),
      });

      let consentWording: string | undefined;
      const currentText = current.consentWordings.find((w) => w.current)?.text;
      if (patch.consent && patch.consent.text !== currentText) {
        consentWording = await newWordingId(tx, current.id, slug);
        await repo.supersedeConsentWording(tx, current.id, consentWording, patch.consent.text);
      }
      return {
        result: undefined,
        subject: slug,
        details: {
          fields: Object.keys(patch),
          ...(patch.status && patch.status !== current.status ? { status: { from: current.status, to: patch.status } } : {}),
          ...(consentWording ? { consentWording } : {}),
        },
      };
    },
    WRITE_TRANSACTION,
  );
  return getCampaign(ctx.platform.db, slug);
}

/**
 * Replaces the ordered list of demands. Translated demands whose original changed or vanished are
 * dropped: a translation of another text is worse than the original shown untranslated.
 */
export async function replaceCampaignDemands(ctx: StaffUseCase, slug: string, demands: Array<{ title: string; quote: string }>) {
  await auditedWrite(
    ctx,
    'campaigns.replace_demands',
    async (tx) => {
      const locked = await repo.lockBySlug(tx, slug);
      const current = locked && (await repo.findBySlugForAdminInTransaction(tx, slug));
      if (!current) throw notFound(slug);
      const missing = quotesMissingFrom(current.statement, demands);
      if (missing.length) throw new AppError('validation_failed', { key: 'staff.quoteVerbatim' }, missing.map(quoteError));

      await repo.replaceDemands(tx, current.id, demands);
      const unchanged = new Set(
        demands.flatMap((d, i) => {
          const before = current.demands.find((old) => old.position === i + 1);
          return before && before.title === d.title && before.quote === d.quote ? [i + 1] : [];
        }),
      );
      for (const translation of await repo.findTranslations(tx, current.id)) {
        const kept = translatedDemands(translation.demands).filter((d) => unchanged.has(d.position));
        if (kept.length !== translatedDemands(translation.demands).length) await repo.setTranslationDemands(tx, current.id, translation.language, kept);
      }
      return { result: undefined, subject: slug, details: { count: demands.length } };
    },
    WRITE_TRANSACTION,
  );
  return getCampaign(ctx.platform.db, slug);
}

export async function putTranslation(ctx: StaffUseCase, slug: string, language: string, input: TranslationRequest) {
  await auditedWrite(
    ctx,
    'campaigns.translate',
    async (tx) => {
      const locked = await repo.lockBySlug(tx, slug);
      const current = locked && (await repo.findBySlugForAdminInTransaction(tx, slug));
      if (!current) throw notFound(slug);
      if (language === current.language) {
        throw new AppError('validation_failed', { key: 'staff.ownLanguage', params: { language } }, [fieldError('lang', 'staff.field.ownLanguage')]);
      }
      const positions = new Set(current.demands.map((d) => d.position));
      const seen = new Set<number>();
      const errors: FieldError[] = [];
      input.demands.forEach((d, i) => {
        if (!positions.has(d.position)) errors.push({ field: `demands.${i}.position`, message: `the campaign has no demand at position ${d.position}` });
        else if (seen.has(d.position)) errors.push({ field: `demands.${i}.position`, message: `position ${d.position} is listed twice` });
        seen.add(d.position);
      });
      if (errors.length) throw new AppError('validation_failed', { key: 'staff.translatedDemandsMismatch' }, errors);

      const demands = [...input.demands].sort((a, b) => a.position - b.position);
      await repo.upsertTranslation(tx, current.id, language, { title: input.title, summary: input.summary ?? null, demands });
      return { result: undefined, subject: slug, details: { language, demands: demands.length } };
    },
    WRITE_TRANSACTION,
  );
  return getCampaign(ctx.platform.db, slug);
}

export async function removeTranslation(ctx: StaffUseCase, slug: string, language: string): Promise<void> {
  await auditedWrite(
    ctx,
    'campaigns.delete_translation',
    async (tx) => {
      const locked = await repo.lockBySlug(tx, slug);
      if (!locked) throw notFound(slug);
      if ((await repo.deleteTranslation(tx, locked.id, language)) === 0) throw new AppError('not_found', { key: 'staff.noTranslation', params: { language } });
      return { result: undefined, subject: slug, details: { language } };
    },
    WRITE_TRANSACTION,
  );
}

// --- helpers ---------------------------------------------------------------------------------

function notFound(slug: string): AppError {
  return new AppError('campaign_not_found', { key: 'problems.detail.noCampaign', params: { slug } });
}

/** Indexes of the demands whose quote is not in the statement (whitespace runs compare equal: line breaks move). */
function quotesMissingFrom(statement: string, demands: Array<{ quote: string }>): number[] {
  const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
  const haystack = flat(statement);
  return demands.flatMap((d, i) => (haystack.includes(flat(d.quote)) ? [] : [i]));
}

function quoteError(index: number): FieldError {
  return { field: `demands.${index}.quote`, message: 'must appear verbatim in the statement' };
}

/** Wording ids are readable evidence labels: `<slug>-consent-v<n>`. */
async function newWordingId(db: DbClient, campaignId: string, slug: string): Promise<string> {
  const existing = await repo.consentWordingIds(db, campaignId);
  const id = `${slug}-consent-v${existing.length + 1}`;
  // Another campaign's slug can end in "-consent-vN" too; a suffix keeps the id unique then.
  return (await repo.wordingIdTaken(db, id)) ? `${id}-${randomBytes(3).toString('hex')}` : id;
}

type TranslatedDemand = { position: number; title: string; quote: string };

function translatedDemands(value: unknown): TranslatedDemand[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (d): d is TranslatedDemand =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as TranslatedDemand).position === 'number' &&
      typeof (d as TranslatedDemand).title === 'string' &&
      typeof (d as TranslatedDemand).quote === 'string',
  );
}

function shape(row: repo.AdminCampaignRow, counts: { confirmed: number; pending: number; invalidated: number }) {
  const current = row.consentWordings.find((w) => w.current);
  return {
    slug: row.slug,
    title: row.title,
    status: row.status,
    language: row.language,
    goal: row.signatureGoal,
    counts,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    summary: row.summary,
    statement: row.statement,
    source: { organisation: row.sourceOrganisation, url: row.sourceUrl, date: row.statementDate ? row.statementDate.toISOString().slice(0, 10) : null },
    sender: { name: row.senderName, email: row.senderEmail },
    letterMode: row.letterMode,
    digestPeriodMinutes: row.digestPeriodMinutes,
    letterTestMode: row.letterTestMode,
    countPendingPublicly: row.countPendingPublicly,
    embedOrigins: row.embedOrigins,
    proofOfWork: row.proofOfWork,
    retentionDays: row.retentionDays,
    closedAt: row.closedAt ? row.closedAt.toISOString() : null,
    demands: row.demands,
    consent: current ? { wording: current.id, text: current.text } : null,
    consentWordings: row.consentWordings.map((w) => ({ id: w.id, text: w.text, current: w.current, createdAt: w.createdAt.toISOString() })),
    translations: row.translations.map((t) => ({
      language: t.language,
      title: t.title,
      summary: t.summary,
      demands: translatedDemands(t.demands),
      updatedAt: t.updatedAt.toISOString(),
    })),
  };
}

export type AdminCampaign = Awaited<ReturnType<typeof getCampaign>>;
