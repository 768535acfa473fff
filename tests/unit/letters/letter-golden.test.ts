/**
 * Golden files for the letters Clarion sends to delegations: the default letter and the digest,
 * rendered for one fixed sample (the Kazakhstan campaign, France's delegation, a supporter from
 * Almaty). A template change shows up as a diff of tests/golden/*.
 *
 * After an intended change, rewrite the files and review the diff before committing:
 *
 *   UPDATE_GOLDEN=1 npm test -- tests/unit/letters/letter-golden.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { kazakhstanDemands } from '../../../src/modules/campaigns';
import type { RenderedLetter } from '../../../src/modules/letters/templates/letter-context';
import { compileTemplate, DEFAULT_LETTER, renderDigest } from '../../../src/modules/letters/templates/templates.engine';
import { buildLetterContext } from '../../../src/modules/letters/templates/templates.service';

const GOLDEN_DIR = path.resolve(__dirname, '..', '..', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const campaign = {
  title: 'Kazakhstan: justice for Bloody January',
  slug: 'kazakhstan',
  sourceOrganisation: 'UN Watch',
  sourceUrl: 'https://www.miragenews.com/kazakhstan-confronted-at-un-over-human-rights-1492435',
  statementDate: null,
};
const france = {
  iso2: 'FR',
  country: 'France',
  missionName: 'Permanent Mission of France to the United Nations Office at Geneva',
  salutation: 'Excellency',
};
const paragraph =
  'I was in Almaty in January 2022. I saw people who had come out peacefully to ask for cheaper fuel, and I later learned that some of them never came home.\n\n' +
  'Their families still wait for the truth.\nAn independent inquiry is the least the Council owes them.';

/** Text goldens carry the subject too, so the header line is reviewed with the body. */
function asText(letter: RenderedLetter): string {
  return `Subject: ${letter.subject}\n\n${letter.text}`;
}

function expectGolden(name: string, actual: string): void {
  const file = path.join(GOLDEN_DIR, name);
  if (UPDATE) {
    fs.mkdirSync(GOLDEN_DIR, { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) throw new Error(`${name} is missing: run with UPDATE_GOLDEN=1 to create it`);
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

describe('letter golden files', () => {
  it('renders the default letter to France from a supporter in Almaty as recorded', () => {
    const ctx = buildLetterContext({
      campaign,
      demands: kazakhstanDemands,
      target: france,
      supporter: { name: 'Aigerim Nurlanovna', city: 'Almaty', countryCode: 'KZ', paragraph },
    });
    const letter = compileTemplate(DEFAULT_LETTER)(ctx);
    expectGolden('default-letter.html', letter.html);
    expectGolden('default-letter.txt', asText(letter));
  });

  it("renders a day's digest to France as recorded", () => {
    const { supporter: _none, ...base } = buildLetterContext({ campaign, demands: kazakhstanDemands, target: france, supporter: { name: '' } });
    const digest = renderDigest({
      ...base,
      period: { from: '2026-03-02', to: '2026-03-03' },
      count: 3,
      entries: [
        { name: 'Aigerim Nurlanovna', country: 'Kazakhstan', paragraph },
        { name: 'Jean Dupont', country: 'France', paragraph: null },
        { name: 'Maria Ortega & family', country: null, paragraph: 'We stand with the people of Kazakhstan.' },
      ],
    });
    expectGolden('digest-letter.html', digest.html);
    expectGolden('digest-letter.txt', asText(digest));
  });
});
