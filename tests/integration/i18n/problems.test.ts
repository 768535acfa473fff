import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { postJson, startTestApi, type TestApi } from '../../support/harness';

let api: TestApi;
let campaign: TestCampaign;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_ENABLED: 'false' });
  campaign = await createCampaign(api.platform.db);
});

afterAll(() => api.close());

interface ProblemBody {
  title: string;
  detail?: string;
  code: string;
  status: number;
  errors?: Array<{ field: string; message: string }>;
}

/** A signing that is wrong in several ways at once: a bad email, an overlong name, an unknown field, a bad country. */
function badSigning() {
  return signingBody(campaign, { email: 'not-an-address', name: 'x'.repeat(101), country: 'ZZ', favourite: 'colour' });
}

async function sign(body: unknown, headers: Record<string, string> = {}, query = '') {
  const answer = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures${query}`, body, headers);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  return { status: answer.status, problem: answer.json as ProblemBody, headers: answer.headers };
}

const byField = (problem: ProblemBody) => Object.fromEntries((problem.errors ?? []).map((e) => [e.field, e.message]));

describe('problem answers in the asked language', () => {
  it('answers a bad signing in Russian, every field error included, when the browser asks for Russian', async () => {
    const { status, problem, headers } = await sign(badSigning(), { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' });
    expect(status).toBe(400);
    expect(headers.get('content-language')).toBe('ru');
    expect(problem).toMatchObject({ code: 'validation_failed', title: 'Запрос содержит ошибки', detail: 'Некоторые поля заполнены неверно.' });
    expect(byField(problem)).toEqual({
      email: 'должно быть действительным адресом электронной почты',
      name: 'не должно быть длиннее 100 символов',
      country: 'должно быть двухбуквенным кодом страны ISO 3166-1 alpha-2',
      favourite: 'неизвестное поле',
    });
  });

  it('answers in Kazakh with ?lang=kk, whatever Accept-Language says', async () => {
    const { problem, headers } = await sign(badSigning(), { 'accept-language': 'ru' }, '?lang=kk');
    expect(headers.get('content-language')).toBe('kk');
    expect(problem.title).toBe('Сұрауда қателер бар');
    expect(problem.detail).toBe('Кейбір өрістер қате толтырылған.');
    expect(byField(problem)).toEqual({
      email: 'жарамды электрондық пошта мекенжайы болуы керек',
      name: '100 таңбадан аспауы керек',
      country: 'ISO 3166-1 alpha-2 екі әріпті ел коды болуы керек',
      favourite: 'белгісіз өріс',
    });
  });

  it('keeps English answers exactly as they were', async () => {
    for (const headers of [{}, { 'accept-language': 'en' }, { 'accept-language': 'de-DE' }] as Array<Record<string, string>>) {
      const { problem } = await sign(badSigning(), headers);
      expect(problem.title).toBe('The request is not valid');
      expect(problem.detail).toBe('Some fields are not valid.');
      expect(byField(problem)).toEqual({
        email: 'must be a valid email address',
        name: 'must be at most 100 characters',
        country: 'must be an ISO 3166-1 alpha-2 country code',
        favourite: 'is not a known field',
      });
    }
  });

  it('translates details with their variable parts, and field errors that come from the service', async () => {
    const missing = await postJson(`${api.url}/api/campaigns/no-such-campaign-here/signatures`, signingBody(campaign), { 'accept-language': 'ru' });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ title: 'Кампания не найдена', detail: 'Кампании «no-such-campaign-here» не существует.' });

    const wording = await sign(signingBody(campaign, { consent: { updates: false, wording: 'some-other-wording' } }), { 'accept-language': 'kk' });
    expect(wording.status).toBe(422);
    expect(wording.problem).toMatchObject({ title: 'Келісім мәтіні белгісіз', detail: 'Бұл келісім мәтіні осы науқанға тиесілі емес.' });
    expect(byField(wording.problem)).toEqual({ 'consent.wording': 'бұл науқанның келісім мәтіні емес' });

    const read = await fetch(`${api.url}/api/campaigns/Not_A_Slug?lang=ru`);
    expect(read.status).toBe(400);
    expect(byField((await read.json()) as ProblemBody)).toEqual({ slug: 'должно быть коротким именем кампании (строчные латинские буквы, цифры и дефисы)' });
  });

  it('falls back on the zod issue code for messages the catalogue does not know, and on field + code first', async () => {
    const { problem } = await sign(signingBody(campaign, { consent: { updates: 'maybe', wording: 'w'.repeat(65) } }), { 'accept-language': 'ru' });
    expect(byField(problem)).toEqual({ 'consent.updates': 'должно быть true или false', 'consent.wording': 'слишком длинное значение' });
  });

  it('answers body and content-type problems in the language too', async () => {
    const malformed = await fetch(`${api.url}/api/campaigns/${campaign.slug}/signatures?lang=ru`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ title: 'Не удалось прочитать тело запроса', detail: 'Тело запроса не является корректным JSON.' });
    const wrongType = await fetch(`${api.url}/api/campaigns/${campaign.slug}/signatures`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'accept-language': 'kk' },
      body: 'hello',
    });
    expect(wrongType.status).toBe(415);
    expect(await wrongType.json()).toMatchObject({
      title: 'Мазмұн түріне қолдау көрсетілмейді',
      detail: 'application/json немесе application/x-www-form-urlencoded жіберіңіз.',
    });
  });

  it('answers the letters API in the language (a bad action token)', async () => {
    const answer = await postJson(
      `${api.url}/api/campaigns/${campaign.slug}/letters`,
      { actionToken: 'nonsense', targets: { all: true } },
      { 'accept-language': 'ru' },
    );
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      code: 'token_invalid',
      title: 'Эта ссылка недействительна',
      detail: 'Этот токен действия больше недействителен: подпишите ещё раз, чтобы написать письма.',
    });
    expect(byField(answer.json as ProblemBody)).toEqual({ actionToken: 'недействительно' });
  });

  it('answers confirmations and the delegations list in the language too', async () => {
    const confirmation = await postJson(`${api.url}/api/confirmations`, { token: 'not-a-token' }, { 'accept-language': 'kk' });
    expect(confirmation.status).toBe(400);
    expect(confirmation.json).toMatchObject({
      title: 'Бұл сілтеме жарамсыз',
      detail: 'Бұл растау сілтемесі жарамсыз. Хаттағы сілтемені толық ашқаныңызды тексеріңіз.',
    });
    const targets = await fetch(`${api.url}/api/campaigns/no-such-campaign-here/targets?lang=ru`);
    expect(targets.status).toBe(404);
    expect(await targets.json()).toMatchObject({ title: 'Кампания не найдена' });
  });

  it('leaves admin answers in English', async () => {
    const response = await fetch(`${api.url}/api/admin/targets`, { headers: { 'accept-language': 'ru' } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as ProblemBody).title).toBe('Authentication required');
  });
});
