#!/usr/bin/env node
// `node scripts/compose-secrets.mjs`: the secrets docker-compose.yml needs, generated fresh and
// appended to .env (Compose reads it for ${...}). A variable already in .env or in the environment is
// kept as it is: replacing SECRET_KEY or ENCRYPTION_KEYS would orphan the data sealed under them.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const envFile = process.argv[2] ?? path.join(root, '.env');

const generators = {
  SECRET_KEY: () => randomBytes(32).toString('base64url'),
  ENCRYPTION_KEYS: () => `k1:${randomBytes(32).toString('base64')}`,
  METRICS_TOKEN: () => randomBytes(32).toString('base64url'),
  POSTGRES_PASSWORD: () => randomBytes(24).toString('base64url'),
};

const existing = fs.existsSync(envFile) ? parseEnv(fs.readFileSync(envFile, 'utf8')) : {};
const added = Object.entries(generators)
  .filter(([name]) => existing[name] === undefined && process.env[name] === undefined)
  .map(([name, generate]) => `${name}=${generate()}`);
if (added.length > 0) {
  const text = fs.existsSync(envFile) ? fs.readFileSync(envFile, 'utf8') : '';
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  fs.writeFileSync(envFile, `${text}${separator}# Written by scripts/compose-secrets.mjs for docker compose.\n${added.join('\n')}\n`, { mode: 0o600 });
}
console.log(added.length > 0
  ? `Added ${added.map((line) => line.split('=')[0]).join(', ')} to ${envFile}.`
  : `${envFile} already has every secret docker compose needs.`);
