import { loadConfig } from '../platform/config';
import { closePlatform, createPlatform } from '../platform/context';
import { reHashEmails } from '../modules/supporters';
import { loadEnvFile } from './env-file';

/**
 * `npm run keys:rehash`: after putting a new SECRET_KEY in place (API and workers stopped), recomputes
 * every email lookup hash under it. README "Rotating keys" has the whole procedure.
 */
async function main(): Promise<void> {
  loadEnvFile();
  const platform = createPlatform(loadConfig(), 'keys-rehash');
  try {
    const { checked, rehashed } = await reHashEmails(platform);
    console.log(`Checked ${checked} supporters; re-hashed ${rehashed} email lookups under the current SECRET_KEY.`);
  } finally {
    await closePlatform(platform);
  }
}

main().catch((error: unknown) => {
  console.error('Re-hashing failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
