import { call, logIn, makeAccount, makeToken } from '../../support/admin';
import { createCampaign, signingBody } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';

/** Campaign management through /api/admin/campaigns, as an editor's script would use it. */
let api: TestApi;
let editor: Record<string, string>;
let viewer: Record<string, string>;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  const owner = await makeAccount(api.platform.db, 'owner');
  const session = await logIn(api.url, owner.email, owner.password);
  editor = { authorization: `Bearer ${(await makeToken(api.url, session, 'editor')).token}` };
  viewer = { authorization: `Bearer ${(await makeToken(api.url, session, 'viewer')).token}` };
});
afterAll(async () => {
  await api.close();
});

const STATEMENT = 'The Council must act.\nFree the prisoners now. Open an independent inquiry into January.';
let n = 0;
function draft(overrides: Record<string, unknown> = {}) {
  n += 1;
  return {
    slug: `managed-${n}-${Math.random().toString(36).slice(2, 8)}`,
    title: 'Free the prisoners',
    summary: 'A short summary.',
    statement: STATEMENT,
    language: 'en',
    source: { organisation: 'UN Watch', url: 'https://unwatch.org/statement', date: '2025-03-31' },
    goal: 1000,
    sender: { name: 'Free Them', email: 'free@campaigns.example.org' },
    demands: [
      { title: 'Release', quote: 'Free the prisoners now.' },
      { title: 'Inquiry', quote: 'Open an independent inquiry into January.' },
    ],
    consent: { text: 'I agree that Free Them may email me about this campaign.' },
    ...overrides,
  };
}

const admin = (method: string, path: string, json?: unknown, headers = editor) =>
  call(api.url, method, `/api/admin/campaigns${path}`, { headers, ...(json !== undefined ? { json } : {}) });
type Campaign = {
  slug: string;
  status: string;
  consent: { wording: string; text: string };
  consentWordings: Array<{ id: string; current: boolean; text: string }>;
  [key: string]: unknown;
};

async function created(overrides: Record<string, unknown> = {}): Promise<Campaign> {
  const answer = await admin('POST', '', draft(overrides));
  if (answer.status !== 201) throw new Error(`create answered ${answer.status}: ${answer.text}`);
  return answer.json as Campaign;
}

async function snapshot(slug: string) {
  return api.platform.db.campaign.findUnique({
    where: { slug },
    include: { demands: { orderBy: { position: 'asc' } }, consentWordings: true, translations: true },
  });
}

function expectProblem(answer: { status: number; headers: Headers }, status: number) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
}

