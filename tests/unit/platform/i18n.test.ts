import { allCatalogues, LOCALES, negotiateLocale, placeholdersOf, translator } from '../../../src/platform/i18n';

describe('translation catalogues', () => {
  const english = allCatalogues().get('en')!;

  it.each(LOCALES.filter((locale) => locale !== 'en'))('%s has every English key, keeps its placeholders and adds none', (locale) => {
    const catalogue = allCatalogues().get(locale)!;
    const singular = (key: string) => key.replace(/\.(zero|one|two|few|many|other)$/, '');
    const missing = [...english.keys()].filter((key) => !catalogue.has(key) && !(/\.(one|other)$/.test(key) && [...catalogue.keys()].some((k) => singular(k) === singular(key))));
    expect(missing).toEqual([]);
    const extra = [...catalogue.keys()].filter((key) => !english.has(key) && ![...english.keys()].some((k) => singular(k) === singular(key)));
    expect(extra).toEqual([]);
    for (const [key, text] of catalogue) {
      const original = english.get(key) ?? english.get(`${singular(key)}.other`)!;
      expect({ key, placeholders: placeholdersOf(text) }).toEqual({ key, placeholders: placeholdersOf(original) });
      expect(text.trim()).not.toBe('');
    }
  });

  it('fills placeholders and formats numbers in the language', () => {
    expect(translator('en')('common.footer')).toMatch(/Clarion/);
    expect(translator('ru')('common.language')).toBe('Язык');
    expect(() => translator('en')('no.such.key')).toThrow('no.such.key');
  });
});

describe('negotiateLocale', () => {
  const request = (lang: unknown, accept: string | false) => ({ query: { lang }, acceptsLanguages: () => accept });

  it('takes ?lang= first, then Accept-Language, then English', () => {
    expect(negotiateLocale(request('kk', 'ru'))).toBe('kk');
    expect(negotiateLocale(request('xx', 'ru'))).toBe('ru');
    expect(negotiateLocale(request(['ru', 'kk'], false))).toBe('en');
    expect(negotiateLocale(request(undefined, false))).toBe('en');
  });
});
