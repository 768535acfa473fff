import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../platform/db';

/**
 * The Kazakhstan campaign, from UN Watch's statement at the Human Rights Council
 * (prisma/seed/kazakhstan-statement.txt, a verbatim copy of the source text). Every demand's quote
 * is copied from the statement character for character; a test holds us to it.
 */
export const KAZAKHSTAN_SLUG = 'kazakhstan';
export const KAZAKHSTAN_CONSENT_WORDING_ID = 'kazakhstan-consent-v1';

export const statementFile = path.resolve(__dirname, '..', '..', '..', 'prisma', 'seed', 'kazakhstan-statement.txt');

/** The speech itself: between "Full Speech:" and the republisher's footer. */
export function extractSpeech(source: string): string {
  const start = source.indexOf('Mr. Chair,');
  const end = source.indexOf('Thank you.', start);
  if (start < 0 || end < 0) throw new Error('statement file does not contain the speech');
  return source
    .slice(start, end + 'Thank you.'.length)
    .replace(/\r\n/g, '\n')
    .trim();
}

export const kazakhstanDemands = [
  {
    title: 'An independent international inquiry into Bloody January',
    quote:
      'There are credible allegations of torture and excessive force. And yet, more than three years later Kazakhstan has persistently refused an independent international inquiry into what has become known as Bloody January.',
  },
  {
    title: 'Let people assemble peacefully; end the preventative detention of activists',
    quote:
      'Despite claims of democratic reforms and robust human rights protection peaceful assembly is arbitrarily denied. Activists frequently face preventative detention.',
  },
  {
    title: 'No jail for defamation',
    quote:
      'Although Kazakhstan formally removed defamation from the criminal code in 2020 it was transferred to the administrative code punishable by up to 20 days of administrative arrest. The label may have changed but not the reality. Jail is being used to stifle dissent.',
  },
  {
    title: 'Stop turning extremism laws against civil society',
    quote: 'Vague laws on extremism are weaponized against civil society.',
  },
  {
    title: 'Protect ethnic minorities and migrant workers',
    quote:
      'Major segments of society face persecution, particularly ethnic minority groups and migrant workers who are often undocumented and frequently exploited.',
  },
  {
    title: 'Comprehensive anti-discrimination legislation',
    quote:
      'it is time for the United Nations to demand that Kazakhstan adopt comprehensive legislation prohibiting discrimination on the grounds of age, disability, ethnicity, religion, sexual orientation, and gender identity.',
  },
  {
    title: 'Real, verifiable change, not rhetoric',
    quote:
      'True human rights adherence demands real, verifiable change not just rhetoric. We ask the United Nations: When will you act for the people of Kazakhstan?',
  },
] as const;

/** Shown above the statement; the statement itself stays verbatim. */
export const kazakhstanSummary =
  "In a statement to the UN Human Rights Council, UN Watch condemned Kazakhstan's human rights record: the deadly crackdown on the " +
  'January 2022 protests known as Bloody January and the refusal of an independent international inquiry, the arbitrary denial of ' +
  'peaceful assembly, jail for defamation, extremism laws turned against civil society, and the persecution of ethnic minorities and ' +
  "migrant workers. Sign, and ask the Council's delegations to act.";

export const kazakhstanConsentText =
  'I sign this petition. My name and country will be handed over with it to the delegations of the UN Human Rights Council. ' +
  'My email address is used to confirm my signature and, only if I tick the box, to tell me how this campaign goes. ' +
  'I can ask for my data to be erased at any time.';

/**
 * Creates what is missing and touches nothing else: every `npm start` runs it, and a rerun must
 * never revert what admins changed in the dashboard (title, goal, sender, demands). An existing
 * campaign is left exactly as it is; only its seeded consent wording is created if it is gone.
 */
export async function seedKazakhstanCampaign(db: Db, statementSource = fs.readFileSync(statementFile, 'utf8')): Promise<string> {
  const statement = extractSpeech(statementSource);
  for (const demand of kazakhstanDemands) {
    if (!statement.includes(demand.quote)) throw new Error(`demand "${demand.title}" is not quoted verbatim from the statement`);
  }
  return db.$transaction(async (tx) => {
    const fields = {
      title: 'Kazakhstan: justice for Bloody January',
      summary: kazakhstanSummary,
      language: 'en',
      statement,
      sourceOrganisation: 'UN Watch',
      sourceUrl: 'https://www.miragenews.com/kazakhstan-confronted-at-un-over-human-rights-1492435',
      signatureGoal: 10_000,
      senderName: 'Clarion campaign for Kazakhstan',
      // A reserved example domain (RFC 2606): a deployment sets its verified sender.
      senderEmail: 'kazakhstan@campaigns.example.org',
    };
    const existing = await tx.campaign.findUnique({ where: { slug: KAZAKHSTAN_SLUG }, select: { id: true } });
    const campaign =
      existing ??
      (await tx.campaign.create({
        data: {
          slug: KAZAKHSTAN_SLUG,
          status: 'live',
          ...fields,
          demands: { create: kazakhstanDemands.map((demand, index) => ({ position: index + 1, ...demand })) },
        },
        select: { id: true },
      }));
    // Consent wordings are evidence: an existing one is never rewritten.
    await tx.consentWording.upsert({
      where: { id: KAZAKHSTAN_CONSENT_WORDING_ID },
      create: { id: KAZAKHSTAN_CONSENT_WORDING_ID, campaignId: campaign.id, text: kazakhstanConsentText },
      update: {},
    });
    return campaign.id;
  });
}
