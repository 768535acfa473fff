import { seedKazakhstanCampaign, seedKazakhstanTranslations, kazakhstanTranslations, kazakhstanDemands, KAZAKHSTAN_SLUG } from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTranslatedDefaultTemplates } from '../../../src/modules/letters';
import { validateTemplate } from '../../../src/modules/letters/templates/templates.engine';
import { createCampaign } from '../../support/fixtures';
import { startTestApi, type TestApi } from '../../support/harness';

let api: TestApi;
let kazakhstanId: string;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  kazakhstanId = await seedKazakhstanCampaign(api.platform.db);
  await seedKazakhstanTranslations(api.platform.db, kazakhstanId);
  await seedDefaultTemplate(api.platform.db, kazakhstanId);
  await seedTranslatedDefaultTemplates(api.platform.db, kazakhstanId);
});

afterAll(() => api.close());

interface CampaignAnswer {
  language: string;
  title: string;
  summary: string | null;
  statement: string;
  demands: Array<{ title: string; quote: string; quoteTranslation?: { language: string; text: string; unofficial: true } }>;
}

async function read(slug: string, query = '', headers: Record<string, string> = {}) {
  const response = await fetch(`${api.url}/api/campaigns/${slug}${query}`, { headers });
  expect(response.status).toBe(200);
  return { answer: (await response.json()) as CampaignAnswer, vary: response.headers.get('vary') ?? '' };
}

describe('a campaign read in another language', () => {
  it('answers the Russian title, summary and demand titles, with every quote still verbatim and its translation marked unofficial', async () => {
    const { answer, vary } = await read(KAZAKHSTAN_SLUG, '?lang=ru');
    expect(vary).toMatch(/accept-language/i);
    expect(answer.language).toBe('ru');
    expect(answer.title).toBe('Казахстан: справедливость за Кровавый январь');
    expect(answer.summary).toBe(kazakhstanTranslations.ru.summary);
    expect(answer.statement.startsWith('Mr. Chair,')).toBe(true);
    expect(answer.demands).toEqual(
      kazakhstanDemands.map((demand, i) => ({
        title: kazakhstanTranslations.ru.demands[i]!.title,
        quote: demand.quote,
        quoteTranslation: { language: 'ru', text: kazakhstanTranslations.ru.demands[i]!.quote, unofficial: true },
      })),
    );
  });

  it('follows Accept-Language when there is no ?lang=, and ?lang= when there is', async () => {
    expect((await read(KAZAKHSTAN_SLUG, '', { 'accept-language': 'kk-KZ,kk;q=0.9' })).answer).toMatchObject({
      language: 'kk',
      title: 'Қазақстан: Қанды қаңтар үшін әділдік',
    });
    expect((await read(KAZAKHSTAN_SLUG, '?lang=en', { 'accept-language': 'kk' })).answer.language).toBe('en');
  });

  it('answers the original, without translations, in the campaign’s own language', async () => {
    const { answer } = await read(KAZAKHSTAN_SLUG);
    expect(answer.language).toBe('en');
    expect(answer.title).toBe('Kazakhstan: justice for Bloody January');
    expect(answer.demands).toEqual(kazakhstanDemands.map(({ title, quote }) => ({ title, quote })));
  });

  it('falls back to the original for whatever a translation lacks, and says the texts are the original’s where it has none', async () => {
    const campaign = await createCampaign(api.platform.db);
    await api.platform.db.campaign.update({ where: { id: campaign.id }, data: { summary: 'The original summary.' } });
    await api.platform.db.campaignTranslation.create({
      data: {
        campaignId: campaign.id,
        language: 'ru',
        title: 'Тестовая кампания',
        demands: [{ position: 9, title: 'Нет такого требования' }, 'garbage', { position: 1 }],
      },
    });
    const russian = (await read(campaign.slug, '?lang=ru')).answer;
    expect(russian).toMatchObject({ language: 'ru', title: 'Тестовая кампания', summary: 'The original summary.' });
    expect(russian.demands).toEqual([{ title: 'Free them', quote: 'Free the prisoners now.' }]);

    const kazakh = (await read(campaign.slug, '?lang=kk')).answer;
    expect(kazakh).toMatchObject({ language: 'en', title: expect.stringMatching(/^Test campaign/), summary: 'The original summary.' });
  });
});

describe('the seeded translations', () => {
  it('are seeded once: a rerun creates nothing and keeps an editor’s changes', async () => {
    await api.platform.db.campaignTranslation.update({
      where: { campaignId_language: { campaignId: kazakhstanId, language: 'kk' } },
      data: { title: 'Edited by an editor' },
    });
    expect(await seedKazakhstanTranslations(api.platform.db, kazakhstanId)).toBe(0);
    expect((await read(KAZAKHSTAN_SLUG, '?lang=kk')).answer.title).toBe('Edited by an editor');
    await api.platform.db.campaignTranslation.update({
      where: { campaignId_language: { campaignId: kazakhstanId, language: 'kk' } },
      data: { title: kazakhstanTranslations.kk.title },
    });
  });

  it('give every demand a title and a quote translation in Russian and Kazakh', () => {
    for (const translation of Object.values(kazakhstanTranslations)) {
      expect(translation.demands).toHaveLength(kazakhstanDemands.length);
      for (const demand of translation.demands) {
        expect(demand.title.trim()).not.toBe('');
        expect(demand.quote.length).toBeGreaterThan(40);
      }
    }
  });

  it('include a Russian letter template that passes the template checks, beside the English one', async () => {
    const templates = await api.platform.db.letterTemplate.findMany({
      where: { campaignId: kazakhstanId },
      select: { language: true, subject: true, html: true, text: true },
    });
    expect(templates.map((t) => t.language).sort()).toEqual(['en', 'ru']);
    const russian = templates.find((t) => t.language === 'ru')!;
    expect(validateTemplate(russian)).toEqual([]);
    expect(russian.text).toContain('{{quote}}');
    expect(russian.text).toContain('{{quoteTranslation}}');
  });
});
