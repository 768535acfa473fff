import { hasHiddenCharacters, stripHiddenCharacters } from '../../../src/platform/hidden-text';

describe('hidden characters', () => {
  it.each([
    ['a bidi override', 'Ai\u202Egerim'],
    ['a zero-width space', 'Ai\u200Bgerim'],
    ['a C1 control', 'Ai\u0085gerim'],
    ['a line separator', 'Ai\u2028gerim'],
    ['a byte-order mark', '\uFEFFAigerim'],
    ['a carriage return', 'Ai\rgerim'],
  ])('finds and strips %s', (_, text) => {
    expect(hasHiddenCharacters(text)).toBe(true);
    expect(stripHiddenCharacters(text).replace(/^\uFEFF/, '')).toBe('Aigerim');
  });

  it('leaves tabs, line feeds and every script alone, and answers the same however often it is asked', () => {
    const text = 'Айгерим\tBekova\nҚазақстан 東京 مرحبا';
    for (let i = 0; i < 3; i += 1) expect(hasHiddenCharacters(text)).toBe(false);
    expect(stripHiddenCharacters(text)).toBe(text);
    expect(hasHiddenCharacters('x\u202Ey')).toBe(true);
    expect(hasHiddenCharacters('x\u202Ey')).toBe(true);
  });
});
