import { loadConfig } from '../platform/config';
import { createPlatform, closePlatform } from '../platform/context';
import { envelopesNotCurrent, reSealAll } from '../modules/supporters';
import { loadEnvFile } from './env-file';

/**
 * The data step of `npm run db:migrate` (scripts/db-setup.mjs runs it after `prisma migrate
 * deploy`): re-seals every envelope still in the old format (v1, bound to a purpose only) or under
 * an older key into the row-bound format under the current key. Idempotent: a second run finds
 * nothing to do. What it cannot re-seal (a key no longer in ENCRYPTION_KEYS, an envelope that does
 * not open for its row) is reported by column, never by value; `npm run keys:rotate` is the check
 * that refuses to finish while any is left, so this step warns and lets the deploy go on.
 */
async function main(): Promise<number> {
  loadEnvFile();
  const platform = createPlatform(loadConfig(), 'reseal-envelopes');
  try {
    const resealed = Object.entries(await reSealAll(platform)).filter(([, count]) => count > 0);
    if (resealed.length > 0) console.log(`Re-sealed envelopes bound to their rows: ${resealed.map(([column, count]) => `${column} ${count}`).join(', ')}.`);
    const left = Object.entries(await envelopesNotCurrent(platform)).filter(([, count]) => count > 0);
    if (left.length > 0) {
      console.warn(
        `Envelopes left that could not be re-sealed (key missing from ENCRYPTION_KEYS, or not this row's): ${left.map(([column, count]) => `${column} ${count}`).join(', ')}. See README "Rotating keys".`,
      );
    }
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
    console.error('Re-sealing envelopes failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
