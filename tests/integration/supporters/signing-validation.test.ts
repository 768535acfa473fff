import { formStartedToken } from '../../../src/modules/supporters';
import { deriveKey, TokenSigner } from '../../../src/platform/crypto';
import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import type { SmtpRecorder } from '../../support/smtp-recorder';

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let campaign: TestCampaign;
let other: TestCampaign;
let draft: TestCampaign;
let closed: TestCampaign;

beforeAll(async () => {
  stack = await startTestStack({ RATE_LIMIT_ENABLED: 'false' });
  ({ smtp, api } = stack);
  [campaign, other, draft, closed] = await Promise.all([
    createCampaign(api.platform.db),
    createCampaign(api.platform.db),
    createCampaign(api.platform.db, { status: 'draft' }),
    createCampaign(api.platform.db, { status: 'closed' }),
  ]);
});

afterAll(() => stack.stop());

interface Answer {
  status: number;
  contentType: string;
  text: string;
  json: unknown;
}

/** Sends a raw body; `body` objects go as JSON unless a content type says otherwise. */
async function send(slug: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const raw = typeof body === 'string' || body instanceof URLSearchParams ? body : JSON.stringify(body);
  const response = await fetch(`${api.url}/api/campaigns/${slug}/signatures`, {
    method: 'POST',
    headers: { 'content-type': body instanceof URLSearchParams ? 'application/x-www-form-urlencoded' : 'application/json', ...headers },
    body: raw,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json };
}

/** Everything a signing could write: signatures and counters of the campaigns, supporters, outbox rows. */
async function footprint() {
  const db = api.platform.db;
  const campaignIds = [campaign.id, other.id, draft.id, closed.id];
  const [signatures, supporters, outbox, counters] = await Promise.all([
    db.signature.count({ where: { campaignId: { in: campaignIds } } }),
    db.supporter.count(),
    db.outboxEvent.count(),
    db.campaignCounter.aggregate({ where: { campaignId: { in: campaignIds } }, _sum: { pending: true, confirmed: true } }),
  ]);
  return { signatures, supporters, outbox, pending: counters._sum.pending ?? 0, confirmed: counters._sum.confirmed ?? 0 };
}

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: Array<{ field: string; message: string }>;
}

function expectProblem(answer: Answer, status: number, code: string): ProblemBody {
  if (answer.status !== status) throw new Error(`expected ${status} ${code}, got ${answer.status}: ${answer.text}`);
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  const problem = answer.json as ProblemBody;
  expect(problem).toEqual(
    expect.objectContaining({
      type: `urn:clarion:problem:${code}`,
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code,
    }),
  );
  return problem;
}

const long = (n: number) => 'x'.repeat(n);

/** A signing answer with its action token (different for every signing, same form) blanked out. */
function shapeOf(answer: Answer): unknown {
  const body = answer.json as { actionToken?: unknown };
  expect(body.actionToken).toEqual(expect.stringMatching(/^[0-9a-f-]{36}\.[0-9a-z]+\.[A-Za-z0-9_-]{32}$/));
  return { ...body, actionToken: '(token)' };
}

type Case = [
  description: string,
  request: () => { slug?: string; body: unknown; headers?: Record<string, string> },
  status: number,
  code: string,
  fields?: string[],
];

const withoutKey = (body: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(body).filter(([k]) => k !== key));

