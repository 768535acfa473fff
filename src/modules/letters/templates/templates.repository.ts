import { Prisma, type DbClient } from '../../../platform/db';
import { sql, sqlRows } from '../../../platform/sql-rows';
import { z } from 'zod';
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
 * Which template a letter is written with, the one rule for previews, tests sends and deliveries:
 * the campaign's template in the wanted language, else in the campaign's original language, else
 * its English one, else its first by language. A subquery (`id`, `language`, `updated_at`) so
 * the delivery query can join it on its own columns (`Prisma.raw('t.preferred_language')`).
 */
export function chosenTemplateSql(campaignId: Prisma.Sql, wanted: Prisma.Sql, original: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT lt.id, lt.language, lt.updated_at FROM letter_templates lt WHERE lt.campaign_id = ${campaignId}
    ORDER BY CASE lt.language WHEN ${wanted} THEN 0 WHEN ${original} THEN 1 WHEN 'en' THEN 2 ELSE 3 END, lt.language
    LIMIT 1`;
}

/** The template `chosenTemplateSql` picks for `language`; null if the campaign has none. */
export async function findTemplate(db: DbClient, campaignId: string, language: string, original = 'en'): Promise<StoredTemplate | null> {
  const [chosen] = await sqlRows(db, z.looseObject({ id: sql.text }))`
    ${chosenTemplateSql(Prisma.sql`${campaignId}::uuid`, Prisma.sql`${language}`, Prisma.sql`${original}`)}`;
  return chosen ? findTemplateById(db, chosen.id) : null;
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
