import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { Router } from 'express';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { Platform } from '../../platform/context';
import { deriveKey as deriveSecret } from '../../platform/crypto';
import { AppError, fieldError, type ProblemKey } from '../../platform/errors';
import { onlyGetAndHead } from '../../platform/http/method-not-allowed';

/**
 * Proof of work (ALTCHA) for campaigns that turn it on (`Campaign.proofOfWork`): signing needs a
 * solved challenge in the `altcha` field. Challenges are HMAC-signed with a key derived from
 * SECRET_KEY, expire, and each is accepted once (its signature is remembered in the shared state until it
 * would have expired anyway). The widget speaks ALTCHA's v2 protocol: the client searches for the
 * counter whose SHA-256 key starts with the challenge's `keyPrefix`.
 */

/**
 * The widget searches counters from 0 up; the answer is drawn below this. A mid-range phone hashes
 * some tens of thousands of SHA-256 a second in the browser, so this is about a second on average
 * (and under a few seconds at worst), while a bot pays the same for every signature.
 */
export const MAX_COUNTER = 50_000;
const ALGORITHM = 'SHA-256';
const CHALLENGE_TTL_MS = 10 * 60 * 1000;
const REPLAY_PREFIX = 'altcha:used:';

type AltchaLib = typeof import('altcha-lib');
type ShaAlgorithm = typeof import('altcha-lib/algorithms/sha');
let libraries: Promise<[AltchaLib, ShaAlgorithm]> | undefined;
// altcha-lib is ESM-only; this project compiles to CommonJS, where only import() can load it.
const altcha = () => (libraries ??= Promise.all([import('altcha-lib'), import('altcha-lib/algorithms/sha')]));

function secrets(platform: Pick<Platform, 'config'>) {
  return {
    hmacSignatureSecret: deriveSecret(platform.config.SECRET_KEY, 'altcha-challenge').toString('base64url'),
    hmacKeySignatureSecret: deriveSecret(platform.config.SECRET_KEY, 'altcha-key').toString('base64url'),
  };
}

export async function issueChallenge(platform: Pick<Platform, 'config'>, now = Date.now()) {
  const [lib, sha] = await altcha();
  return lib.createChallenge({
    algorithm: ALGORITHM,
    cost: 1,
    counter: randomInt(MAX_COUNTER),
    deriveKey: sha.deriveKey,
    expiresAt: new Date(now + CHALLENGE_TTL_MS),
    ...secrets(platform),
  });
}

const refusal = (message: ProblemKey) => new AppError('proof_of_work_failed', { key: 'problems.detail.proofOfWork' }, [fieldError('altcha', message)]);

/** Accepts a solved, unexpired, genuine challenge once; anything else is a 400 naming the `altcha` field. */
export async function verifyProofOfWork(platform: Pick<Platform, 'config' | 'state'>, payload: string | undefined): Promise<void> {
  if (!payload) throw refusal('problems.message.isRequired');
  let decoded: { challenge?: unknown; solution?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as typeof decoded;
  } catch {
    throw refusal('problems.message.isNotValid');
  }
  const { challenge, solution } = decoded;
  if (!isChallenge(challenge) || !isSolution(solution)) throw refusal('problems.message.isNotValid');
  const [lib, sha] = await altcha();
  let result: Awaited<ReturnType<AltchaLib['verifySolution']>>;
  try {
    result = await lib.verifySolution({ challenge, solution, deriveKey: sha.deriveKey, ...secrets(platform) });
  } catch {
    throw refusal('problems.message.isNotValid');
  }
  if (result.expired) throw refusal('problems.message.hasExpired');
  if (!result.verified) throw refusal('problems.message.isNotValid');
  // Once only: the first to claim the signature wins, until the challenge would have expired.
  const ttlMs = Math.max(1000, (challenge.parameters.expiresAt ?? 0) * 1000 - Date.now() + 1000);
  const claimed = await platform.state.claimOnce(
    `${platform.config.QUEUE_PREFIX}:${REPLAY_PREFIX}${challenge.signature}`,
    Math.min(ttlMs, CHALLENGE_TTL_MS + 60_000),
  );
  if (!claimed) throw refusal('problems.message.usedAlready');
}

type ChallengeLike = Parameters<AltchaLib['verifySolution']>[0]['challenge'] & { signature: string };

function isChallenge(value: unknown): value is ChallengeLike {
  const c = value as { parameters?: Record<string, unknown>; signature?: unknown } | null;
  return (
    !!c &&
    typeof c === 'object' &&
    typeof c.signature === 'string' &&
    c.signature.length <= 200 &&
    !!c.parameters &&
    typeof c.parameters === 'object' &&
    c.parameters.algorithm === ALGORITHM &&
    typeof c.parameters.nonce === 'string' &&
    typeof c.parameters.salt === 'string' &&
    c.parameters.cost === 1 &&
    typeof c.parameters.keyPrefix === 'string' &&
    typeof c.parameters.expiresAt === 'number'
  );
}

function isSolution(value: unknown): value is { counter: number; derivedKey: string } {
  const s = value as { counter?: unknown; derivedKey?: unknown } | null;
  return (
    !!s && typeof s === 'object' && Number.isInteger(s.counter) && (s.counter as number) >= 0 && typeof s.derivedKey === 'string' && s.derivedKey.length <= 200
  );
}

// The widget package's `require` entry is dist/main/altcha.umd.cjs: its dist folder is two levels up.
/** What a page with the widget loads: the widget, then our worker registration (both deferred, in order). */
export const PROOF_OF_WORK_ASSETS = {
  styles: ['/static/vendor/altcha.css'],
  scripts: ['/static/vendor/altcha.js', '/assets/pow/pow.js'],
} as const;

const ALTCHA_DIST = path.join(path.dirname(require.resolve('altcha')), '..');

/**
 * `GET /api/altcha/challenge`, and the widget served by the API itself (no CDN): the build without
 * bundled workers (so nothing runs from a blob: URL the CSP would refuse), its SHA worker, its CSS.
 */
export function proofOfWorkRouter(platform: Platform): Router {
  const router = Router();
  router.get('/api/altcha/challenge', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await issueChallenge(platform));
  });
  // A Map, not an object literal: a request for `constructor` or `__proto__` must find nothing.
  const vendor = new Map<string, string>([
    ['altcha.js', path.join(ALTCHA_DIST, 'external', 'altcha.min.js')],
    ['altcha-sha-worker.js', path.join(ALTCHA_DIST, 'workers', 'sha.js')],
    ['altcha.css', path.join(ALTCHA_DIST, 'external', 'altcha.css')],
  ]);
  router.get('/static/vendor/:file', (req, res, next) => {
    const file = vendor.get(req.params.file);
    if (!file) return next();
    res.set('Cache-Control', 'public, max-age=86400').sendFile(file);
  });
  router.use('/assets/pow', onlyGetAndHead, express.static(path.join(__dirname, 'static'), { maxAge: '1h', fallthrough: false, index: false }));
  return router;
}

export function describeProofOfWorkApi(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/altcha/challenge',
    summary: 'A proof-of-work challenge (ALTCHA v2, SHA-256) for signing a campaign that requires one',
    description:
      'Solve it (the ALTCHA widget does), then send the base64 JSON payload {challenge, solution} as `altcha` with the signing. Each challenge expires after 10 minutes and is accepted once.',
    tags: ['Signing'],
    responses: { 200: { description: 'A signed challenge', content: { 'application/json': { schema: { type: 'object' } } } } },
  });
}
