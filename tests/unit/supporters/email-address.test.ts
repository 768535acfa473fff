import { MAILBOX_ALIAS_PROVIDERS, canonicalEmail, emailDomain, normaliseEmail } from '../../../src/modules/supporters/email-address';

describe('normaliseEmail', () => {
  describe('accepts and normalises valid addresses', () => {
    it.each<[string, string, string]>([
      ['a plain address unchanged', 'jane@example.org', 'jane@example.org'],
      ['the whole address lower-cased', 'Jane.Doe@Example.ORG', 'jane.doe@example.org'],
      ['surrounding whitespace trimmed', '  jane@example.org\n\t', 'jane@example.org'],
      ['a +tag kept for sending', 'jane+petition@example.org', 'jane+petition@example.org'],
      ['RFC 5322 atext characters kept', "a!#$%&'*+-/=?^_`{|}~z@example.org", "a!#$%&'*+-/=?^_`{|}~z@example.org"],
      ['a single-character local part', 'x@example.org', 'x@example.org'],
      ['a subdomain', 'jane@mail.lists.example.org', 'jane@mail.lists.example.org'],
      ['hyphens inside domain labels', 'jane@my-org.example-domain.org', 'jane@my-org.example-domain.org'],
      ['digits in labels other than the TLD', 'jane@123.example.org', 'jane@123.example.org'],
      ['an existing punycode domain unchanged', 'user@XN--BCHER-KVA.example', 'user@xn--bcher-kva.example'],
      ['a German IDN domain converted to punycode', 'user@bücher.example', 'user@xn--bcher-kva.example'],
      ['a Cyrillic address with UTF-8 local part and punycode domain', 'почта@пример.рф', 'почта@xn--e1afmkfd.xn--p1ai'],
      ['an upper-case Cyrillic local part lower-cased', 'ПОЧТА@ПРИМЕР.РФ', 'почта@xn--e1afmkfd.xn--p1ai'],
      ['a Japanese address', 'ユーザー@例え.テスト', 'ユーザー@xn--r8jz45g.xn--zckzah'],
      ['a decomposed local part composed to NFC', 'rene\u0301@example.org', 'ren\u00e9@example.org'],
      ['an ideographic full stop in the domain mapped to a dot', 'jane@example\u3002org', 'jane@example.org'],
      ['full-width domain letters mapped to ASCII', 'jane@ＥＸＡＭＰＬＥ.org', 'jane@example.org'],
      ['a local part of exactly 64 octets', `${'a'.repeat(64)}@example.org`, `${'a'.repeat(64)}@example.org`],
      ['a domain label of exactly 63 characters', `jane@${'b'.repeat(63)}.org`, `jane@${'b'.repeat(63)}.org`],
    ])('returns %s', (_what, input, expected) => {
      expect(normaliseEmail(input)).toBe(expected);
    });

    it('accepts an address of exactly 254 octets', () => {
      const domain = `${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(57)}.org`; // 189 characters
      const address = `${'a'.repeat(64)}@${domain}`;
      expect(address).toHaveLength(254);
      expect(normaliseEmail(address)).toBe(address);
    });

    it('is idempotent: normalising a normalised address returns it unchanged', () => {
      for (const input of ['J.Doe+x@GMAIL.com', 'user@bücher.example', 'ПОЧТА@пример.рф']) {
        const once = normaliseEmail(input);
        expect(once).not.toBeNull();
        expect(normaliseEmail(once!)).toBe(once);
      }
    });
  });

  describe('rejects invalid addresses', () => {
    it.each<[string, string]>([
      ['an empty string', ''],
      ['only whitespace', '   '],
      ['a space in the local part', 'jane doe@example.org'],
      ['a space in the domain', 'jane@exam ple.org'],
      ['a space around the @', 'jane @example.org'],
      ['a tab inside', 'jane\t@example.org'],
      ['a newline inside (header injection)', 'jane@example.org\nBcc: victim@example.org'],
      ['a carriage return inside', 'jane\r@example.org'],
      ['a NUL character', 'jane\u0000@example.org'],
      ['a zero-width space', 'ja\u200bne@example.org'],
      ['a zero-width joiner in the domain', 'jane@exa\u200dmple.org'],
      ['a soft hyphen in the domain', 'jane@exa\u00admple.org'],
      ['a right-to-left override', 'jane\u202e@example.org'],
      ['a non-breaking space', 'jane\u00a0doe@example.org'],
      ['no @', 'jane.example.org'],
      ['two @', 'jane@doe@example.org'],
      ['a quoted local part', '"jane@doe"@example.org'],
      ['a quoted local part without @ inside', '"jane doe"@example.org'],
      ['an empty local part', '@example.org'],
      ['an empty domain', 'jane@'],
      ['a local part of 65 octets', `${'a'.repeat(65)}@example.org`],
      ['a UTF-8 local part over 64 octets but under 64 characters', `${'é'.repeat(33)}@example.org`],
      ['a leading dot in the local part', '.jane@example.org'],
      ['a trailing dot in the local part', 'jane.@example.org'],
      ['consecutive dots in the local part', 'jane..doe@example.org'],
      ['a domain without a dot (missing TLD)', 'jane@localhost'],
      ['a domain with a trailing dot', 'jane@example.org.'],
      ['a domain with a leading dot', 'jane@.example.org'],
      ['consecutive dots in the domain', 'jane@example..org'],
      ['a label starting with a hyphen', 'jane@-example.org'],
      ['a label ending with a hyphen', 'jane@example-.org'],
      ['a label of 64 characters', `jane@${'b'.repeat(64)}.org`],
      ['an underscore in the domain', 'jane@exa_mple.org'],
      ['a percent escape in the domain', 'jane@exa%41mple.org'],
      ['an all-numeric TLD', 'jane@example.123'],
      ['an IPv4 address as domain', 'jane@192.168.0.1'],
      ['a hexadecimal IPv4 address as domain', 'jane@0x7f.1'],
      ['an IPv4 literal', 'jane@[192.168.0.1]'],
      ['an IPv6 literal', 'jane@[IPv6:2001:db8::1]'],
      ['a <script> tag', '<script>alert(1)</script>@example.org'],
      ['angle brackets around the address', '<jane@example.org>'],
      ['a display name', 'Jane Doe <jane@example.org>'],
      ['a comment', 'jane(comment)@example.org'],
      ['a comma-separated list', 'jane@example.org,joe@example.org'],
      ['a semicolon', 'jane;@example.org'],
      ['a backslash', 'ja\\ne@example.org'],
      ['a colon in the domain (port)', 'jane@example.org:25'],
      ['a slash in the domain', 'jane@example.org/path'],
      ['invalid punycode in the domain', 'jane@xn--zz.org'],
      ['an emoji in the local part', 'jane🙂@example.org'],
      ['a mailto: URL', 'mailto:jane@example.org'],
    ])('returns null for %s', (_what, input) => {
      expect(normaliseEmail(input)).toBeNull();
    });

    it('returns null for an address longer than 254 octets', () => {
      const domain = `${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(58)}.org`; // 190 characters
      const address = `${'a'.repeat(64)}@${domain}`;
      expect(address).toHaveLength(255);
      expect(normaliseEmail(address)).toBeNull();
    });

    it('returns null for a domain longer than 253 characters', () => {
      const domain = `${Array.from({ length: 4 }, () => 'c'.repeat(63)).join('.')}.org`;
      expect(normaliseEmail(`a@${domain}`)).toBeNull();
    });

    it('returns null for a huge input without hanging', () => {
      expect(normaliseEmail(`${'a'.repeat(100_000)}@example.org`)).toBeNull();
    });
  });
});

