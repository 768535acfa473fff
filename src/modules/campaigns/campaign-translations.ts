import { z } from 'zod';
import type { DbClient } from '../../platform/db';

/**
 * A campaign's own texts in the reader's language. A `CampaignTranslation` row overlays the
 * original title, summary and demand titles; whatever it lacks stays in the original. A demand's
 * quote is evidence and is never replaced: it stays verbatim in the original language, and a
 * translation, when there is one, travels beside it as `quoteTranslation`, marked unofficial.
 */

/** What `localiseCampaign` needs of a campaign: select it with `translationsSelect(locale)`. */
export interface TranslatableCampaign {
  language: string;
  title: string;
  summary: string | null;
  demands: ReadonlyArray<{ position: number; title: string; quote: string }>;
  translations: ReadonlyArray<{ language: string; title: string; summary: string | null; demands: unknown }>;
}

export interface QuoteTranslation {
  language: string;
  text: string;
  /** Always true: only the original quote is what was said to the Council. */
  unofficial: true;
}

export interface LocalisedDemand {
  position: number;
  title: string;
  /** Verbatim from the statement, in the original language. */
  quote: string;
  quoteTranslation?: QuoteTranslation;
}

export interface LocalisedCampaignTexts {
  /** The language of title, summary and demand titles: the locale when a translation exists, else the original's. */
  language: string;
  title: string;
  summary: string | null;
  demands: LocalisedDemand[];
}

/** The JSON a translation row keeps its demands in; entries that do not fit are ignored, not fatal. */
const translatedDemand = z.object({
  position: z.number().int().positive(),
  title: z.string().trim().min(1).optional(),
  quote: z.string().trim().min(1).optional(),
});

function translatedDemands(json: unknown): Map<number, z.infer<typeof translatedDemand>> {
  const byPosition = new Map<number, z.infer<typeof translatedDemand>>();
  if (!Array.isArray(json)) return byPosition;
  for (const entry of json) {
    const parsed = translatedDemand.safeParse(entry);
    if (parsed.success) byPosition.set(parsed.data.position, parsed.data);
  }
  return byPosition;
}

/** Prisma `select` for the texts and the one translation row `localiseCampaign` may use. */
export function translationsSelect(locale: string) {
  return {
    language: true,
    title: true,
    summary: true,
    demands: { select: { position: true, title: true, quote: true }, orderBy: { position: 'asc' } },
    translations: { select: { language: true, title: true, summary: true, demands: true }, where: { language: locale } },
  } as const;
}

/**
 * The title in `locale`: the translation's when the campaign has one in that language (and it is
 * not blank), else the original. The one rule for a title, for pages and emails alike.
 */
export function localiseTitle(campaign: { language: string; title: string }, locale: string, translatedTitle: string | null | undefined): string {
  return (locale !== campaign.language && translatedTitle?.trim()) || campaign.title;
}

export function localiseCampaign(campaign: TranslatableCampaign, locale: string): LocalisedCampaignTexts {
  const original: LocalisedCampaignTexts = {
    language: campaign.language,
    title: campaign.title,
    summary: campaign.summary,
    demands: campaign.demands.map((d) => ({ position: d.position, title: d.title, quote: d.quote })),
  };
  const translation = locale === campaign.language ? undefined : campaign.translations.find((t) => t.language === locale);
  if (!translation) return original;
  const demands = translatedDemands(translation.demands);
  return {
    language: translation.language,
    title: localiseTitle(campaign, locale, translation.title),
    summary: translation.summary?.trim() || campaign.summary,
    demands: original.demands.map((demand) => {
      const translated = demands.get(demand.position);
      return {
        ...demand,
        title: translated?.title ?? demand.title,
        ...(translated?.quote ? { quoteTranslation: { language: translation.language, text: translated.quote, unofficial: true as const } } : {}),
      };
    }),
  };
}

/** For callers holding only the campaign's id (emails): its texts in `locale`, or null when it is gone. */
export async function findLocalisedTexts(db: DbClient, campaignId: string, locale: string): Promise<LocalisedCampaignTexts | null> {
  const campaign = await db.campaign.findUnique({ where: { id: campaignId }, select: translationsSelect(locale) });
  return campaign ? localiseCampaign(campaign, locale) : null;
}
