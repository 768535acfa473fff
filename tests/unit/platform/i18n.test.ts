import fs from 'node:fs';
import path from 'node:path';
import { errorCodes } from '../../../src/platform/errors';
import { allCatalogues, LOCALES, negotiateLocale, placeholdersOf, translator } from '../../../src/platform/i18n';

/** Staff tools answer in English only (README "Errors"): their texts are in en/staff.json alone. */
const ENGLISH_ONLY = /^staff\./;

describe('translation catalogues', () => {
  const english = new Map([...allCatalogues().get('en')!].filter(([key]) => !ENGLISH_ONLY.test(key)));

  it.each(LOCALES.filter((locale) => locale !== 'en'))('%s has every English key, keeps its placeholders and adds none', (locale) => {
    const catalogue = allCatalogues().get(locale)!;
    const singular = (key: string) => key.replace(/\.(zero|one|two|few|many|other)$/, '');
    const missing = [...english.keys()].filter(
      (key) => !catalogue.has(key) && !(/\.(one|other)$/.test(key) && [...catalogue.keys()].some((k) => singular(k) === singular(key))),
    );
    expect(missing).toEqual([]);
    const extra = [...catalogue.keys()].filter((key) => !english.has(key) && ![...english.keys()].some((k) => singular(k) === singular(key)));
    expect(extra).toEqual([]);
    for (const [key, text] of catalogue) {
      const original = english.get(key) ?? english.get(`${singular(key)}.other`)!;
      expect({ key, placeholders: placeholdersOf(text) }).toEqual({ key, placeholders: placeholdersOf(original) });
      expect(text.trim()).not.toBe('');
    }
  });

  it('has a title for every error code in every language', () => {
    for (const locale of LOCALES) {
      const catalogue = allCatalogues().get(locale)!;
      expect(Object.keys(errorCodes).filter((code) => !catalogue.has(`problems.title.${code}`))).toEqual([]);
    }
  });

  it('has, in en, ru and kk, every problem text the code names (and staff texts in English)', () => {
    const named = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.ts'))
          for (const match of fs.readFileSync(full, 'utf8').matchAll(/'((?:problems|staff)\.[A-Za-z.]+)'/g)) named.add(match[1]!);
      }
    };
    walk(path.join(__dirname, '../../../src'));
    expect(named.size).toBeGreaterThan(60);
    const has = (catalogue: ReadonlyMap<string, string>, key: string) => catalogue.has(key) || catalogue.has(`${key}.other`);
    for (const locale of LOCALES) {
      const catalogue = allCatalogues().get(locale)!;
      const wanted = [...named].filter((key) => locale === 'en' || !ENGLISH_ONLY.test(key));
      expect({ locale, missing: wanted.filter((key) => !has(catalogue, key) && !key.endsWith('.')) }).toEqual({ locale, missing: [] });
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
