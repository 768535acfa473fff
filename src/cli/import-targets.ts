import fs from 'node:fs';
import { loadConfig } from '../platform/config';
import { createDb } from '../platform/db';
import { AppError } from '../platform/errors';
import { importTargets } from '../modules/letters';
import { staffContext } from '../modules/admin';
import { loadEnvFile } from './env-file';

/**
 * `npm run targets:import -- file.csv`: imports the delegations file (format in
 * src/modules/letters/README.md). Every error is printed and nothing is written unless the whole
 * file is valid; exits 1 then.
 */
async function main(): Promise<number> {
  loadEnvFile();
  const file = process.argv[2];
  if (!file || process.argv.length > 3) {
    console.error('Usage: npm run targets:import -- <file.csv>');
    return 2;
  }
  let text: string;
  try {
    // Fatal decoding: a file saved in another encoding would otherwise import mangled names.
    text = new TextDecoder('utf-8', { fatal: true }).decode(fs.readFileSync(file));
  } catch (error) {
    console.error(`Cannot read ${file}: ${error instanceof TypeError ? 'it is not UTF-8 text' : (error as Error).message}`);
    return 1;
  }
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, 2);
  try {
    const result = await importTargets(staffContext({ db }, 'cli'), text);
    console.log(`Imported ${file}: ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged.`);
    return 0;
  } catch (error) {
    if (error instanceof AppError && error.code === 'csv_invalid') {
      console.error(`${error.detail}`);
      for (const e of error.errors) console.error(e.line !== undefined ? `line ${e.line}, ${e.field}: ${e.message}` : `${e.field}: ${e.message}`);
      return 1;
    }
    throw error;
  } finally {
    await db.$disconnect();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('Import failed:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
