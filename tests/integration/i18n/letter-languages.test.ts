import {
  seedKazakhstanCampaign,
  seedKazakhstanTranslations,
  kazakhstanTranslations,
  kazakhstanDemands,
  KAZAKHSTAN_CONSENT_WORDING_ID,
  KAZAKHSTAN_SLUG,
} from '../../../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets, seedTranslatedDefaultTemplates } from '../../../src/modules/letters';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { approveByEmail, lettersTo, sign } from '../../support/letters';
import type { SmtpRecorder } from '../../support/smtp-recorder';

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false', LETTERS_CAP_DISABLED: 'true' });
  ({ smtp, api } = stack);
  const campaignId = await seedKazakhstanCampaign(api.platform.db);
  await seedKazakhstanTranslations(api.platform.db, campaignId);
  await seedDefaultTemplate(api.platform.db, campaignId);
  await seedTranslatedDefaultTemplates(api.platform.db, campaignId);
  await seedTargets(api.platform.db);
  // Albania's mission reads Russian, France's French: the campaign has a Russian letter, not a French one.
  await api.platform.db.target.update({ where: { iso2: 'AL' }, data: { preferredLanguage: 'ru' } });
  await api.platform.db.target.update({ where: { iso2: 'FR' }, data: { preferredLanguage: 'fr' } });
});

afterAll(() => stack.stop());

describe('letters in the delegation’s language', () => {
  it('sends the Russian letter to a Russian-reading delegation and the original to one whose language the campaign lacks, and records which', async () => {
    const { email, actionToken } = await sign(api, KAZAKHSTAN_SLUG, KAZAKHSTAN_CONSENT_WORDING_ID, { locale: 'ru' });
    const written = await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/letters`, { actionToken, targets: { countries: ['AL', 'FR'] } });
    expect(written.status).toBe(202);
    await approveByEmail(api, smtp, email, 'одобрите');
    const letters = await eventually(() => (lettersTo(smtp, email).length === 2 ? lettersTo(smtp, email) : null), 15_000, 'two letters');

    const albania = letters.find((m) => m.envelope.to.includes('mission.al@delegations.example.org'))!;
    expect(albania.subject).toBe('«Казахстан: справедливость за Кровавый январь» — письмо сторонника кампании');
    expect(albania.text).toContain('Ваше Превосходительство!');
    expect(albania.text).toContain('Меня зовут Aigerim Writer (Almaty, Казахстан).');
    expect(albania.text).toContain('делегацию государства Албания');
    expect(albania.html).toContain('<html lang="ru">');
    kazakhstanDemands.forEach((demand, i) => {
      expect(albania.text).toContain(`> ${demand.quote}`);
      expect(albania.text).toContain(`Неофициальный перевод: ${kazakhstanTranslations.ru.demands[i]!.quote}`);
      expect(albania.text).toContain(`${i + 1}. ${kazakhstanTranslations.ru.demands[i]!.title}`);
    });

    const france = letters.find((m) => m.envelope.to.includes('mission.fr@delegations.example.org'))!;
    expect(france.subject).toBe('Kazakhstan: justice for Bloody January — a letter from a supporter');
    expect(france.text).toContain('the delegation of France raise');
    expect(france.text).not.toContain('Неофициальный');

    // The SMTP server has the messages a moment before the letters are marked sent.
    const sent = () =>
      api.platform.db.letter.findMany({
        where: { campaign: { slug: KAZAKHSTAN_SLUG }, status: 'sent', target: { iso2: { in: ['AL', 'FR'] } } },
        select: { language: true, target: { select: { iso2: true } } },
      });
    const recorded = await eventually(
      async () => {
        const rows = await sent();
        return rows.length === 2 ? rows : null;
      },
      10_000,
      'both letters marked sent',
    );
    expect(Object.fromEntries(recorded.map((l) => [l.target.iso2, l.language]))).toEqual({ AL: 'ru', FR: 'en' });
  });

  it('previews the letter in the delegation’s language too', async () => {
    const preview = await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/letters/preview`, { iso2: 'AL', name: 'Aigerim', country: 'KZ' });
    expect(preview.status).toBe(200);
    const letter = preview.json as { subject: string; text: string };
    expect(letter.subject).toContain('Казахстан');
    expect(letter.text).toContain(`> ${kazakhstanDemands[0].quote}`);
    expect(letter.text).toContain(kazakhstanTranslations.ru.demands[0]!.quote);
    const french = await postJson(`${api.url}/api/campaigns/${KAZAKHSTAN_SLUG}/letters/preview`, { iso2: 'FR', name: 'Aigerim', country: 'KZ' });
    expect((french.json as { subject: string }).subject).toBe('Kazakhstan: justice for Bloody January — a letter from a supporter');
  });
});
