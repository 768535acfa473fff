#!/usr/bin/env node
// `npm run fuzz`: the suite's fuzz test (tests/integration/hostile-input/fuzz.test.ts) at length,
// 100,000 requests unless FUZZ_REQUESTS says otherwise; FUZZ_SEED picks another deterministic run.
// Not part of `npm test`. Uses the same test database set-up as the suite.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE_OPTIONS = [process.env.NODE_OPTIONS, '--experimental-vm-modules', '--disable-warning=ExperimentalWarning'].filter(Boolean).join(' ');
const env = { ...process.env, NODE_ENV: 'test', NODE_OPTIONS, FUZZ_REQUESTS: process.env.FUZZ_REQUESTS ?? '100000' };
const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(process.execPath, [jest, 'tests/integration/hostile-input/fuzz.test.ts', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
process.exit(result.status ?? 1);
