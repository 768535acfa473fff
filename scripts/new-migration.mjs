#!/usr/bin/env node
// Authors a migration without a database: diffs the schema as of the last migration (a snapshot
// kept beside each migration.sql) against prisma/schema.prisma. `migrate dev` cannot run on our
// machines (see README "Database migrations"). Usage: npm run db:new-migration -- <name>
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:new-migration -- <name in snake_case>');
  process.exit(2);
}
const migrationsDir = path.join(root, 'prisma', 'migrations');
fs.mkdirSync(migrationsDir, { recursive: true });
const previous = fs.readdirSync(migrationsDir).filter((d) => /^\d{14}_/.test(d)).sort().at(-1);
const from = previous
  ? ['--from-schema-datamodel', path.join(migrationsDir, previous, 'schema.prisma')]
  : ['--from-empty'];

const placeholder = path.join(root, 'prisma', 'engine', 'PLACEHOLDER');
const diff = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'prisma', 'build', 'index.js'), 'migrate', 'diff', ...from,
    '--to-schema-datamodel', path.join(root, 'prisma', 'schema.prisma'), '--script'],
  { cwd: root, encoding: 'utf8', env: { ...process.env, PRISMA_QUERY_ENGINE_LIBRARY: placeholder, PRISMA_SCHEMA_ENGINE_BINARY: placeholder } },
);
if (diff.status !== 0) {
  process.stderr.write(diff.stderr);
  process.exit(diff.status ?? 1);
}
if (!/^(CREATE|ALTER|DROP)/m.test(diff.stdout)) {
  console.log('The schema has not changed since the last migration; nothing written.');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join(migrationsDir, `${stamp}_${name}`);
fs.mkdirSync(dir);
fs.writeFileSync(path.join(dir, 'migration.sql'), diff.stdout);
fs.copyFileSync(path.join(root, 'prisma', 'schema.prisma'), path.join(dir, 'schema.prisma'));
fs.writeFileSync(path.join(migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n');
console.log(`Wrote ${path.relative(root, dir)}/migration.sql; review it, add what Prisma cannot express (partial indexes), commit.`);
