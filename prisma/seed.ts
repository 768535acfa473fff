import { seedKazakhstanCampaign } from '../src/modules/campaigns';
import { loadConfig } from '../src/platform/config';
import { createDb } from '../src/platform/db';

/** `npm run db:seed`: the Kazakhstan campaign, idempotently. */
async function main(): Promise<void> {
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, 2);
  try {
    await seedKazakhstanCampaign(db);
    console.log('Seeded the campaign "kazakhstan".');
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error('Seeding failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
