import { ISO_COUNTRY_CODES, countryName, isCountryCode } from '../../../src/platform/countries';

describe('ISO_COUNTRY_CODES', () => {
  it('holds exactly the 249 officially assigned codes', () => {
    expect(ISO_COUNTRY_CODES.size).toBe(249);
  });

  it('holds only two upper-case ASCII letters per code', () => {
    for (const code of ISO_COUNTRY_CODES) expect(code).toMatch(/^[A-Z]{2}$/);
  });

  it.each(['KZ', 'FR', 'GB', 'US', 'DE', 'SS', 'PS', 'TW', 'EH', 'AX', 'BQ', 'CW', 'SX', 'AQ', 'UM'])('contains %s', (code) => {
    expect(ISO_COUNTRY_CODES.has(code)).toBe(true);
  });

  it.each([
    ['XK', 'Kosovo, user-assigned'],
    ['UK', 'exceptionally reserved; the code is GB'],
    ['EU', 'European Union, exceptionally reserved'],
    ['UN', 'United Nations, exceptionally reserved'],
    ['AN', 'Netherlands Antilles, withdrawn'],
    ['YU', 'Yugoslavia, withdrawn'],
    ['CS', 'Serbia and Montenegro, withdrawn'],
    ['SU', 'Soviet Union, withdrawn'],
    ['ZZ', 'unknown region, user-assigned'],
  ])('does not contain %s (%s)', (code) => {
    expect(ISO_COUNTRY_CODES.has(code)).toBe(false);
  });

  it('has a name in ICU for every code', () => {
    for (const code of ISO_COUNTRY_CODES) expect(countryName(code)).not.toBe(code);
  });
});

describe('isCountryCode', () => {
  it.each(['KZ', 'FR', 'GB', 'ZW'])('returns true for %s', (code) => {
    expect(isCountryCode(code)).toBe(true);
  });

  it.each([
    ['a lower-case code', 'fr'],
    ['a mixed-case code', 'Fr'],
    ['Kosovo (XK)', 'XK'],
    ['UK instead of GB', 'UK'],
    ['the European Union', 'EU'],
    ['an alpha-3 code', 'FRA'],
    ['a numeric code', '250'],
    ['an empty string', ''],
    ['a code with whitespace', ' FR'],
  ])('returns false for %s', (_what, code) => {
    expect(isCountryCode(code)).toBe(false);
  });
});

describe('countryName', () => {
  it.each<[string, string | undefined, string]>([
    ['KZ', undefined, 'Kazakhstan'],
    ['GB', undefined, 'United Kingdom'],
    ['FR', 'en', 'France'],
    ['DE', 'fr', 'Allemagne'],
    ['DE', 'de', 'Deutschland'],
    ['ES', 'es', 'España'],
  ])('names %s in %s as %s', (code, locale, expected) => {
    expect(locale === undefined ? countryName(code) : countryName(code, locale)).toBe(expected);
  });

  it.each([
    ['a code that is not officially assigned', 'XK', 'en'],
    ['a lower-case code', 'fr', 'en'],
    ['an arbitrary string', 'not a code', 'en'],
    ['a malformed locale', 'FR', 'not a locale!'],
  ])('falls back to the code for %s', (_what, code, locale) => {
    expect(countryName(code, locale)).toBe(code);
  });
});
