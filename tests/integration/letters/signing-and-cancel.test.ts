import { generateKeyPairSync } from 'node:crypto';
import { seedTargets } from '../../../src/modules/letters';
import { createCampaign, type TestCampaign } from '../../support/fixtures';
import { eventually, postJson, type TestApi, startTestStack, type TestStack } from '../../support/harness';
import { confirmByEmail, lettersTo, sign } from '../../support/letters';
import type { SmtpRecorder } from '../../support/smtp-recorder';

let smtp: SmtpRecorder;
let api: TestApi;
let stack: TestStack;
let campaign: TestCampaign;

beforeAll(async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  stack = await startTestStack({
    RATE_LIMIT_ENABLED: 'false',
    LETTERS_CAP_DISABLED: 'true',
    DKIM_DOMAIN: 'clarion.example',
    DKIM_SELECTOR: 'test2026',
    DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().replace(/\n/g, '\\n'),
  });
  ({ smtp, api } = stack);
  await seedTargets(api.platform.db);
  campaign = await createCampaign(api.platform.db);
});

afterAll(() => stack.stop());

describe('letters and the mail they become', () => {
  it('signs letters with DKIM when a key is configured', async () => {
    const { email } = await sign(api, campaign.slug, campaign.wording);
    const actionToken = await confirmByEmail(api, smtp, email);
    await postJson(`${api.url}/api/campaigns/${campaign.slug}/letters`, { actionToken, targets: { countries: ['FR'] } });
    const letter = await eventually(() => lettersTo(smtp, email)[0], 10_000, 'the letter');
    const header = /^DKIM-Signature: (.*(?:\r?\n[ \t].*)*)/m.exec(letter.raw)?.[1] ?? '';
    expect(header).toMatch(/\bd=clarion\.example;/);
    expect(header).toMatch(/\bs=test2026;/);
    expect(header).toMatch(/h=[^;]*\bfrom\b[^;]*\bmessage-id\b/);
  });

  it('cancels a letter whose template renders empty instead of sending it', async () => {
    await api.platform.db.letterTemplate.create({
      data: {
        campaignId: campaign.id,
        language: 'en',
        subject: 'Hello',
        html: '{{#if supporter.paragraph}}<p>{{supporter.paragraph}}</p>{{/if}}',
        text: '{{#if supporter.paragraph}}{{supporter.paragraph}}{{/if}}',
      },
    });
    const { email } = await sign(api, campaign.slug, campaign.wording);
    const actionToken = await confirmByEmail(api, smtp, email);
    await postJson(`${api.url}/api/campaigns/${campaign.slug}/letters`, { actionToken, targets: { countries: ['JP'] } });
    const cancelled = await eventually(
      () => api.platform.db.letter.findFirst({ where: { campaignId: campaign.id, status: 'cancelled' } }),
      10_000,
      'a cancelled letter',
    );
    expect(cancelled.reviewReason).toBe('rendered empty');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lettersTo(smtp, email)).toHaveLength(0);
  });
});
