import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { parseConfig } from '../../../src/platform/config';

const root = path.join(__dirname, '../../..');
const compose = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');

/** The `KEY: value` lines of one top-level block (enough YAML for this file; no parser dependency). */
function block(text: string, name: string): Record<string, string> {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${name}:`));
  const entries: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^ {2}([A-Z_]+): (.*)$/.exec(line);
    if (!match) break;
    entries[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return entries;
}

describe('docker-compose.yml', () => {
  it('has no fallback for any secret: each is required (${NAME:?...})', () => {
    for (const name of ['SECRET_KEY', 'ENCRYPTION_KEYS', 'METRICS_TOKEN', 'POSTGRES_PASSWORD']) {
      expect(compose).not.toMatch(new RegExp(`\\$\\{${name}:?-`));
      expect(compose).toMatch(new RegExp(`\\$\\{${name}:\\?`));
    }
    expect(compose).toMatch(/^ {6}POSTGRES_PASSWORD: \$\{POSTGRES_PASSWORD:\?/m);
  });

  it('runs a configuration production accepts once scripts/compose-secrets.mjs has written .env', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-compose-'));
    const envFile = path.join(dir, '.env');
    fs.writeFileSync(envFile, 'SECRET_KEY=kept-as-it-is\n');
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !['SECRET_KEY', 'ENCRYPTION_KEYS', 'METRICS_TOKEN', 'POSTGRES_PASSWORD'].includes(name)),
    );
    execFileSync(process.execPath, [path.join(root, 'scripts/compose-secrets.mjs'), envFile], { env: clean });
    const first = parseEnv(fs.readFileSync(envFile, 'utf8'));
    expect(first.SECRET_KEY).toBe('kept-as-it-is');
    execFileSync(process.execPath, [path.join(root, 'scripts/compose-secrets.mjs'), envFile], { env: clean });
    expect(parseEnv(fs.readFileSync(envFile, 'utf8'))).toEqual(first); // a second run changes nothing

    fs.writeFileSync(envFile, '');
    execFileSync(process.execPath, [path.join(root, 'scripts/compose-secrets.mjs'), envFile], { env: clean });
    const secrets = parseEnv(fs.readFileSync(envFile, 'utf8'));
    const interpolated = compose.replace(/\$\{(\w+):\?[^}]*\}/g, (_all, name: string) => secrets[name] ?? '');
    const env = block(interpolated, 'x-clarion-env');
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['SECRET_KEY', 'ENCRYPTION_KEYS', 'METRICS_TOKEN', 'DATABASE_URL', 'SMTP_URL']));
    expect(() => parseConfig(env)).not.toThrow();
    expect(parseConfig(env).NODE_ENV).toBe('production');
  });
});
