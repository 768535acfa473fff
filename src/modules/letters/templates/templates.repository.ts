import type { DbClient } from '../../../platform/db';
import type { TemplateParts } from './templates.engine';

/** Every query about letter templates, and the little of campaigns and targets a letter needs. */
const templateSelect = { id: true, campaignId: true, language: true, subject: true, html: true, text: true, updatedAt: true } as const;

export type StoredTemplate = NonNullable<Awaited<ReturnType<typeof findTemplateExact>>>;

export function findTemplateExact(db: DbClient, campaignId: string, language: string) {
  return db.letterTemplate.findUnique({ where: { campaignId_language: { campaignId, language } }, select: templateSelect });
}

export function findTemplateById(db: DbClient, id: string) {
  return db.letterTemplate.findUnique({ where: { id }, select: templateSelect });
}

/**
 * The template in `language`, else in the campaign's original language (`original`), else its
 * English one, else its first; null if it has none.
 */
export async function findTemplate(db: DbClient, campaignId: string, language: string, original = 'en'): Promise<StoredTemplate | null> {
  const preference = [...new Set([language, original, 'en'])];
  const candidates = await db.letterTemplate.findMany({
    where: { campaignId, language: { in: preference } },
    select: templateSelect,
  });
  const found = preference.map((wanted) => candidates.find((t) => t.language === wanted)).find((t) => t !== undefined);
  if (found) return found;
  return db.letterTemplate.findFirst({ where: { campaignId }, select: templateSelect, orderBy: { language: 'asc' } });
}

export function upsertTemplate(db: DbClient, campaignId: string, language: string, parts: TemplateParts) {
  const fields = { subject: parts.subject, html: parts.html, text: parts.text };
  return db.letterTemplate.upsert({
    where: { campaignId_language: { campaignId, language } },
    create: { campaignId, language, ...fields },
    update: fields,
    select: templateSelect,
  });
}

/** Creates the template only when the campaign has none in that language; true if it did. */
export async function createTemplateIfMissing(db: DbClient, campaignId: string, language: string, parts: TemplateParts): Promise<boolean> {
  const created = await db.letterTemplate.createMany({
    data: [{ campaignId, language, subject: parts.subject, html: parts.html, text: parts.text }],
    skipDuplicates: true,
  });
  return created.count > 0;
}

/** What a letter quotes from its campaign. */
export function findCampaignForLetters(db: DbClient, where: { slug: string } | { id: string }) {
  return db.campaign.findUnique({
    where,
    select: {
      id: true,
      slug: true,
      title: true,
      status: true,
      sourceOrganisation: true,
      sourceUrl: true,
      statementDate: true,
      language: true,
      demands: { select: { title: true, quote: true }, orderBy: { position: 'asc' } },
    },
  });
}

export type LetterCampaignRow = NonNullable<Awaited<ReturnType<typeof findCampaignForLetters>>>;

/**
 * A delegation as a letter addresses it. Read here rather than through the targets module so that
 * rendering depends on nothing but the table.
 */
export function findActiveTargetByIso2(db: DbClient, iso2: string) {
  return db.target.findFirst({
    where: { iso2, active: true },
    select: { iso2: true, country: true, missionName: true, salutation: true, preferredLanguage: true },
  });
}

/** The language a campaign's own texts are written in: letters fall back to it. */
export async function findCampaignLanguage(db: DbClient, campaignId: string): Promise<string> {
  return (await db.campaign.findUnique({ where: { id: campaignId }, select: { language: true } }))?.language ?? 'en';
}
