/**
 * Golden files for the Russian default letter, rendered for one fixed sample (the Kazakhstan
 * campaign with its Russian texts, Albania's delegation, a supporter from Almaty): a template
 * change shows up as a diff of tests/golden/default-letter-ru.*. After an intended change:
 *
 *   UPDATE_GOLDEN=1 npm test -- tests/integration/i18n/russian-letter-golden.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { localiseCampaign, kazakhstanTranslations, kazakhstanDemands, kazakhstanSummary } from '../../../src/modules/campaigns';
import { compileTemplate, DEFAULT_LETTER_TRANSLATIONS, validateTemplate } from '../../../src/modules/letters/templates/templates.engine';
import { buildLetterContext } from '../../../src/modules/letters/templates/templates.service';

const GOLDEN_DIR = path.resolve(__dirname, '..', '..', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (UPDATE) {
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) throw new Error(`${name} is missing: run with UPDATE_GOLDEN=1 to create it`);
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

const russian = DEFAULT_LETTER_TRANSLATIONS.ru!;
const texts = localiseCampaign(
  {
    language: 'en',
    title: 'Kazakhstan: justice for Bloody January',
    summary: kazakhstanSummary,
    demands: kazakhstanDemands.map((d, i) => ({ position: i + 1, ...d })),
    translations: [{ language: 'ru', ...kazakhstanTranslations.ru, demands: kazakhstanTranslations.ru.demands.map((d, i) => ({ position: i + 1, ...d })) }],
  },
  'ru',
);

describe('the Russian default letter', () => {
  it('passes the template checks', () => {
    expect(validateTemplate(russian)).toEqual([]);
  });

  it('renders to Albania from a supporter in Almaty as recorded, quotes verbatim with the translation beside them', () => {
    const ctx = buildLetterContext({
      campaign: {
        title: texts.title,
        slug: 'kazakhstan',
        sourceOrganisation: 'UN Watch',
        sourceUrl: 'https://www.miragenews.com/kazakhstan-confronted-at-un-over-human-rights-1492435',
        statementDate: null,
      },
      demands: texts.demands,
      target: { iso2: 'AL', country: 'Albania', missionName: 'Permanent Mission of Albania to the United Nations Office at Geneva', salutation: 'Excellency' },
      supporter: {
        name: 'Айгерим Нурлановна',
        city: 'Алматы',
        countryCode: 'KZ',
        paragraph: 'Я была в Алматы в январе 2022 года.\n\nСемьи до сих пор ждут правды.',
      },
      language: 'ru',
    });
    const letter = compileTemplate(russian)(ctx);
    for (const demand of kazakhstanDemands) expect(letter.text).toContain(`> ${demand.quote}`);
    expect(letter.text).toContain('делегацию государства Албания');
    expectGolden('default-letter-ru.html', letter.html);
    expectGolden('default-letter-ru.txt', `Subject: ${letter.subject}\n\n${letter.text}`);
  });
});
