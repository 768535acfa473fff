import fs from 'node:fs';
import { loadConfig } from '../platform/config';
import { createDb } from '../platform/db';
import { exportTargetsCsv } from '../modules/letters';
import { loadEnvFile } from './env-file';

/**
 * `npm run targets:export [-- file.csv]`: writes the delegations file (the import's format,
 * sorted by iso2) to the file, or to stdout.
 */
async function main(): Promise<number> {
  loadEnvFile();
  const file = process.argv[2];
  if (process.argv.length > 3) {
    console.error('Usage: npm run targets:export [-- <file.csv>]');
    return 2;
  }
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, 2);
  try {
    const csv = await exportTargetsCsv(db);
    if (file) {
      fs.writeFileSync(file, csv);
      console.error(`Wrote ${file}.`);
    } else {
      process.stdout.write(csv);
    }
    return 0;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('Export failed:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
