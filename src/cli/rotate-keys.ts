import { loadConfig } from '../platform/config';
import { createPlatform, closePlatform } from '../platform/context';
import { reSealAll } from '../modules/supporters/key-rotation';
import { loadEnvFile } from './env-file';

/**
 * `npm run keys:rotate`: re-encrypts every envelope that was sealed with a key other than the
 * first in ENCRYPTION_KEYS. Run it after putting a new key first; remove the old key afterwards.
 */
async function main(): Promise<void> {
  loadEnvFile();
  const platform = createPlatform(loadConfig(), 'keys-rotate');
  try {
    const counts = await reSealAll(platform);
    console.log(`Re-encrypted with key "${platform.cipher.currentKeyId}": ${counts.supporters} supporters, ${counts.signatures} signatures.`);
  } finally {
    await closePlatform(platform);
  }
}

main().catch((error: unknown) => {
  console.error('Key rotation failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
