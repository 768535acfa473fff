import { letterFromName, supporterDisplayName } from '../../../src/modules/letters/templates/display-name';

describe('the From name of a letter', () => {
  it('is the supporter\'s name, always "via" the campaign', () => {
    expect(letterFromName('Aigerim Bekova', 'UN Watch campaign')).toBe('Aigerim Bekova via UN Watch campaign');
  });

  it.each([
    ['an address', 'ministry@mfa.gov.kz', 'A supporter'],
    ['a name with an address', 'Press Office <press@mfa.gov.kz>', 'Press Office'],
    ['a domain', 'Official mfa.gov.kz', 'Official'],
    ['quotes that could close the display name', 'Ann" <x@y.z>, "Boss', 'Ann Boss'],
    ['bidirectional overrides', 'Ann\u202Ezil\u202C Boss', 'Ann zil Boss'],
    ['zero-width characters', 'Mi\u200Bnistry', 'Mi nistry'],
    ['full-width letters (folded)', 'ＭＩＮＩＳＴＲＹ', 'MINISTRY'],
    ['control characters and newlines', 'Ann\r\nBcc: x@y.z', 'Ann Bcc'],
    ['nothing left', '"<>"', 'A supporter'],
  ])('drops %s', (_case, typed, expected) => {
    expect(supporterDisplayName(typed, 'A supporter')).toBe(expected);
  });

  it('is bounded', () => {
    expect([...supporterDisplayName('Ж'.repeat(500), 'x')]).toHaveLength(40);
  });
});
