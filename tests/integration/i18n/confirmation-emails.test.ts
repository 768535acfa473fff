import { createCampaign, signingBody, type TestCampaign } from '../../support/fixtures';
import { postJson, startTestApi, startTestWorkers, type TestApi } from '../../support/harness';
import { SmtpRecorder } from '../../support/smtp-recorder';
import type { RunningWorkers } from '../../../src/worker-runtime';

/**
 * The confirmation email is written in the language of the signing attempt. The relay starts only
 * once each attempt's locale is set, so these tests do not depend on how the signing path stores it.
 */
let smtp: SmtpRecorder;
let api: TestApi;
let workers: RunningWorkers | undefined;
let campaign: TestCampaign;

beforeAll(async () => {
  smtp = await SmtpRecorder.start();
  api = await startTestApi({ SMTP_URL: smtp.url, RATE_LIMIT_ENABLED: 'false' });
  campaign = await createCampaign(api.platform.db);
  await api.platform.db.campaignTranslation.create({
    data: { campaignId: campaign.id, language: 'ru', title: 'Тестовая кампания', demands: [] },
  });
});

afterAll(async () => {
  await workers?.stop();
  await api.close();
  await smtp.stop();
});

async function signIn(locale: string): Promise<string> {
  // The API refuses a language it does not have; one is stored below, as an older row could hold it.
  const body = signingBody(campaign, { name: 'Айгерим Тест', ...(['en', 'ru', 'kk'].includes(locale) ? { locale } : {}) });
  const answer = await postJson(`${api.url}/api/campaigns/${campaign.slug}/signatures`, body, { 'accept-language': locale });
  expect([answer.status, answer.text]).toEqual([202, expect.any(String)]);
  const signature = await api.platform.db.signature.findFirstOrThrow({
    where: { campaignId: campaign.id },
    orderBy: { createdAt: 'desc' },
    select: { id: true },
  });
  await api.platform.db.signingAttempt.updateMany({ where: { signatureId: signature.id }, data: { locale } });
  return body.email;
}

describe('confirmation emails in the supporter’s language', () => {
  let russian: string;
  let kazakh: string;
  let english: string;
  let unknown: string;

  beforeAll(async () => {
    russian = await signIn('ru');
    kazakh = await signIn('kk');
    english = await signIn('en');
    unknown = await signIn('de');
    workers = startTestWorkers(api, { relay: true, email: true, letters: false });
  });

  it('writes to a Russian signer in Russian, with the campaign title in its Russian version', async () => {
    const email = await smtp.waitFor((m) => m.envelope.to.includes(russian));
    expect(email.subject).toBe('Пожалуйста, подтвердите свою подпись: Тестовая кампания');
    expect(email.text).toContain('Здравствуйте, Айгерим Тест!');
    expect(email.text).toContain('Спасибо, что подписали петицию «Тестовая кампания».');
    expect(email.html).toContain('<html lang="ru">');
    expect(email.html).toContain('Подтвердить подпись');
    expect(email.text).not.toMatch(/Please confirm|Dear /);
  });

  it('writes to a Kazakh signer in Kazakh, with the original title where there is no Kazakh version', async () => {
    const email = await smtp.waitFor((m) => m.envelope.to.includes(kazakh));
    expect(email.subject).toBe(`Қолыңызды растаңыз: Test campaign ${campaign.slug.replace('test-', '')}`);
    expect(email.text).toContain('Құрметті Айгерим Тест!');
    expect(email.html).toContain('Қолымды растау');
    expect(email.html).toContain('<html lang="kk">');
    expect(email.text).not.toMatch(/Please confirm|Dear /);
  });

  it('writes in English to an English signer and to one whose language we do not have', async () => {
    for (const address of [english, unknown]) {
      const email = await smtp.waitFor((m) => m.envelope.to.includes(address));
      expect(email.subject).toBe(`Please confirm your signature: Test campaign ${campaign.slug.replace('test-', '')}`);
      expect(email.text).toContain('Dear Айгерим Тест,');
      expect(email.text).toContain('Until you confirm, your signature does not count.');
    }
  });
});