describe('creating a campaign', () => {
  it('creates a draft with its demands and a first consent wording, invisible to the public', async () => {
    const body = draft();
    const answer = await admin('POST', '', body);
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe(`/api/admin/campaigns/${body.slug}`);
    expect(answer.json).toMatchObject({
      slug: body.slug,
      status: 'draft',
      title: body.title,
      summary: 'A short summary.',
      language: 'en',
      goal: 1000,
      source: { organisation: 'UN Watch', url: 'https://unwatch.org/statement', date: '2025-03-31' },
      sender: { name: 'Free Them', email: 'free@campaigns.example.org' },
      demands: [
        { position: 1, title: 'Release', quote: 'Free the prisoners now.' },
        { position: 2, title: 'Inquiry', quote: 'Open an independent inquiry into January.' },
      ],
      consent: { wording: `${body.slug}-consent-v1`, text: body.consent.text },
      embedOrigins: [],
      proofOfWork: false,
      translations: [],
      counts: { confirmed: 0, pending: 0, invalidated: 0 },
    });
    expect((await fetch(`${api.url}/api/campaigns/${body.slug}`)).status).toBe(404);
    const list = await admin('GET', '', undefined, viewer);
    expect((list.json as { campaigns: Array<{ slug: string; status: string }> }).campaigns).toContainEqual(
      expect.objectContaining({ slug: body.slug, status: 'draft' }),
    );
  });

  it.each([
    ['a malformed slug', { slug: 'Not A Slug' }, 'slug'],
    ['a demand that does not quote the statement', { demands: [{ title: 'Invented', quote: 'Something nobody said.' }] }, 'demands.0.quote'],
    ['no demands', { demands: [] }, 'demands'],
    ['an unknown field', { colour: 'red' }, 'colour'],
    ['a sender that is not an email', { sender: { name: 'X', email: 'not-an-address' } }, 'sender.email'],
    ['a title with a line break', { title: 'Two\nlines' }, 'title'],
    ['a goal of zero', { goal: 0 }, 'goal'],
    ['an unknown language', { language: 'de' }, 'language'],
    ['an impossible date', { source: { organisation: 'X', date: '2025-02-30' } }, 'source.date'],
  ])('refuses %s with a 400 naming the field, and creates nothing', async (_what, overrides, field) => {
    const body = draft(overrides);
    const answer = await admin('POST', '', body);
    expectProblem(answer, 400);
    expect((answer.json as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toContain(field);
    if (typeof body.slug === 'string') expect(await api.platform.db.campaign.findUnique({ where: { slug: body.slug } })).toBeNull();
  });

  it('refuses a taken slug with 409 and leaves the existing campaign alone', async () => {
    const first = await created();
    const answer = await admin('POST', '', draft({ slug: first.slug, title: 'Another' }));
    expectProblem(answer, 409);
    expect((await snapshot(first.slug))!.title).toBe('Free the prisoners');
  });

  it('creates one campaign when the same slug is sent many times at once; the others get 409', async () => {
    const body = draft();
    const answers = await Promise.all(Array.from({ length: 8 }, () => admin('POST', '', body)));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(await api.platform.db.consentWording.count({ where: { campaign: { slug: body.slug } } })).toBe(1);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await fetch(`${api.url}/api/admin/campaigns`, { method: 'POST', headers: { ...editor, 'content-type': 'text/plain' }, body: 'slug=x' });
    expect(response.status).toBe(415);
  });
});

describe('opening and closing signing', () => {
  it('moves draft → live → closed → live, and refuses the other moves without changing anything', async () => {
    const { slug } = await created();
    const move = (status: string) => admin('PATCH', `/${slug}`, { status });

    expectProblem(await move('closed'), 409);
    expect((await snapshot(slug))!.status).toBe('draft');

    expect((await move('live')).status).toBe(200);
    expect((await fetch(`${api.url}/api/campaigns/${slug}`)).status).toBe(200);
    expectProblem(await move('draft'), 409);

    expect((await move('closed')).status).toBe(200);
    const wording = (await snapshot(slug))!.consentWordings[0]!.id;
    const signing = await postJson(`${api.url}/api/campaigns/${slug}/signatures`, signingBody({ id: '', slug, wording }));
    expect(signing.status).toBe(409);
    expectProblem(await move('draft'), 409);

    expect((await move('live')).status).toBe(200);
    expect((await postJson(`${api.url}/api/campaigns/${slug}/signatures`, signingBody({ id: '', slug, wording }))).status).toBe(202);
    expect((await snapshot(slug))!.status).toBe('live');
  });

  it('audits a status change with where it came from', async () => {
    const { slug } = await created();
    await admin('PATCH', `/${slug}`, { status: 'live' });
    const event = await api.platform.db.auditEvent.findFirst({ where: { action: 'campaigns.update', subject: slug }, orderBy: { id: 'desc' } });
    expect(event?.details).toEqual({ fields: ['status'], status: { from: 'draft', to: 'live' } });
  });
});

describe('changing settings', () => {
  it('changes only the fields sent', async () => {
    const { slug } = await created();
    const answer = await admin('PATCH', `/${slug}`, {
      title: 'New title',
      summary: null,
      goal: 5000,
      letterMode: 'digest',
      digestPeriodMinutes: 60,
      letterTestMode: true,
      countPendingPublicly: true,
      proofOfWork: true,
      sender: { name: 'New sender' },
      source: { url: null },
    });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      title: 'New title',
      summary: null,
      goal: 5000,
      letterMode: 'digest',
      digestPeriodMinutes: 60,
      letterTestMode: true,
      countPendingPublicly: true,
      proofOfWork: true,
      sender: { name: 'New sender', email: 'free@campaigns.example.org' },
      source: { organisation: 'UN Watch', url: null, date: '2025-03-31' },
    });
    expect((await admin('GET', `/${slug}`, undefined, viewer)).json).toEqual(answer.json);
  });

  it('normalises and de-duplicates embed origins', async () => {
    const { slug } = await created();
    const answer = await admin('PATCH', `/${slug}`, {
      embedOrigins: ['HTTPS://Partner.Example.ORG:443/', 'http://localhost:8080', 'https://partner.example.org', ' https://xn--mnchen-3ya.de '],
    });
    expect(answer.status).toBe(200);
    expect((answer.json as Campaign).embedOrigins).toEqual(['https://partner.example.org', 'http://localhost:8080', 'https://xn--mnchen-3ya.de']);
    expect((await snapshot(slug))!.embedOrigins).toEqual(['https://partner.example.org', 'http://localhost:8080', 'https://xn--mnchen-3ya.de']);
  });

  it('refuses anything that is not a bare origin, naming each, and changes nothing else in the request', async () => {
    const { slug } = await created();
    const bad = [
      'https://partner.example.org/embed',
      'ftp://partner.example.org',
      'partner.example.org',
      'https://user:pw@partner.example.org',
      'https://*.example.org',
      'https://a.org?x=1',
      'javascript:alert(1)',
    ];
    const answer = await admin('PATCH', `/${slug}`, { goal: 7, embedOrigins: ['https://fine.example.org', ...bad] });
    expectProblem(answer, 400);
    expect((answer.json as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(bad.map((_, i) => `embedOrigins.${i + 1}`));
    const after = await snapshot(slug);
    expect(after!.signatureGoal).toBe(1000);
    expect(after!.embedOrigins).toEqual([]);
  });

  it.each([
    ['an empty patch', {}],
    ['an unknown field', { slug: 'renamed' }],
    ['an unknown status', { status: 'archived' }],
    ['a negative goal', { goal: -1 }],
    ['a digest period under five minutes', { digestPeriodMinutes: 1 }],
    ["a statement that drops a demand's quote", { statement: 'Free the prisoners now.' }],
  ])('refuses %s with a 400 and changes nothing', async (_what, patch) => {
    const { slug } = await created();
    const before = await snapshot(slug);
    expectProblem(await admin('PATCH', `/${slug}`, patch), 400);
    expect(await snapshot(slug)).toEqual(before);
  });

  it('answers 404 for a campaign that does not exist', async () => {
    expectProblem(await admin('PATCH', '/no-such-campaign', { goal: 5 }), 404);
    expectProblem(await admin('GET', '/no-such-campaign', undefined, viewer), 404);
  });
});

describe('consent wording', () => {
  it('supersedes the wording on a change of text, keeping the old one as evidence for the signatures made under it', async () => {
    const { slug, consent } = await created();
    await admin('PATCH', `/${slug}`, { status: 'live' });
    const campaignId = (await snapshot(slug))!.id;
    expect((await postJson(`${api.url}/api/campaigns/${slug}/signatures`, signingBody({ id: campaignId, slug, wording: consent.wording }))).status).toBe(202);

    const answer = await admin('PATCH', `/${slug}`, { consent: { text: 'I agree to hear from Free Them, and may unsubscribe at any time.' } });
    expect(answer.status).toBe(200);
    const body = answer.json as Campaign;
    expect(body.consent).toEqual({ wording: `${slug}-consent-v2`, text: 'I agree to hear from Free Them, and may unsubscribe at any time.' });
    expect(body.consentWordings.map((w) => [w.id, w.current])).toEqual([
      [`${slug}-consent-v2`, true],
      [`${slug}-consent-v1`, false],
    ]);
    expect(body.consentWordings[1]!.text).toBe(consent.text);

    const publicView = (await (await fetch(`${api.url}/api/campaigns/${slug}`)).json()) as { consent: { wording: string } };
    expect(publicView.consent.wording).toBe(`${slug}-consent-v2`);
    const signature = await api.platform.db.signature.findFirstOrThrow({ where: { campaignId } });
    expect(signature.consentWordingId).toBe(`${slug}-consent-v1`);

    // The same text again is no change: no third wording.
    await admin('PATCH', `/${slug}`, { consent: { text: 'I agree to hear from Free Them, and may unsubscribe at any time.' } });
    expect(await api.platform.db.consentWording.count({ where: { campaignId } })).toBe(2);
    const event = await api.platform.db.auditEvent.findFirst({
      where: { action: 'campaigns.update', subject: slug, details: { path: ['consentWording'], equals: `${slug}-consent-v2` } },
    });
    expect(event).not.toBeNull();
  });
});

describe('demands', () => {
  it('replaces the ordered list, renumbering positions', async () => {
    const { slug } = await created();
    const answer = await admin('PUT', `/${slug}/demands`, {
      demands: [
        { title: 'Inquiry first', quote: 'Open an independent inquiry into January.' },
        { title: 'Act', quote: 'The Council must act.' },
        { title: 'Release', quote: 'Free the prisoners now.' },
      ],
    });
    expect(answer.status).toBe(200);
    expect((answer.json as Campaign).demands).toEqual([
      { position: 1, title: 'Inquiry first', quote: 'Open an independent inquiry into January.' },
      { position: 2, title: 'Act', quote: 'The Council must act.' },
      { position: 3, title: 'Release', quote: 'Free the prisoners now.' },
    ]);
  });

  it('refuses a quote that is not in the statement and keeps the old list', async () => {
    const { slug } = await created();
    const before = await snapshot(slug);
    const answer = await admin('PUT', `/${slug}/demands`, {
      demands: [
        { title: 'Act', quote: 'The Council must act.' },
        { title: 'Made up', quote: 'Words nobody said.' },
      ],
    });
    expectProblem(answer, 400);
    expect((answer.json as { errors: Array<{ field: string }> }).errors).toEqual([
      { field: 'demands.1.quote', message: 'must appear verbatim in the statement' },
    ]);
    expect(await snapshot(slug)).toEqual(before);
  });
});

describe('translations', () => {
  const russian = {
    title: 'Освободите заключённых',
    summary: 'Краткое изложение.',
    demands: [
      { position: 2, title: 'Расследование', quote: 'Начните независимое расследование январских событий.' },
      { position: 1, title: 'Освобождение', quote: 'Освободите заключённых сейчас.' },
    ],
  };

  it('stores a translation, shows it in GET, and removes it', async () => {
    const { slug } = await created();
    const answer = await admin('PUT', `/${slug}/translations/ru`, russian);
    expect(answer.status).toBe(200);
    expect((answer.json as Campaign).translations).toEqual([
      {
        language: 'ru',
        title: russian.title,
        summary: russian.summary,
        updatedAt: expect.any(String),
        demands: [russian.demands[1], russian.demands[0]],
      },
    ]);
    expect((await admin('GET', `/${slug}`, undefined, viewer)).json).toMatchObject({ translations: [{ language: 'ru', title: russian.title }] });

    const again = await admin('PUT', `/${slug}/translations/ru`, { title: 'Свобода', demands: [] });
    expect((again.json as Campaign).translations).toEqual([expect.objectContaining({ title: 'Свобода', summary: null, demands: [] })]);

    expect((await admin('DELETE', `/${slug}/translations/ru`)).status).toBe(204);
    expect((await admin('GET', `/${slug}`, undefined, viewer)).json).toMatchObject({ translations: [] });
    expectProblem(await admin('DELETE', `/${slug}/translations/ru`), 404);
  });

  it.each([
    ["the campaign's own language", 'en', russian, 'lang'],
    ['a language Clarion does not speak', 'de', russian, 'lang'],
    ['a demand position the campaign does not have', 'kk', { title: 'Атауы', demands: [{ position: 3, title: 'Жоқ', quote: 'Жоқ.' }] }, 'demands.0.position'],
    [
      'a position listed twice',
      'kk',
      {
        title: 'Атауы',
        demands: [
          { position: 1, title: 'А', quote: 'А.' },
          { position: 1, title: 'Б', quote: 'Б.' },
        ],
      },
      'demands.1.position',
    ],
    ['a demand without its quote', 'kk', { title: 'Атауы', demands: [{ position: 1, title: 'А' }] }, 'demands.0.quote'],
  ])('refuses %s with a 400 and stores nothing', async (_what, lang, body, field) => {
    const { slug } = await created();
    const answer = await admin('PUT', `/${slug}/translations/${lang}`, body);
    expectProblem(answer, 400);
    expect((answer.json as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toContain(field);
    expect((await snapshot(slug))!.translations).toEqual([]);
  });

  it('drops translated demands whose original changed when the demands are replaced', async () => {
    const { slug } = await created();
    await admin('PUT', `/${slug}/translations/ru`, russian);
    await admin('PUT', `/${slug}/demands`, {
      demands: [
        { title: 'Release', quote: 'Free the prisoners now.' },
        { title: 'Act', quote: 'The Council must act.' },
      ],
    });
    const after = (await admin('GET', `/${slug}`, undefined, viewer)).json as { translations: Array<{ demands: unknown[] }> };
    expect(after.translations[0]!.demands).toEqual([russian.demands[1]]);
  });
});

it('lists campaigns with their exact counts', async () => {
  const campaign = await createCampaign(api.platform.db);
  await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign));
  await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, signingBody(campaign));
  const list = (await admin('GET', '', undefined, viewer)).json as { campaigns: Array<{ slug: string; counts: unknown; goal: number }> };
  expect(list.campaigns.find((c) => c.slug === campaign.slug)).toMatchObject({ counts: { confirmed: 0, pending: 2, invalidated: 0 }, goal: 100 });
});

it('documents every route in the OpenAPI document', async () => {
  const document = (await (await fetch(`${api.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  expect(Object.keys(document.paths['/api/admin/campaigns']!).sort()).toEqual(['get', 'post']);
  expect(Object.keys(document.paths['/api/admin/campaigns/{slug}']!).sort()).toEqual(['get', 'patch']);
  expect(Object.keys(document.paths['/api/admin/campaigns/{slug}/demands']!)).toEqual(['put']);
  expect(Object.keys(document.paths['/api/admin/campaigns/{slug}/translations/{lang}']!).sort()).toEqual(['delete', 'put']);
});
