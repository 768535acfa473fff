import { loadConfig } from '../platform/config';
import { createPlatform, closePlatform } from '../platform/context';
import { envelopesNotCurrent, reSealAll } from '../modules/supporters';
import { loadEnvFile } from './env-file';

/**
 * `npm run keys:rotate`: re-encrypts every envelope of every sealed column that was sealed with a
 * key other than the first in ENCRYPTION_KEYS, then counts what is left under any other key. It
 * exits 0 only when that count is zero: only then may the old key be removed.
 */
async function main(): Promise<number> {
  loadEnvFile();
  const platform = createPlatform(loadConfig(), 'keys-rotate');
  try {
    const current = platform.cipher.currentKeyId;
    const resealed = await reSealAll(platform);
    console.log(`Re-encrypted with key "${current}":`);
    for (const [column, count] of Object.entries(resealed)) console.log(`  ${column}: ${count}`);
    const left = Object.entries(await envelopesNotCurrent(platform)).filter(([, count]) => count > 0);
    if (left.length > 0) {
      console.error(
        `Envelopes still under another key or in the old format: ${left.map(([column, count]) => `${column} ${count}`).join(', ')}. Keep the old key and run this again.`,
      );
      return 1;
    }
    console.log(`No envelope is left under any key other than "${current}" or in the old format: the old keys can be removed from ENCRYPTION_KEYS.`);
    return 0;
  } finally {
    await closePlatform(platform);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('Key rotation failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