const cases: Case[] = [
  ['a missing email', () => ({ body: withoutKey(signingBody(campaign), 'email') }), 400, 'validation_failed', ['email']],
  ...[
    'not-an-email',
    'aigerim@',
    '@example.org',
    'a@@example.org',
    'two words@example.org',
    'a@localhost',
    'a@[192.0.2.1]',
    'a@example.123',
    'a..b@example.org',
    `${long(65)}@example.org`,
    `a@${long(330)}.org`,
    'a@exa mple.org',
    'a\u202e@example.org',
    '',
  ].map((email): Case => [
    `the invalid email ${JSON.stringify(email.length > 40 ? `${email.slice(0, 20)}…` : email)}`,
    () => ({ body: signingBody(campaign, { email }) }),
    400,
    'validation_failed',
    ['email'],
  ]),
  ['an email that is a number', () => ({ body: signingBody(campaign, { email: 42 }) }), 400, 'validation_failed', ['email']],
  ['a missing name', () => ({ body: withoutKey(signingBody(campaign), 'name') }), 400, 'validation_failed', ['name']],
  ['an empty name', () => ({ body: signingBody(campaign, { name: '' }) }), 400, 'validation_failed', ['name']],
  ['a name of blanks and invisible characters', () => ({ body: signingBody(campaign, { name: '  \u200b\u202e\n ' }) }), 400, 'validation_failed', ['name']],
  ['a name longer than 100 characters', () => ({ body: signingBody(campaign, { name: long(101) }) }), 400, 'validation_failed', ['name']],
  ...['XX', 'KAZ', 'K', 'UK', 'K1'].map((country): Case => [
    `the country code ${country}`,
    () => ({ body: signingBody(campaign, { country }) }),
    400,
    'validation_failed',
    ['country'],
  ]),
  ['a country that is a number', () => ({ body: signingBody(campaign, { country: 398 }) }), 400, 'validation_failed', ['country']],
  ['a city longer than 100 characters', () => ({ body: signingBody(campaign, { city: long(101) }) }), 400, 'validation_failed', ['city']],
  ['a comment longer than 1000 characters', () => ({ body: signingBody(campaign, { comment: long(1001) }) }), 400, 'validation_failed', ['comment']],
  ['a missing consent', () => ({ body: withoutKey(signingBody(campaign), 'consent') }), 400, 'validation_failed', ['consent']],
  ['a consent that is not an object', () => ({ body: signingBody(campaign, { consent: true }) }), 400, 'validation_failed', ['consent']],
  ...['maybe', 1, null, {}].map((updates): Case => [
    `consent.updates ${JSON.stringify(updates)}`,
    () => ({ body: signingBody(campaign, { consent: { updates, wording: campaign.wording } }) }),
    400,
    'validation_failed',
    ['consent.updates'],
  ]),
  ['a missing consent wording', () => ({ body: signingBody(campaign, { consent: { updates: true } }) }), 400, 'validation_failed', ['consent.wording']],
  [
    'an empty consent wording',
    () => ({ body: signingBody(campaign, { consent: { updates: true, wording: '' } }) }),
    400,
    'validation_failed',
    ['consent.wording'],
  ],
  [
    'an unknown consent wording',
    () => ({ body: signingBody(campaign, { consent: { updates: true, wording: 'no-such-wording' } }) }),
    422,
    'unknown_consent_wording',
    ['consent.wording'],
  ],
  [
    "another campaign's consent wording",
    () => ({ body: signingBody(campaign, { consent: { updates: true, wording: other.wording } }) }),
    422,
    'unknown_consent_wording',
    ['consent.wording'],
  ],
  ['an unknown top-level field', () => ({ body: signingBody(campaign, { is_admin: true }) }), 400, 'validation_failed', ['is_admin']],
  [
    'an unknown field inside consent',
    () => ({ body: signingBody(campaign, { consent: { updates: true, wording: campaign.wording, marketing: true } }) }),
    400,
    'validation_failed',
    ['consent.marketing'],
  ],
  ['a JSON array body', () => ({ body: [signingBody(campaign)] }), 400, 'validation_failed'],
  ['a JSON string body', () => ({ body: '"aigerim@example.org"' }), 400, 'malformed_body'],
  ['malformed JSON', () => ({ body: '{"email": "aigerim@example.org", ' }), 400, 'malformed_body'],
  ['an empty JSON body', () => ({ body: '' }), 400, 'validation_failed'],
  ['a text/plain body', () => ({ body: JSON.stringify(signingBody(campaign)), headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type'],
  ['a multipart body', () => ({ body: '--x\r\n\r\n--x--', headers: { 'content-type': 'multipart/form-data; boundary=x' } }), 415, 'unsupported_media_type'],
  ['no content type', () => ({ body: JSON.stringify(signingBody(campaign)), headers: { 'content-type': '' } }), 415, 'unsupported_media_type'],
  [
    'JSON in Latin-1',
    () => ({ body: JSON.stringify(signingBody(campaign)), headers: { 'content-type': 'application/json; charset=iso-8859-1' } }),
    415,
    'unsupported_media_type',
  ],
  ['a body larger than 16 KB', () => ({ body: signingBody(campaign, { comment: long(17 * 1024) }) }), 413, 'payload_too_large'],
  [
    'a form with too many fields',
    () => ({ body: new URLSearchParams(Array.from({ length: 120 }, (_, i): [string, string] => [`f${i}`, 'x'])) }),
    413,
    'payload_too_large',
  ],
  ['a malformed slug', () => ({ slug: 'Not_A-Slug!', body: signingBody(campaign) }), 400, 'validation_failed', ['slug']],
  ['an overlong slug', () => ({ slug: long(64), body: signingBody(campaign) }), 400, 'validation_failed', ['slug']],
  ['an unknown campaign', () => ({ slug: 'no-such-campaign', body: signingBody(campaign) }), 404, 'campaign_not_found'],
  ['a draft campaign', () => ({ slug: draft.slug, body: signingBody(draft) }), 404, 'campaign_not_found'],
  ['a closed campaign', () => ({ slug: closed.slug, body: signingBody(closed) }), 409, 'campaign_not_open'],
];

describe('refusing an invalid signing', () => {
  // Objects, not tuples: jest would pass its `done` callback in place of a row's missing last item.
  it.each(cases.map(([description, request, status, code, fields]) => ({ description, request, status, code, fields })))(
    'answers $description with a problem and writes nothing',
    async ({ request, status, code, fields }) => {
      const before = await footprint();
      const { slug = campaign.slug, body, headers } = request();
      const problem = expectProblem(await send(slug, body, headers), status, code);
      if (fields) {
        expect(problem.errors).toEqual(expect.arrayContaining(fields.map((field) => expect.objectContaining({ field, message: expect.any(String) }))));
      }
      expect(await footprint()).toEqual(before);
    },
  );

  it('names every invalid field at once', async () => {
    const problem = expectProblem(
      await send(campaign.slug, { email: 'nope', name: '', country: 'XX', consent: { updates: 'maybe' } }),
      400,
      'validation_failed',
    );
    expect(problem.errors!.map((e) => e.field).sort()).toEqual(['consent.updates', 'consent.wording', 'country', 'email', 'name']);
  });

  it('answers an invalid no-JavaScript form with the page and its errors (tests/integration/public), and writes nothing', async () => {
    const before = await footprint();
    const form = new URLSearchParams({ email: 'not-an-email', name: 'Aigerim', 'consent[updates]': 'on', 'consent[wording]': campaign.wording });
    const answer = await send(campaign.slug, form, { accept: 'text/html' });
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^text\/html/);
    expect(answer.text).toContain('<a href="#sign-email">');
    expect(await footprint()).toEqual(before);
    // A script posting a form but asking for JSON still gets the problem.
    const problem = expectProblem(await send(campaign.slug, form, { accept: 'application/json' }), 400, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'email' })]);
  });
});

