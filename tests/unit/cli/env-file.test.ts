import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadEnvFile } from '../../../src/cli/env-file';

const names = ['CLARION_ENV_FILE_FROM_FILE', 'CLARION_ENV_FILE_FROM_SHELL'];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clarion-env-'));
const file = path.join(dir, '.env');
fs.writeFileSync(file, 'CLARION_ENV_FILE_FROM_FILE=from-file\nCLARION_ENV_FILE_FROM_SHELL=from-file\n');
const testEnv = process.env.NODE_ENV;

afterEach(() => {
  process.env.NODE_ENV = testEnv;
  for (const name of names) delete process.env[name];
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the .env the commands read after npm start', () => {
  it('adds what the file sets, and what the shell set wins', () => {
    process.env.NODE_ENV = 'development';
    process.env.CLARION_ENV_FILE_FROM_SHELL = 'from-shell';
    loadEnvFile(file);
    expect(process.env.CLARION_ENV_FILE_FROM_FILE).toBe('from-file');
    expect(process.env.CLARION_ENV_FILE_FROM_SHELL).toBe('from-shell');
  });

  it('is ignored in tests and when there is no file', () => {
    loadEnvFile(file);
    expect(process.env.CLARION_ENV_FILE_FROM_FILE).toBeUndefined();
    process.env.NODE_ENV = 'development';
    expect(() => loadEnvFile(path.join(dir, 'missing.env'))).not.toThrow();
    expect(process.env.CLARION_ENV_FILE_FROM_FILE).toBeUndefined();
  });
});
