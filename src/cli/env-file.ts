import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';

/**
 * The commands a person runs next to `npm start` (`npm run admin:create`, `targets:import`, …) read
 * the same `.env` that `npm start` wrote, so they reach the same database with the same keys.
 * Variables set in the shell win, as with `npm start`. Tests never read it: a developer's `.env`
 * must not leak into a test run.
 */
export function loadEnvFile(file = path.resolve(process.cwd(), '.env')): void {
  if (process.env.NODE_ENV === 'test' || !fs.existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(fs.readFileSync(file, 'utf8')))) {
    if (value !== undefined) process.env[name] ??= value;
  }
}
