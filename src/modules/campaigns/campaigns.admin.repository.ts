import { Prisma, type DbClient } from '../../platform/db';
import { z } from 'zod';
import { sql, sqlRow } from '../../platform/sql-rows';

/** The queries behind campaign management (`/api/admin/campaigns`). */

const campaignFields = {
  id: true,
  slug: true,
  title: true,
  summary: true,
  statement: true,
  language: true,
  status: true,
  sourceOrganisation: true,
  sourceUrl: true,
  statementDate: true,
  signatureGoal: true,
  senderName: true,
  senderEmail: true,
  letterMode: true,
  digestPeriodMinutes: true,
  letterTestMode: true,
  countPendingPublicly: true,
  embedOrigins: true,
  proofOfWork: true,
  closedAt: true,
  retentionDays: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.CampaignSelect;
const demandsQuery = {
  select: { position: true, title: true, quote: true },
  orderBy: { position: 'asc' },
} satisfies Prisma.Campaign$demandsArgs;
const wordingsQuery = {
  select: { id: true, text: true, current: true, createdAt: true },
  orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
} satisfies Prisma.Campaign$consentWordingsArgs;
const translationsQuery = {
  select: { language: true, title: true, summary: true, demands: true, updatedAt: true },
  orderBy: { language: 'asc' },
} satisfies Prisma.Campaign$translationsArgs;

const adminSelect = {
  ...campaignFields,
  demands: demandsQuery,
  consentWordings: wordingsQuery,
  translations: translationsQuery,
} satisfies Prisma.CampaignSelect;

export type AdminCampaignRow = NonNullable<Awaited<ReturnType<typeof findBySlugForAdmin>>>;

export function findBySlugForAdmin(db: DbClient, slug: string) {
  return db.campaign.findUnique({ where: { slug }, select: adminSelect });
}

/**
 * The same row inside a transaction. Prisma loads a query's relations concurrently, and inside a
 * transaction they all share one connection, so pg queues them (deprecated, to be an error in
 * pg 9). Here they are read one after another.
 */
export async function findBySlugForAdminInTransaction(tx: DbClient, slug: string): Promise<AdminCampaignRow | null> {
  const campaign = await tx.campaign.findUnique({ where: { slug }, select: campaignFields });
  if (!campaign) return null;
  const where = { where: { campaignId: campaign.id } };
  const demands = await tx.demand.findMany({ ...where, ...demandsQuery });
  const consentWordings = await tx.consentWording.findMany({ ...where, ...wordingsQuery });
  const translations = await tx.campaignTranslation.findMany({ ...where, ...translationsQuery });
  return { ...campaign, demands, consentWordings, translations };
}

export function listForAdmin(db: DbClient) {
  return db.campaign.findMany({
    select: { id: true, slug: true, title: true, status: true, language: true, signatureGoal: true, createdAt: true, updatedAt: true },
    orderBy: [{ createdAt: 'desc' }, { slug: 'asc' }],
  });
}

/** Summed counters of every campaign, in one grouped query over the (small) counter table. */
export async function countersByCampaign(db: DbClient) {
  const rows = await db.campaignCounter.groupBy({ by: ['campaignId'], _sum: { pending: true, confirmed: true, invalidated: true } });
  return new Map(rows.map((r) => [r.campaignId, { pending: r._sum.pending ?? 0, confirmed: r._sum.confirmed ?? 0, invalidated: r._sum.invalidated ?? 0 }]));
}

/** Locks the campaign's row for the rest of the transaction, so two edits of its demands or wording queue. */
export async function lockBySlug(db: DbClient, slug: string): Promise<{ id: string } | null> {
  return sqlRow(db, z.strictObject({ id: sql.uuid }))`SELECT id::text AS id FROM campaigns WHERE slug = ${slug} FOR UPDATE`;
}

export function slugExists(db: DbClient, slug: string) {
  return db.campaign.findUnique({ where: { slug }, select: { id: true } });
}

/** The new campaign's id, or null when its slug was taken meanwhile (the unique index decides). */
export async function insertCampaign(db: DbClient, data: Prisma.CampaignUncheckedCreateInput): Promise<{ id: string } | null> {
  try {
    return await db.campaign.create({ data, select: { id: true } });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return null;
    throw error;
  }
}

export function updateCampaign(db: DbClient, id: string, data: Prisma.CampaignUncheckedUpdateInput) {
  return db.campaign.update({ where: { id }, data, select: { id: true } });
}

export async function replaceDemands(db: DbClient, campaignId: string, demands: Array<{ title: string; quote: string }>): Promise<void> {
  await db.demand.deleteMany({ where: { campaignId } });
  await db.demand.createMany({ data: demands.map((d, i) => ({ campaignId, position: i + 1, title: d.title, quote: d.quote })) });
}

export function consentWordingIds(db: DbClient, campaignId: string) {
  return db.consentWording.findMany({ where: { campaignId }, select: { id: true } });
}

export function wordingIdTaken(db: DbClient, id: string) {
  return db.consentWording.findUnique({ where: { id }, select: { id: true } });
}

/** The new wording becomes the current one; earlier ones stay, as the evidence of what people agreed to. */
export async function supersedeConsentWording(db: DbClient, campaignId: string, id: string, text: string): Promise<void> {
  await db.consentWording.updateMany({ where: { campaignId, current: true }, data: { current: false } });
  await db.consentWording.create({ data: { id, campaignId, text, current: true } });
}

export function findTranslations(db: DbClient, campaignId: string) {
  return db.campaignTranslation.findMany({ where: { campaignId }, select: { language: true, demands: true } });
}

export function upsertTranslation(
  db: DbClient,
  campaignId: string,
  language: string,
  data: { title: string; summary: string | null; demands: Prisma.InputJsonValue },
) {
  return db.campaignTranslation.upsert({
    where: { campaignId_language: { campaignId, language } },
    create: { campaignId, language, ...data },
    update: data,
    select: { language: true },
  });
}

export async function setTranslationDemands(db: DbClient, campaignId: string, language: string, demands: Prisma.InputJsonValue): Promise<void> {
  await db.campaignTranslation.update({ where: { campaignId_language: { campaignId, language } }, data: { demands } });
}

export async function deleteTranslation(db: DbClient, campaignId: string, language: string): Promise<number> {
  const { count } = await db.campaignTranslation.deleteMany({ where: { campaignId, language } });
  return count;
}
