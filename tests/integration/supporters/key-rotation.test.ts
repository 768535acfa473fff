import { randomBytes } from 'node:crypto';
import { parseConfig } from '../../../src/platform/config';
import { closePlatform, createPlatform, type Platform } from '../../../src/platform/context';
import { reSealAll } from '../../../src/modules/supporters/key-rotation';
import { open, PURPOSE } from '../../../src/modules/supporters/personal-data';
import { createCampaign, signingBody } from '../../support/fixtures';
import { postJson, startTestApi } from '../../support/harness';

// Rotation rewrites every row of the database: this file's own (tests/support/file-database.ts).
describe('rotating the encryption key', () => {
  it('re-seals every envelope under the new key, keeps the data readable, and a rerun changes nothing', async () => {
    const oldKey = `old_1:${randomBytes(32).toString('base64')}`;
    const newKey = `new_2:${randomBytes(32).toString('base64')}`;
    const before = await startTestApi({ ENCRYPTION_KEYS: oldKey, RATE_LIMIT_ENABLED: 'false' });
    let after: Platform | undefined;
    try {
      const campaign = await createCampaign(before.platform.db);
      const body = signingBody(campaign, { city: 'Almaty', comment: 'For my brother.' });
      expect((await postJson(`${before.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);

      after = createPlatform(parseConfig({ ...process.env, ENCRYPTION_KEYS: `${newKey},${oldKey}` }), 'test');
      const first = await reSealAll(after);
      expect(first).toEqual({ supporters: 1, signatures: 1 });

      const signature = await after.db.signature.findFirstOrThrow({ where: { campaignId: campaign.id }, include: { supporter: true } });
      for (const envelope of [signature.supporter.emailEncrypted, signature.supporter.nameEncrypted, signature.cityEncrypted!, signature.commentEncrypted!]) {
        expect(envelope.startsWith('v1.new_2.')).toBe(true);
      }
      expect(open(after, signature.supporter.emailEncrypted, PURPOSE.email)).toBe(body.email);
      expect(open(after, signature.cityEncrypted!, PURPOSE.city)).toBe('Almaty');
      expect(await after.db.supporter.count({ where: { emailEncrypted: { startsWith: 'v1.old_1.' } } })).toBe(0);
      expect(await reSealAll(after)).toEqual({ supporters: 0, signatures: 0 });
    } finally {
      await before.close();
      if (after) await closePlatform(after);
    }
  });
});
