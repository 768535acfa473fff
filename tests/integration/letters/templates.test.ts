import { randomUUID } from 'node:crypto';
import { kazakhstanDemands } from '../../../src/modules/campaigns';
import { DEFAULT_LETTER } from '../../../src/modules/letters/templates/templates.engine';
import { getLetterRenderer, seedDefaultTemplate } from '../../../src/modules/letters/templates/templates.service';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';

const TOKEN = 'x'.repeat(40);
const auth = { authorization: `Bearer ${TOKEN}` };
// Targets are global (unique by iso2): Tuvalu is not on the Council, so no seed or import here uses it.
const TARGET_ISO2 = 'TV';
const ABSENT_ISO2 = 'AQ';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ ADMIN_API_TOKEN: TOKEN });
  const target = {
    country: 'Tuvalu',
    unGroup: 'Asia-Pacific',
    missionName: 'Permanent Mission of Tuvalu',
    salutation: 'Excellency',
    preferredLanguage: 'en',
    active: true,
  };
  // With an address, as every active delegation has one (other files export and re-import them all).
  await api.platform.db.target.upsert({
    where: { iso2: TARGET_ISO2 },
    create: { iso2: TARGET_ISO2, ...target, addresses: { create: [{ email: 'mission.tv@delegations.example.org', placeholder: true }] } },
    update: target,
  });
  await api.platform.db.target.deleteMany({ where: { iso2: ABSENT_ISO2, letters: { none: {} } } });
});

afterAll(async () => {
  await api.close();
});

async function send(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown, headers: Record<string, string> = auth) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', json: text ? JSON.parse(text) : undefined };
}

const template = {
  subject: 'To {{delegation.country}}: {{campaign.title}}',
  html: '<p>{{delegation.salutation}},</p>\n{{#each demands}}<blockquote>{{quote}}</blockquote>{{/each}}\n<p>{{supporter.name}}</p>\n{{paragraphs supporter.paragraph}}',
  text: '{{delegation.salutation}},\n{{#each demands}}\n> {{quote}}\n{{/each}}\n{{supporter.name}}{{#if supporter.country}} ({{supporter.country}}){{/if}}\n',
};

