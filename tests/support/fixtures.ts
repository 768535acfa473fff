import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/platform/db';

export interface TestCampaign {
  id: string;
  slug: string;
  wording: string;
}

/** A campaign of the test's own, so tests never share counts. */
export async function createCampaign(db: Db, options: { status?: 'draft' | 'live' | 'closed'; countPendingPublicly?: boolean } = {}): Promise<TestCampaign> {
  const suffix = randomUUID().slice(0, 8);
  const slug = `test-${suffix}`;
  const wording = `test-consent-${suffix}`;
  const campaign = await db.campaign.create({
    data: {
      slug,
      title: `Test campaign ${suffix}`,
      statement: 'We ask the Council to act. Free the prisoners now.',
      sourceOrganisation: 'Test NGO',
      status: options.status ?? 'live',
      signatureGoal: 100,
      senderName: 'Test Campaign',
      senderEmail: 'campaign@clarion.example',
      countPendingPublicly: options.countPendingPublicly ?? false,
      demands: { create: [{ position: 1, title: 'Free them', quote: 'Free the prisoners now.' }] },
      consentWordings: { create: [{ id: wording, text: 'I agree.' }] },
    },
    select: { id: true },
  });
  return { id: campaign.id, slug, wording };
}

let counter = 0;
/** A valid signing body with a unique address. */
export function signingBody(campaign: TestCampaign, overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    email: `supporter-${Date.now()}-${counter}-${randomUUID().slice(0, 6)}@example.org`,
    name: 'Aigerim Test',
    country: 'KZ',
    consent: { updates: true, wording: campaign.wording },
    ...overrides,
  };
}
