import { canonicalEmail, emailLookupHash } from '../../../src/modules/supporters';
import { reHashEmails } from '../../../src/modules/supporters/secret-rotation';
import { createCampaign, signingBody } from '../../support/fixtures';
import { postJson, startTestApi } from '../../support/harness';

// Re-hashing rewrites every supporter of the database: this file's own.
it('after a SECRET_KEY change, keys:rehash makes every supporter findable again, and a rerun changes nothing', async () => {
  const oldSecret = 'old-secret-key-for-this-test-0123456789abcdef';
  const newSecret = 'new-secret-key-for-this-test-0123456789abcdef';
  const before = await startTestApi({ SECRET_KEY: oldSecret, RATE_LIMIT_ENABLED: 'false' });
  const campaign = await createCampaign(before.platform.db);
  const body = signingBody(campaign);
  try {
    expect((await postJson(`${before.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);
  } finally {
    await before.close();
  }

  const after = await startTestApi({ SECRET_KEY: newSecret, RATE_LIMIT_ENABLED: 'false' });
  try {
    const expected = emailLookupHash(after.platform, canonicalEmail(body.email));
    expect(await after.platform.db.supporter.count({ where: { emailHash: new Uint8Array(expected) } })).toBe(0); // lost without the tool

    const first = await reHashEmails(after.platform);
    expect(first.rehashed).toBe(first.checked);
    expect(first.checked).toBeGreaterThanOrEqual(1);
    expect(await after.platform.db.supporter.count({ where: { emailHash: new Uint8Array(expected) } })).toBe(1);
    expect(await reHashEmails(after.platform)).toEqual({ checked: first.checked, rehashed: 0 });

    // The returning supporter is the same supporter, not a new row.
    const supporters = await after.platform.db.supporter.count();
    expect((await postJson(`${after.url}/api/campaigns/${campaign.slug}/signatures`, { ...body, email: body.email.toUpperCase() })).status).toBe(202);
    expect(await after.platform.db.supporter.count()).toBe(supporters);
  } finally {
    await after.close();
  }
});
