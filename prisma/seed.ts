import { loadEnvFile } from '../src/cli/env-file';
import { seedKazakhstanCampaign, seedKazakhstanTranslations } from '../src/modules/campaigns';
import { seedDefaultTemplate, seedTargets, seedTranslatedDefaultTemplates } from '../src/modules/letters';
import { loadConfig } from '../src/platform/config';
import { createDb } from '../src/platform/db';

/**
 * `npm run db:seed`: the Kazakhstan campaign, its letter and the Council's delegations. Creates what
 * is missing and changes nothing that exists, so admins' edits survive every `npm start`.
 */
async function main(): Promise<void> {
  loadEnvFile(); // on its own it reads .env like the other commands; npm start's environment wins
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, 2);
  try {
    const campaignId = await seedKazakhstanCampaign(db);
    await seedKazakhstanTranslations(db, campaignId);
    await seedDefaultTemplate(db, campaignId);
    await seedTranslatedDefaultTemplates(db, campaignId);
    const targets = await seedTargets(db);
    console.log(
      `Seeded the campaign "kazakhstan" (with Russian and Kazakh texts), its default letter in English and Russian, and ${targets.created} new delegations (${targets.existing} already there).`,
    );
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error('Seeding failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