describe('letter templates', () => {
  let campaign: TestCampaign;
  let base: string;
  beforeEach(async () => {
    campaign = await createCampaign(api.platform.db);
    base = `/api/admin/campaigns/${campaign.slug}/letter-template`;
  });

  it('refuses the admin routes without the token or with a wrong one', async () => {
    expect((await send('GET', base, undefined, {})).status).toBe(401);
    expect((await send('PUT', base, template, {})).status).toBe(401);
    expect((await send('POST', `${base}/preview`, { iso2: TARGET_ISO2, supporter: { name: 'A' } }, {})).status).toBe(401);
    const wrong = await send('PUT', base, template, { authorization: `Bearer ${'y'.repeat(40)}` });
    expect(wrong.status).toBe(401);
    expect(await api.platform.db.letterTemplate.count({ where: { campaignId: campaign.id } })).toBe(0);
  });

  it('answers a template with an unknown variable with 422 naming the line, and saves nothing', async () => {
    const answer = await send('PUT', base, { ...template, html: '<p>Hello</p>\n<p>{{supporter.email}}</p>' });
    expect(answer.status).toBe(422);
    expect(answer.type).toContain('application/problem+json');
    expect(answer.json).toMatchObject({ code: 'template_invalid', status: 422 });
    expect(answer.json.errors).toEqual([{ field: 'html line 2', message: expect.stringContaining('unknown variable "supporter.email"') }]);
    expect(await api.platform.db.letterTemplate.count({ where: { campaignId: campaign.id } })).toBe(0);
  });

  it('refuses supporter data in the subject', async () => {
    const answer = await send('PUT', base, { ...template, subject: 'From {{supporter.name}}' });
    expect(answer.status).toBe(422);
    expect(answer.json.errors).toEqual([{ field: 'subject line 1', message: expect.stringContaining('cannot appear in the subject') }]);
  });

  it('saves a valid template, returns it, and renders it in both previews', async () => {
    expect((await send('GET', base)).json).toMatchObject({ origin: 'default', subject: DEFAULT_LETTER.subject });

    const saved = await send('PUT', base, template);
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({ language: 'en', origin: 'campaign', ...template });
    expect((await send('GET', base)).json).toMatchObject({ origin: 'campaign', ...template });

    const supporter = { name: 'Eve <b>', city: 'Almaty', country: 'kz', paragraph: 'One\r\n\r\nTwo <i>' };
    const admin = await send('POST', `${base}/preview`, { iso2: TARGET_ISO2, supporter });
    expect(admin.status).toBe(200);
    expect(admin.json.subject).toBe(`To Tuvalu: Test campaign ${campaign.slug.slice(5)}`);
    expect(admin.json.text).toBe('Excellency,\n> Free the prisoners now.\nEve <b> (Kazakhstan)\n');
    expect(admin.json.html).toContain('<p>Eve &lt;b&gt;</p>\n<p>One</p>\n<p>Two &lt;i&gt;</p>');

    const pub = await postJson(`${api.url}/api/campaigns/${campaign.slug}/letters/preview`, { iso2: TARGET_ISO2.toLowerCase(), ...supporter });
    expect(pub.status).toBe(200);
    expect(pub.json).toEqual(admin.json);
  });

  it('previews an unsaved template for the admin without storing it, and refuses a broken one', async () => {
    const answer = await send('POST', `${base}/preview`, {
      iso2: TARGET_ISO2,
      supporter: { name: 'A' },
      template: { ...template, text: 'Only {{supporter.name}}' },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.text).toBe('Only A');
    const broken = await send('POST', `${base}/preview`, { iso2: TARGET_ISO2, supporter: { name: 'A' }, template: { ...template, text: '{{#if}}' } });
    expect(broken.status).toBe(422);
    expect(broken.json.errors[0].field).toMatch(/^text line \d+$/);
    expect(await api.platform.db.letterTemplate.count({ where: { campaignId: campaign.id } })).toBe(0);
  });

  it('renders the default letter in the public preview when the campaign has no template', async () => {
    const slug = `test-kz-${randomUUID().slice(0, 8)}`;
    await api.platform.db.campaign.create({
      data: {
        slug,
        title: 'Kazakhstan: justice for Bloody January',
        statement: 'See the source.',
        sourceOrganisation: 'UN Watch',
        status: 'live',
        signatureGoal: 10,
        senderName: 'Test',
        senderEmail: 'campaign@clarion.example',
        demands: { create: kazakhstanDemands.map((demand, index) => ({ position: index + 1, ...demand })) },
      },
    });
    const answer = await postJson(`${api.url}/api/campaigns/${slug}/letters/preview`, {
      iso2: TARGET_ISO2,
      name: 'Aigerim',
      country: 'KZ',
      paragraph: '<script>alert(1)</script>',
    });
    expect(answer.status).toBe(200);
    const letter = answer.json as { subject: string; html: string; text: string };
    expect(letter.subject).toBe('Kazakhstan: justice for Bloody January — a letter from a supporter');
    expect(letter.text.startsWith('Excellency,\n\nMy name is Aigerim, and I write to you from Kazakhstan,')).toBe(true);
    expect(letter.html).not.toContain('<script>');
    expect(letter.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(letter.text).toContain('<script>alert(1)</script>');
    for (const demand of kazakhstanDemands) {
      expect(letter.text).toContain(`> ${demand.quote}\n`);
      expect(letter.html).toContain(`${demand.quote}</p>`);
    }
  });

  it('answers 404 for an unknown delegation, an unknown campaign or a draft, and 400 for bad fields', async () => {
    const url = (slug: string) => `${api.url}/api/campaigns/${slug}/letters/preview`;
    const unknownTarget = await postJson(url(campaign.slug), { iso2: ABSENT_ISO2, name: 'A' });
    expect(unknownTarget.status).toBe(404);
    expect(unknownTarget.json).toMatchObject({ code: 'target_not_found' });
    expect((await postJson(url('no-such-campaign'), { iso2: TARGET_ISO2, name: 'A' })).json).toMatchObject({ status: 404, code: 'campaign_not_found' });
    const draft = await createCampaign(api.platform.db, { status: 'draft' });
    expect((await postJson(url(draft.slug), { iso2: TARGET_ISO2, name: 'A' })).status).toBe(404);

    const unknownField = await postJson(url(campaign.slug), { iso2: TARGET_ISO2, name: 'A', email: 'a@example.org' });
    expect(unknownField.status).toBe(400);
    const tooLong = await postJson(url(campaign.slug), { iso2: TARGET_ISO2, name: 'A', paragraph: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect((tooLong.json as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('paragraph');
    expect((await postJson(url(campaign.slug), { iso2: 'ZZ', name: 'A' })).status).toBe(400);
    expect((await postJson(url(campaign.slug), { iso2: TARGET_ISO2, name: 'x'.repeat(101) })).status).toBe(400);
  });
});

describe('seedDefaultTemplate and getLetterRenderer', () => {
  it('creates the English template once and never overwrites one an admin saved', async () => {
    const campaign = await createCampaign(api.platform.db);
    expect(await seedDefaultTemplate(api.platform.db, campaign.id)).toBe(true);
    expect(await seedDefaultTemplate(api.platform.db, campaign.id)).toBe(false);
    const rows = await api.platform.db.letterTemplate.findMany({ where: { campaignId: campaign.id } });
    expect(rows).toEqual([expect.objectContaining({ language: 'en', subject: DEFAULT_LETTER.subject, html: DEFAULT_LETTER.html })]);

    await api.platform.db.letterTemplate.update({ where: { id: rows[0]!.id }, data: { subject: 'Edited {{campaign.slug}}' } });
    expect(await seedDefaultTemplate(api.platform.db, campaign.id)).toBe(false);
    expect((await api.platform.db.letterTemplate.findUniqueOrThrow({ where: { id: rows[0]!.id } })).subject).toBe('Edited {{campaign.slug}}');
  });

  it('falls back to the English template for another language and picks up an edit', async () => {
    const campaign = await createCampaign(api.platform.db);
    await send('PUT', `/api/admin/campaigns/${campaign.slug}/letter-template`, { ...template, subject: 'First {{campaign.slug}}' });
    const first = await getLetterRenderer(api.platform.db, campaign.id, 'fr');
    expect(first.language).toBe('en');
    await send('PUT', `/api/admin/campaigns/${campaign.slug}/letter-template`, { ...template, subject: 'Second {{campaign.slug}}' });
    await send('PUT', `/api/admin/campaigns/${campaign.slug}/letter-template`, { ...template, language: 'fr', subject: 'Français {{campaign.slug}}' });
    const ctx = {
      campaign: { title: 'T', slug: 's' },
      source: { organisation: 'O', url: null, date: null },
      demands: [],
      supporter: { name: 'N', city: null, country: null, countryCode: null, paragraph: null },
      delegation: { iso2: 'TV', country: 'Tuvalu', mission: 'M', salutation: 'Excellency' },
    };
    expect((await getLetterRenderer(api.platform.db, campaign.id, 'en'))(ctx).subject).toBe('Second s');
    const fr = await getLetterRenderer(api.platform.db, campaign.id, 'fr');
    expect(fr.language).toBe('fr');
    expect(fr(ctx).subject).toBe('Français s');
  });
});
