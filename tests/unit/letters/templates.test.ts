import { kazakhstanDemands } from '../../../src/modules/campaigns';
import type { LetterContext } from '../../../src/modules/letters/templates/letter-context';
import {
  compileTemplate,
  DEFAULT_LETTER,
  DIGEST_LETTER,
  isEmptyLetter,
  paragraphsHtml,
  renderDigest,
  sanitiseContext,
  validateTemplate,
  type TemplateParts,
} from '../../../src/modules/letters/templates/templates.engine';
import { buildLetterContext } from '../../../src/modules/letters/templates/templates.service';
import { AppError } from '../../../src/platform/errors';

const valid: TemplateParts = {
  subject: '{{campaign.title}}',
  html: '<p>{{delegation.salutation}}</p>\n<p>{{supporter.name}}</p>\n{{#if supporter.paragraph}}{{paragraphs supporter.paragraph}}{{/if}}',
  text: '{{delegation.salutation}}\n\n{{supporter.name}}\n{{#if supporter.paragraph}}\n{{supporter.paragraph}}\n{{/if}}',
};

function context(overrides: { supporter?: Partial<LetterContext['supporter']>; campaign?: Partial<LetterContext['campaign']> } = {}): LetterContext {
  return {
    campaign: { title: 'Kazakhstan: justice for Bloody January', slug: 'kazakhstan', ...overrides.campaign },
    source: { organisation: 'UN Watch', url: 'https://example.org/statement', date: null },
    demands: kazakhstanDemands.map((d) => ({ title: d.title, quote: d.quote })),
    supporter: { name: 'Aigerim', city: 'Almaty', country: 'Kazakhstan', countryCode: 'KZ', paragraph: null, ...overrides.supporter },
    delegation: { iso2: 'FR', country: 'France', mission: 'Permanent Mission of France', salutation: 'Excellency,' },
  };
}