describe('answering whatever is thrown at it', () => {
  const deep = (levels: number): unknown => (levels === 0 ? 'bottom' : { a: deep(levels - 1) });
  const jsonBodies: Array<[string, () => unknown]> = [
    ['all fields null', () => ({ email: null, name: null, country: null, city: null, comment: null, consent: null, website: null, form_started: null })],
    ['all fields numbers', () => ({ email: 1, name: 2, country: 3, city: 4, comment: 5, consent: 6, website: 7, form_started: 8 })],
    ['all fields arrays', () => ({ email: ['a@example.org'], name: ['A'], country: ['KZ'], consent: [true, 'w'] })],
    [
      'nested objects in every field',
      () => ({ email: { address: 'a@example.org' }, name: { first: 'A' }, consent: { updates: { yes: true }, wording: { id: 'x' } } }),
    ],
    ['an object nested 500 deep', () => signingBody(campaign, { name: deep(500) })],
    ['an array nested 3000 deep', () => signingBody(campaign, { consent: JSON.parse(`${'['.repeat(3000)}${']'.repeat(3000)}`) as unknown })],
    ['a 15 KB name', () => signingBody(campaign, { name: long(15 * 1024) })],
    ['a 15 KB email', () => signingBody(campaign, { email: `${long(15 * 1024)}@example.org` })],
    ['a 15 KB consent wording', () => signingBody(campaign, { consent: { updates: true, wording: long(15 * 1024) } })],
    ['a 1000-character honeypot plus one', () => signingBody(campaign, { website: long(1001) })],
    ['a 201-character form_started', () => signingBody(campaign, { form_started: long(201) })],
    ['__proto__ at the top', () => JSON.parse(`{"__proto__": {"polluted": "yes"}, ${JSON.stringify(signingBody(campaign)).slice(1)}`) as unknown],
    [
      '__proto__ inside consent',
      () =>
        JSON.parse(`{"email":"a@example.org","name":"A","consent":{"__proto__":{"polluted":"yes"},"updates":true,"wording":"${campaign.wording}"}}`) as unknown,
    ],
    ['constructor.prototype', () => signingBody(campaign, { constructor: { prototype: { polluted: 'yes' } } })],
    ['toString and hasOwnProperty', () => signingBody(campaign, { toString: 'x', hasOwnProperty: 'y' })],
    ['lone surrogates and NULs', () => signingBody(campaign, { email: '\ud800@example.org\u0000', name: '\udfff\u0000' })],
    ['an empty object', () => ({})],
  ];

  const rawBodies: Array<[string, string, Record<string, string>]> = [
    ['form: email[]=a&email[]=b', 'email[]=a%40example.org&email[]=b%40example.org&name=A&consent[updates]=on&consent[wording]=w', {}],
    ['form: the same field twice', 'email=a%40example.org&email=b%40example.org&name=A&consent[updates]=on&consent[wording]=w', {}],
    ['form: consent[updates]=maybe', `email=a%40example.org&name=A&consent[updates]=maybe&consent[wording]=w`, {}],
    ['form: consent as a plain field', 'email=a%40example.org&name=A&consent=yes', {}],
    ['form: consent[wording][]', 'email=a%40example.org&name=A&consent[updates]=on&consent[wording][]=w&consent[wording][]=v', {}],
    ['form: nested too deep', 'email=a%40example.org&name=A&consent[updates][a][b][c][d]=on&consent[wording]=w', {}],
    ['form: __proto__', '__proto__[polluted]=yes&email=a%40example.org&name=A&consent[updates]=on&consent[wording]=w', {}],
    ['form: constructor[prototype]', 'constructor[prototype][polluted]=yes&email=a%40example.org&name=A&consent[updates]=on&consent[wording]=w', {}],
    ['form: broken percent-encoding', 'email=%E0%A4%A&name=%ZZ&consent[updates]=on&consent[wording]=w', {}],
    ['form: only a separator', '&', {}],
    ['form in Latin-1', 'email=a%40example.org&name=A', { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' }],
    ['JSON: gzip header on a plain body', '{"email":"a@example.org"}', { 'content-encoding': 'gzip' }],
    ['JSON: unknown content encoding', '{"email":"a@example.org"}', { 'content-encoding': 'snappy' }],
    ['JSON: null', 'null', {}],
    ['JSON: a number', '42', {}],
    ['JSON: a BOM and an object', '\ufeff{}', {}],
    ['JSON: trailing garbage', '{}{}', {}],
    ['JSON: with a vendor type', '{"email": 1}', { 'content-type': 'application/vnd.api+json' }],
  ];

  it('never answers a 500, always a problem, and writes nothing', async () => {
    const before = await footprint();
    const failures: string[] = [];
    const check = (label: string, answer: Answer) => {
      const problem = answer.json as ProblemBody | undefined;
      if (answer.status < 400 || answer.status >= 500 || !answer.contentType.startsWith('application/problem+json') || problem?.status !== answer.status) {
        failures.push(`${label}: ${answer.status} ${answer.contentType} ${answer.text.slice(0, 200)}`);
      }
    };
    for (const [label, body] of jsonBodies) check(label, await send(campaign.slug, body));
    for (const [label, body, headers] of rawBodies) {
      const contentType = label.startsWith('form') ? 'application/x-www-form-urlencoded' : 'application/json';
      check(label, await send(campaign.slug, body, { 'content-type': contentType, ...headers }));
    }
    expect(failures).toEqual([]);
    expect(await footprint()).toEqual(before);
    // The server runs in this process: a polluted prototype would show here.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('bots', () => {
  /** A real person's signing, whose answer a bot's must match. */
  async function genuineSigning(): Promise<Answer & { email: string }> {
    const body = signingBody(campaign);
    return { ...(await send(campaign.slug, body)), email: body.email };
  }

  it('tells a bot that filled the honeypot it succeeded, and writes and sends nothing', async () => {
    const genuine = await genuineSigning();
    const before = await footprint();
    const body = signingBody(campaign, { website: 'http://spam.example' });
    const answer = await send(campaign.slug, body);
    expect(answer.status).toBe(202);
    expect(shapeOf(answer)).toEqual(shapeOf(genuine));
    expect(await footprint()).toEqual(before);
    // The person's email goes out (so the workers are running); the bot's never does.
    await smtp.waitFor((m) => m.envelope.to.includes(genuine.email));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.messages.filter((m) => m.envelope.to.includes(body.email))).toEqual([]);
  });

  it('answers the honeypot form of a bot with the same thank-you page', async () => {
    const before = await footprint();
    const body = signingBody(campaign);
    const form = new URLSearchParams({ email: body.email, name: 'Bot', 'consent[updates]': 'on', 'consent[wording]': campaign.wording, website: 'spam' });
    const answer = await send(campaign.slug, form, { accept: 'text/html' });
    expect(answer.status).toBe(202);
    expect(answer.contentType).toMatch(/^text\/html/);
    expect(answer.text).toContain('Thank you');
    expect(await footprint()).toEqual(before);
  });

  it('discards a form sent back less than 3 seconds after it was shown', async () => {
    const genuine = await genuineSigning();
    const before = await footprint();
    const answer = await send(campaign.slug, signingBody(campaign, { form_started: formStartedToken(api.platform, new Date(Date.now() - 1000)) }));
    expect(answer.status).toBe(202);
    expect(shapeOf(answer)).toEqual(shapeOf(genuine));
    expect(await footprint()).toEqual(before);
  });

  it.each([
    ['garbage', () => 'not-a-token'],
    [
      'an old time with a made-up signature',
      () => `${(Date.now() - 60_000).toString(36)}.${Math.floor(Date.now() / 1000 + 3600).toString(36)}.${'A'.repeat(32)}`,
    ],
    [
      'a token signed with another secret',
      () => formStartedToken({ tokens: new TokenSigner(deriveKey('another-secret-of-at-least-32-characters!', 'tokens')) }, new Date(Date.now() - 60_000)),
    ],
    ['a token for another purpose', () => api.platform.tokens.sign('confirm-signature', (Date.now() - 60_000).toString(36), new Date(Date.now() + 3600_000))],
  ])('discards a form whose start time is forged: %s', async (_what, token) => {
    const before = await footprint();
    const answer = await send(campaign.slug, signingBody(campaign, { form_started: token() }));
    expect(answer.status).toBe(202);
    expect(await footprint()).toEqual(before);
  });

  it('accepts a form sent back more than 3 seconds after it was shown', async () => {
    const before = await footprint();
    const body = signingBody(campaign, { form_started: formStartedToken(api.platform, new Date(Date.now() - 10_000)) });
    const answer = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body);
    expect(answer.status).toBe(202);
    const after = await footprint();
    expect(after.signatures).toBe(before.signatures + 1);
    expect(after.pending).toBe(before.pending + 1);
    await smtp.waitFor((m) => m.envelope.to.includes(body.email));
  });

  it('accepts a form left open for more than a day (its start token expired)', async () => {
    const before = await footprint();
    const body = signingBody(campaign, { form_started: formStartedToken(api.platform, new Date(Date.now() - 25 * 3600_000)) });
    expect((await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);
    await eventually(async () => (await footprint()).signatures === before.signatures + 1, 2000, 'the signature');
  });
});
