/**
 * What a letter template can see. Supporter fields are what the supporter typed (control
 * characters already stripped); templates escape them in HTML. Nothing here reaches a header
 * except through nodemailer's encoding of the From display name.
 */
export interface LetterContext {
  campaign: { title: string; slug: string };
  source: { organisation: string; url: string | null; date: string | null };
  /**
   * In the campaign's order; titles in the letter's language when the campaign has that
   * translation. Quotes are verbatim from the statement, in its original language; a letter in
   * another language shows `quoteTranslation` (unofficial) beside them, or null when there is none.
   */
  demands: LetterDemand[];
  supporter: {
    name: string;
    city: string | null;
    /** Country name in the letter's language, or null. */
    country: string | null;
    countryCode: string | null;
    paragraph: string | null;
  };
  delegation: { iso2: string; country: string; mission: string; salutation: string };
}

export interface LetterDemand {
  title: string;
  quote: string;
  /** Optional to build, always present (null when absent) once rendering has cleaned the context. */
  quoteTranslation?: string | null;
}

export interface RenderedLetter {
  subject: string;
  html: string;
  text: string;
}

/** A digest: every letter to one delegation over a period, as one message. */
export interface DigestContext {
  campaign: { title: string; slug: string };
  source: { organisation: string; url: string | null; date: string | null };
  demands: LetterDemand[];
  delegation: { iso2: string; country: string; mission: string; salutation: string };
  period: { from: string; to: string };
  count: number;
  entries: Array<{ name: string; country: string | null; paragraph: string | null }>;
}
