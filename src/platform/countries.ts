/**
 * ISO 3166-1 alpha-2 country codes.
 *
 * These are the 249 officially assigned codes. User-assigned and reserved codes are left out on
 * purpose, even where they are in common use: `XK` (Kosovo, user-assigned, used by the EU and
 * others), `UK` (exceptionally reserved; the code is `GB`), `EU` (exceptionally reserved for the
 * European Union, not a country). Callers that need Kosovo must handle `XK` explicitly.
 *
 * Source: ISO 3166 Maintenance Agency, officially assigned codes (unchanged since `SS`, 2011).
 */
const CODES = [
  'AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ',
  'BA', 'BB', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS',
  'BT', 'BV', 'BW', 'BY', 'BZ',
  'CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO', 'CR', 'CU', 'CV', 'CW',
  'CX', 'CY', 'CZ',
  'DE', 'DJ', 'DK', 'DM', 'DO', 'DZ',
  'EC', 'EE', 'EG', 'EH', 'ER', 'ES', 'ET',
  'FI', 'FJ', 'FK', 'FM', 'FO', 'FR',
  'GA', 'GB', 'GD', 'GE', 'GF', 'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT',
  'GU', 'GW', 'GY',
  'HK', 'HM', 'HN', 'HR', 'HT', 'HU',
  'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT',
  'JE', 'JM', 'JO', 'JP',
  'KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP', 'KR', 'KW', 'KY', 'KZ',
  'LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY',
  'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK', 'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS',
  'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ',
  'NA', 'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ',
  'OM',
  'PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM', 'PN', 'PR', 'PS', 'PT', 'PW', 'PY',
  'QA',
  'RE', 'RO', 'RS', 'RU', 'RW',
  'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS',
  'ST', 'SV', 'SX', 'SY', 'SZ',
  'TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO', 'TR', 'TT', 'TV', 'TW', 'TZ',
  'UA', 'UG', 'UM', 'US', 'UY', 'UZ',
  'VA', 'VC', 'VE', 'VG', 'VI', 'VN', 'VU',
  'WF', 'WS',
  'YE', 'YT',
  'ZA', 'ZM', 'ZW',
] as const;

export type CountryCode = (typeof CODES)[number];

export const ISO_COUNTRY_CODES: ReadonlySet<string> = new Set<string>(CODES);

/** Whether `code` is an officially assigned alpha-2 code. Expects upper case: `fr` is not accepted. */
export function isCountryCode(code: string): code is CountryCode {
  return ISO_COUNTRY_CODES.has(code);
}

const MAX_CACHED_LOCALES = 64;
const displayNamesByLocale = new Map<string, Intl.DisplayNames | null>();

function displayNames(locale: string): Intl.DisplayNames | null {
  let names = displayNamesByLocale.get(locale);
  if (names === undefined) {
    try {
      names = new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' });
    } catch {
      names = null; // malformed locale tag
    }
    // Bounded in case a locale ever comes straight from a request header.
    if (displayNamesByLocale.size < MAX_CACHED_LOCALES) displayNamesByLocale.set(locale, names);
  }
  return names;
}

/**
 * The country's name in `locale` (e.g. `countryName('DE', 'fr')` → `Allemagne`).
 *
 * Falls back to the code itself for codes that are not officially assigned, for malformed
 * locales and where ICU has no name.
 */
export function countryName(code: string, locale = 'en'): string {
  if (!isCountryCode(code)) return code;
  try {
    return displayNames(locale)?.of(code) ?? code;
  } catch {
    return code;
  }
}