describe('validateTemplate', () => {
  it('accepts the default letter and the digest', () => {
    expect(validateTemplate(DEFAULT_LETTER)).toEqual([]);
    expect(validateTemplate(DIGEST_LETTER, 'digest')).toEqual([]);
  });

  it('refuses an unknown variable and names its part and line', () => {
    const errors = validateTemplate({ ...valid, html: '<p>Hello</p>\n<p>\n{{supporter.email}}</p>' });
    expect(errors).toEqual([{ part: 'html', line: 3, message: expect.stringContaining('unknown variable "supporter.email"') }]);
  });

  it('refuses a variable that exists only inside {{#each demands}} when used outside it', () => {
    expect(validateTemplate({ ...valid, text: '{{quote}}' })).toEqual([
      { part: 'text', line: 1, message: expect.stringContaining('unknown variable "quote"') },
    ]);
    expect(validateTemplate({ ...valid, text: '{{@index}}' })[0]?.message).toContain('only exists inside {{#each}}');
  });

  it('accepts demand fields, @index and parent paths inside {{#each demands}}', () => {
    const text =
      '{{#each demands}}\n{{add1 @index}}. {{title}}{{#if @first}}!{{/if}}\n> {{this.quote}} ({{../source.organisation}}, {{@root.campaign.title}})\n{{/each}}';
    expect(validateTemplate({ ...valid, text })).toEqual([]);
  });

  it('refuses a syntax error with its line', () => {
    const errors = validateTemplate({ ...valid, text: 'Dear\n\n{{#if supporter.city}}\nfrom {{supporter.city}}\n' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ part: 'text', message: expect.stringMatching(/^syntax error/) });
    expect(errors[0]!.line).toBeGreaterThanOrEqual(4);
    expect(validateTemplate({ ...valid, html: '<p>\n{{campaign.title}</p>' })[0]).toMatchObject({ part: 'html', line: 2 });
  });

  it('refuses any supporter variable in the subject, even in a condition or through #with', () => {
    for (const subject of [
      '{{supporter.name}} writes',
      '{{#if supporter.city}}from a city{{/if}}',
      '{{#with supporter}}{{name}}{{/with}}',
      '{{@root.supporter.name}}',
    ]) {
      const errors = validateTemplate({ ...valid, subject });
      expect(errors).toEqual([expect.objectContaining({ part: 'subject', line: 1, message: expect.stringContaining('cannot appear in the subject') })]);
    }
  });

  it('refuses triple-stash of supporter fields in HTML but allows it for campaign fields', () => {
    const errors = validateTemplate({ ...valid, html: '<p>{{{campaign.title}}}</p>\n<p>{{{supporter.paragraph}}}</p>' });
    expect(errors).toEqual([{ part: 'html', line: 2, message: expect.stringContaining('must be escaped') }]);
    const throughHelper = validateTemplate({ ...valid, html: '{{{add1 supporter.name}}}\n{{{plural (add1 supporter.city) "a" "b"}}}' });
    expect(throughHelper).toEqual([
      { part: 'html', line: 1, message: expect.stringContaining('must be escaped') },
      { part: 'html', line: 2, message: expect.stringContaining('must be escaped') },
    ]);
    const nested = validateTemplate({ ...valid, html: '{{#with supporter}}{{#each ../demands}}\n{{{../name}}}{{/each}}{{/with}}' });
    expect(nested).toEqual([{ part: 'html', line: 2, message: expect.stringContaining('must be escaped') }]);
    const inWith = validateTemplate({ ...valid, html: '{{#with supporter}}\n{{{name}}}\n{{/with}}' });
    expect(inWith).toEqual([{ part: 'html', line: 2, message: expect.stringContaining('must be escaped') }]);
  });

  it('refuses partials, inline partials and decorators', () => {
    expect(validateTemplate({ ...valid, html: '{{> footer}}' })[0]?.message).toContain('partials');
    expect(validateTemplate({ ...valid, html: '{{#> layout}}x{{/layout}}' })[0]?.message).toContain('partials');
    expect(validateTemplate({ ...valid, html: '{{#*inline "x"}}y{{/inline}}' })[0]?.message).toContain('inline partials');
  });

  it('refuses helpers that are not allowed', () => {
    for (const html of [
      '{{lookup supporter "name"}}',
      '{{log campaign.title}}',
      '{{lookup}}',
      '{{#lookup demands 0}}x{{/lookup}}',
      '{{campaign.title.length}}',
      '{{#demands}}x{{/demands}}',
    ]) {
      expect(validateTemplate({ ...valid, html })).not.toEqual([]);
    }
    expect(validateTemplate({ ...valid, html: '{{log "x"}}' })[0]?.message).toContain('helper "log" is not allowed');
  });

  it('refuses outputting an object or a list, and iterating over anything but a list', () => {
    expect(validateTemplate({ ...valid, text: '{{supporter}}' })[0]?.message).toContain('not a single value');
    expect(validateTemplate({ ...valid, text: '{{#each supporter}}{{this}}{{/each}}' })[0]?.message).toContain('needs a list');
  });

  it('keeps the paragraphs helper to the HTML part', () => {
    expect(validateTemplate({ ...valid, text: '{{paragraphs supporter.paragraph}}' })[0]?.message).toContain('only be used in the html part');
  });

  it('reports several errors at once', () => {
    const errors = validateTemplate({ subject: '{{supporter.name}}', html: '{{nope}}', text: '{{#if}}' });
    expect(errors.map((e) => e.part)).toEqual(['subject', 'html', 'text']);
  });

  it('makes compileTemplate throw template_invalid with line errors', () => {
    try {
      compileTemplate({ ...valid, html: 'x\n{{nope}}' });
      throw new Error('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('template_invalid');
      expect((error as AppError).errors).toEqual([{ field: 'html line 2', message: expect.stringContaining('unknown variable "nope"') }]);
    }
  });
});

describe('rendering a letter', () => {
  const render = compileTemplate(valid);

  it('escapes what the supporter wrote in HTML and keeps it literal in text', () => {
    const letter = render(context({ supporter: { name: 'Eve <script>alert(1)</script>', paragraph: 'I <b>insist</b> & "mean" it.\n\n<script>x()</script>' } }));
    expect(letter.html).not.toContain('<script>');
    expect(letter.html).toContain('Eve &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(letter.html).toContain('<p>I &lt;b&gt;insist&lt;/b&gt; &amp; &quot;mean&quot; it.</p>');
    expect(letter.text).toContain('Eve <script>alert(1)</script>');
    expect(letter.text).toContain('I <b>insist</b> & "mean" it.\n\n<script>x()</script>');
  });

  it('keeps paragraphs: blank lines make <p>, single newlines <br>', () => {
    expect(paragraphsHtml('one\ntwo\r\n\r\n\n three <i>')).toBe('<p>one<br>\ntwo</p>\n<p>three &lt;i&gt;</p>');
  });

  it('strips control and bidirectional-override characters from supporter fields', () => {
    const letter = render(context({ supporter: { name: 'Ai\u0000ge\u202Erim\u200B', paragraph: 'a\u0007b\r\nc\u2066d' } }));
    expect(letter.text).toContain('Aigerim\n');
    expect(letter.text).toContain('ab\ncd');
    expect(letter.html).toContain('Aigerim');
    expect(sanitiseContext(context({ supporter: { city: 'Al\nmaty\t' } })).supporter.city).toBe('Al maty');
  });

  it('keeps the subject on one line even if the campaign title has line breaks', () => {
    const letter = render(context({ campaign: { title: '  Free\r\nthem\nBcc: x@example.org\u0085 ' } }));
    expect(letter.subject).toBe('Free them Bcc: x@example.org');
    expect(letter.subject).not.toMatch(/[\r\n]/);
  });

  it('does not HTML-escape the subject or the text body', () => {
    const letter = render(context({ campaign: { title: 'Rights & "justice"' } }));
    expect(letter.subject).toBe('Rights & "justice"');
  });

  it('detects a letter whose text says nothing', () => {
    const conditional = compileTemplate({ subject: 'x', html: '<p></p>', text: '{{#if supporter.paragraph}}{{supporter.paragraph}}{{/if}}\n  \n' });
    expect(isEmptyLetter(conditional(context()))).toBe(true);
    expect(isEmptyLetter(conditional(context({ supporter: { paragraph: '\u200B\u200B' } })))).toBe(true);
    expect(isEmptyLetter(conditional(context({ supporter: { paragraph: 'Free them.' } })))).toBe(false);
  });
});

describe('the default letter', () => {
  const letter = compileTemplate(DEFAULT_LETTER)(context({ supporter: { paragraph: 'My own words.' } }));

  it('quotes every one of the Kazakhstan demands verbatim, in HTML and in text', () => {
    expect(kazakhstanDemands).toHaveLength(7);
    for (const demand of kazakhstanDemands) {
      expect(letter.html).toContain(`<p style="margin: 0 0 .4em;">${demand.quote}</p>`);
      expect(letter.text).toContain(`> ${demand.quote}\n`);
    }
    expect(letter.html.match(/<blockquote/g)).toHaveLength(7);
    expect(letter.html.match(/<cite>/g)).toHaveLength(7);
  });

  it('addresses the delegation with its salutation and puts no supporter data in the subject', () => {
    expect(letter.text.startsWith('Excellency,\n')).toBe(true);
    expect(letter.subject).toBe('Kazakhstan: justice for Bloody January — a letter from a supporter');
    expect(letter.text).toContain('My own words.');
  });

  it('reads well without a city, country or paragraph', () => {
    const bare = compileTemplate(DEFAULT_LETTER)(context({ supporter: { city: null, country: null, countryCode: null } }));
    expect(bare.text).toContain('My name is Aigerim, and I write to you in support of the campaign');
    expect(bare.text).not.toContain('In my own words');
  });
});

describe('buildLetterContext', () => {
  it("turns rows into the template context with the country name in the letter's language", () => {
    const ctx = buildLetterContext({
      campaign: { title: 'T', slug: 's', sourceOrganisation: 'UN Watch', sourceUrl: null, statementDate: new Date('2025-06-17T00:00:00Z') },
      demands: [{ title: 'D', quote: 'Q' }],
      target: { iso2: 'FR', country: 'France', missionName: 'Mission', salutation: 'Excellency,' },
      supporter: { name: 'A', city: '', countryCode: 'de', paragraph: undefined },
      language: 'fr',
    });
    expect(ctx).toEqual({
      campaign: { title: 'T', slug: 's' },
      source: { organisation: 'UN Watch', url: null, date: '2025-06-17' },
      demands: [{ title: 'D', quote: 'Q' }],
      supporter: { name: 'A', city: null, country: 'Allemagne', countryCode: 'DE', paragraph: null },
      delegation: { iso2: 'FR', country: 'France', mission: 'Mission', salutation: 'Excellency,' },
    });
  });
});

describe('renderDigest', () => {
  it('counts the supporters, quotes the demands once and escapes each paragraph in HTML', () => {
    const { supporter: _unused, ...base } = context();
    const digest = renderDigest({
      ...base,
      period: { from: '2026-03-01', to: '2026-03-02' },
      count: 1,
      entries: [{ name: 'Eve <img src=x>', country: 'Kazakhstan', paragraph: '<script>x</script>' }],
    });
    expect(digest.subject).toBe('Kazakhstan: justice for Bloody January — 1 letter to your delegation, 2026-03-01 to 2026-03-02');
    expect(digest.text).toContain('1 supporter of the campaign');
    for (const demand of kazakhstanDemands) expect(digest.text.split(demand.quote)).toHaveLength(2);
    expect(digest.html).not.toContain('<script>');
    expect(digest.html).not.toContain('<img');
    expect(digest.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(digest.text).toContain('1. Eve <img src=x> (Kazakhstan)');
  });
});
