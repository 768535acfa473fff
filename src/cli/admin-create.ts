import { loadConfig } from '../platform/config';
import { createDb } from '../platform/db';
import { AppError } from '../platform/errors';
import { createAccount, MIN_PASSWORD_LENGTH, ROLES, staffContext, type Role } from '../modules/admin';
import { loadEnvFile } from './env-file';

const USAGE = `Usage: npm run admin:create -- --email <address> --role ${ROLES.slice().reverse().join('|')} [--password-stdin]`;

/**
 * `npm run admin:create -- --email E --role owner|editor|viewer`: creates an admin account and
 * prints its generated password once; with --password-stdin it reads the password from standard
 * input instead (at least ${MIN_PASSWORD_LENGTH} characters). Exits 1 on a refusal, 2 on a usage error.
 */
async function main(): Promise<number> {
  loadEnvFile();
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    console.error(`${args}\n${USAGE}`);
    return 2;
  }
  let password: string | undefined;
  if (args.passwordStdin) {
    // One line; a trailing newline from `echo` or a here-string is not part of the password.
    password = (await readStdin()).replace(/\r?\n$/, '');
    if (password.length < MIN_PASSWORD_LENGTH) {
      console.error(`Refused: the password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
      return 1;
    }
  }
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, 2);
  try {
    const { account, password: used } = await createAccount(staffContext({ db }, 'cli'), {
      email: args.email,
      role: args.role,
      ...(password !== undefined ? { password } : {}),
    });
    if (password === undefined) {
      console.log(`Created ${account.role} ${account.email}. Password (shown once; store it now):\n${used}`);
    } else {
      console.log(`Created ${account.role} ${account.email} with the password from standard input.`);
    }
    return 0;
  } catch (error) {
    if (error instanceof AppError && (error.code === 'conflict' || error.code === 'validation_failed')) {
      console.error(`Refused: ${error.detail}`);
      return 1;
    }
    throw error;
  } finally {
    await db.$disconnect();
  }
}

function parseArgs(argv: string[]): { email: string; role: Role; passwordStdin: boolean } | string {
  let email: string | undefined;
  let role: string | undefined;
  let passwordStdin = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--email') email = argv[++i];
    else if (arg === '--role') role = argv[++i];
    else if (arg === '--password-stdin') passwordStdin = true;
    else return `Unknown argument: ${arg}`;
  }
  if (!email) return 'Missing --email.';
  if (!role || !(ROLES as readonly string[]).includes(role)) return 'Missing or unknown --role.';
  return { email, role: role as Role, passwordStdin };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('admin:create failed:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