describe('canonicalEmail', () => {
  it.each<[string, string, string]>([
    ['removes dots and the +tag for gmail.com', 'j.doe+petition@gmail.com', 'jdoe@gmail.com'],
    ['maps googlemail.com to gmail.com', 'jdoe@googlemail.com', 'jdoe@gmail.com'],
    ['removes dots and the +tag for googlemail.com', 'j.d.o.e+x@googlemail.com', 'jdoe@gmail.com'],
    ['strips only from the first + for gmail.com', 'jdoe+a+b@gmail.com', 'jdoe@gmail.com'],
    ['keeps a gmail local part that starts with +', '+tag@gmail.com', '+tag@gmail.com'],
    ['removes the +tag for outlook.com', 'a+b@outlook.com', 'a@outlook.com'],
    ['keeps dots for outlook.com', 'first.last+b@outlook.com', 'first.last@outlook.com'],
    ['removes the +tag for hotmail.com', 'a+news@hotmail.com', 'a@hotmail.com'],
    ['removes the +tag for live.com', 'a+news@live.com', 'a@live.com'],
    ['removes the +tag for icloud.com', 'a+news@icloud.com', 'a@icloud.com'],
    ['removes the +tag for me.com', 'a+news@me.com', 'a@me.com'],
    ['removes the +tag for fastmail.com', 'a+news@fastmail.com', 'a@fastmail.com'],
    ['removes the +tag for protonmail.com', 'a+news@protonmail.com', 'a@protonmail.com'],
    ['removes the +tag for proton.me', 'a+news@proton.me', 'a@proton.me'],
    ['removes the +tag for pm.me', 'a+news@pm.me', 'a@pm.me'],
    ['removes the +tag for yandex.ru', 'a+news@yandex.ru', 'a@yandex.ru'],
    ['removes the +tag for yandex.com', 'a+news@yandex.com', 'a@yandex.com'],
    ['removes the +tag for mail.ru', 'a+news@mail.ru', 'a@mail.ru'],
    ['removes the -tag for yahoo.com', 'base-petition@yahoo.com', 'base@yahoo.com'],
    ['keeps a +tag for yahoo.com (not a Yahoo sub-address)', 'a+b@yahoo.com', 'a+b@yahoo.com'],
    ['keeps dots for yahoo.com', 'first.last@yahoo.com', 'first.last@yahoo.com'],
    ['leaves other domains unchanged', 'first.last+x@example.org', 'first.last+x@example.org'],
    ['does not treat a gmail.com subdomain as Gmail', 'j.doe+x@mail.gmail.com', 'j.doe+x@mail.gmail.com'],
    ['does not treat a lookalike domain as Gmail', 'j.doe+x@gmail.com.example', 'j.doe+x@gmail.com.example'],
    ['leaves an IDN address unchanged', 'почта+x@xn--e1afmkfd.xn--p1ai', 'почта+x@xn--e1afmkfd.xn--p1ai'],
  ])('%s', (_what, input, expected) => {
    expect(canonicalEmail(input)).toBe(expected);
  });

  it.each<[string, string]>([
    ['J.Doe+petition@GMAIL.com', 'jdoe@gmail.com'],
    ['jdoe@googlemail.com', 'jdoe@gmail.com'],
    ['JDOE@gmail.com', 'jdoe@gmail.com'],
    ['first.last+x@Example.ORG', 'first.last+x@example.org'],
  ])('folds normaliseEmail(%j) to %j', (input, expected) => {
    expect(canonicalEmail(normaliseEmail(input)!)).toBe(expected);
  });

  it('gives the same key to every Gmail spelling of one mailbox', () => {
    const spellings = ['J.Doe+petition@GMAIL.com', 'jdoe@googlemail.com', 'j.d.o.e@gmail.com', 'jdoe+x@googlemail.com'];
    const keys = new Set(spellings.map((s) => canonicalEmail(normaliseEmail(s)!)));
    expect([...keys]).toEqual(['jdoe@gmail.com']);
  });

  it('is idempotent', () => {
    for (const address of ['j.doe+x@gmail.com', 'a+b@outlook.com', 'base-x@yahoo.com', 'a.b+c@example.org']) {
      const once = canonicalEmail(address);
      expect(canonicalEmail(once)).toBe(once);
    }
  });

  it('lower-cases defensively even when given a non-normalised address', () => {
    expect(canonicalEmail('A+B@Outlook.COM')).toBe('a@outlook.com');
  });

  it('documents every provider in one table keyed by lower-case domain', () => {
    expect(MAILBOX_ALIAS_PROVIDERS.size).toBeGreaterThanOrEqual(15);
    for (const domain of MAILBOX_ALIAS_PROVIDERS.keys()) {
      expect(normaliseEmail(`a@${domain}`)).toBe(`a@${domain}`);
    }
  });
});

describe('emailDomain', () => {
  it.each<[string, string]>([
    ['jane@example.org', 'example.org'],
    ['user@xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['почта@xn--e1afmkfd.xn--p1ai', 'xn--e1afmkfd.xn--p1ai'],
    ['a+b@mail.example.co.uk', 'mail.example.co.uk'],
  ])('returns the part after the @ of %j', (address, expected) => {
    expect(emailDomain(address)).toBe(expected);
  });

  it('returns the punycode domain of a normalised IDN address', () => {
    expect(emailDomain(normaliseEmail('user@bücher.example')!)).toBe('xn--bcher-kva.example');
  });
});
