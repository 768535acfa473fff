import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/** Shorter passwords are refused; generated ones are far longer. */
export const MIN_PASSWORD_LENGTH = 12;

// OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): a login costs tens of milliseconds.
const OPTIONS = {
  algorithm: 2 /* Algorithm.Argon2id: a const enum, not importable under isolatedModules */,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies `password` against `stored`, or, when there is no account, against a dummy hash of
 * the same cost, so an unknown email takes as long to refuse as a wrong password.
 */
export async function verifyPassword(stored: string | undefined, password: string): Promise<boolean> {
  dummyHash ??= hashPassword(randomBytes(24).toString('base64url'));
  const target = stored ?? (await dummyHash);
  try {
    const ok = await verify(target, password);
    return stored !== undefined && ok;
  } catch {
    return false;
  }
}

/** 24 random bytes: 32 base64url characters. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}
