import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// Prisma's Rust engines cannot be downloaded on our machines; the JavaScript (WebAssembly) schema
// engine through the pg adapter does migrations instead. See README "Database migrations".
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  // The default is only for commands that need no database (generate, diff): others set DATABASE_URL.
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/clarion' }),
});
