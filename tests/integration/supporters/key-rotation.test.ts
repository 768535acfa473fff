import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../../src/platform/config';
import { closePlatform, createPlatform, type Platform } from '../../../src/platform/context';
import { envelopesNotCurrent, reSealAll, SEALED_COLUMNS } from '../../../src/modules/supporters/key-rotation';
import { open, SEALED, seal } from '../../../src/modules/supporters/personal-data';
import { createCampaign, signingBody } from '../../support/fixtures';
import { postJson, startTestApi } from '../../support/harness';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** An envelope in the old format (v1: bound to a purpose only), as Clarion sealed before row binding. */
function legacySeal(keySpec: string, plaintext: string, purpose: string): string {
  const [id, material] = keySpec.split(':') as [string, string];
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(material, 'base64'), iv);
  cipher.setAAD(Buffer.from(purpose));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

function ensureBuilt(file: string): void {
  if (!fs.existsSync(file)) expect(spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT }).status).toBe(0);
}

describe('the list of sealed columns', () => {
  it('names every …Encrypted field of the schema', () => {
    const schema = fs.readFileSync(path.join(ROOT, 'prisma', 'schema.prisma'), 'utf8');
    const inSchema = [...schema.matchAll(/^\s+\w+Encrypted\s+String\??\s+@map\("(\w+)"\)/gm)].map((m) => m[1]);
    expect(inSchema.length).toBeGreaterThanOrEqual(5);
    expect(SEALED_COLUMNS.map((s) => s.column).sort()).toEqual([...inSchema].sort());
  });
});

// Rotation rewrites every row of the database: this file's own (tests/support/file-database.ts).
describe('rotating the encryption key', () => {
  const oldKey = `old_1:${randomBytes(32).toString('base64')}`;
  const newKey = `new_2:${randomBytes(32).toString('base64')}`;

  it('re-seals every envelope of every sealed column, keeps the data readable, reports none left, and a rerun changes nothing', async () => {
    const before = await startTestApi({ ENCRYPTION_KEYS: oldKey, RATE_LIMIT_ENABLED: 'false' });
    let after: Platform | undefined;
    try {
      const campaign = await createCampaign(before.platform.db);
      const body = signingBody(campaign, { city: 'Almaty', comment: 'For my brother.' });
      expect((await postJson(`${before.url}/api/campaigns/${campaign.slug}/signatures`, body)).status).toBe(202);
      const signing = await before.platform.db.signature.findFirstOrThrow({
        where: { campaignId: campaign.id },
        select: { supporterId: true, attempts: { select: { id: true } } },
      });
      const target = await before.platform.db.target.create({
        data: { iso2: 'ZY', country: 'Rotland', unGroup: 'African', missionName: 'Mission of Rotland', salutation: 'Excellency' },
        select: { id: true },
      });
      // A held letter: the case that broke delivery when rotation skipped paragraphs.
      const letterId = randomUUID();
      await before.platform.db.letter.create({
        data: {
          id: letterId,
          campaignId: campaign.id,
          supporterId: signing.supporterId,
          targetId: target.id,
          attemptId: signing.attempts[0]!.id,
          status: 'held',
          paragraphEncrypted: seal(before.platform, 'My own words.', SEALED.letterParagraph, letterId),
        },
      });
      // A webhook endpoint's signing secret is sealed too, and must survive the old key's removal.
      const endpointId = randomUUID();
      await before.platform.db.webhookEndpoint.create({
        data: {
          id: endpointId,
          url: 'https://crm.example.org/hooks',
          events: ['signature.confirmed'],
          personalData: false,
          secretEncrypted: seal(before.platform, 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtMTIz', SEALED.webhookSecret, endpointId),
        },
      });

      after = createPlatform(parseConfig({ ...process.env, ENCRYPTION_KEYS: `${newKey},${oldKey}` }), 'test');
      const all = Object.fromEntries(SEALED_COLUMNS.map((s) => [`${s.table}.${s.column}`, 1]));
      expect(await envelopesNotCurrent(after)).toEqual(all);
      expect(await reSealAll(after)).toEqual(all);
      expect(await envelopesNotCurrent(after)).toEqual(Object.fromEntries(Object.keys(all).map((k) => [k, 0])));

      const signature = await after.db.signature.findFirstOrThrow({ where: { campaignId: campaign.id }, include: { supporter: true } });
      const letter = await after.db.letter.findFirstOrThrow({ where: { campaignId: campaign.id } });
      for (const envelope of [
        signature.supporter.emailEncrypted,
        signature.supporter.nameEncrypted,
        signature.cityEncrypted!,
        signature.commentEncrypted!,
        letter.paragraphEncrypted!,
      ]) {
        expect(envelope.startsWith('v2.new_2.')).toBe(true);
      }
      expect(open(after, signature.supporter.emailEncrypted, SEALED.supporterEmail, signature.supporterId)).toBe(body.email);
      expect(open(after, signature.cityEncrypted!, SEALED.signatureCity, signature.id)).toBe('Almaty');
      expect(open(after, letter.paragraphEncrypted!, SEALED.letterParagraph, letter.id)).toBe('My own words.');
      expect(Object.values(await reSealAll(after)).every((n) => n === 0)).toBe(true);

      // Without the old key, nothing is unreadable.
      const newOnly = createPlatform(parseConfig({ ...process.env, ENCRYPTION_KEYS: newKey }), 'test');
      try {
        expect(open(newOnly, letter.paragraphEncrypted!, SEALED.letterParagraph, letter.id)).toBe('My own words.');
        const endpoint = await newOnly.db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } });
        expect(open(newOnly, endpoint.secretEncrypted, SEALED.webhookSecret, endpointId)).toBe('whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtMTIz');
      } finally {
        await closePlatform(newOnly);
      }
    } finally {
      await before.close();
      if (after) await closePlatform(after);
    }
  });

  it('npm run keys:rotate exits non-zero while an envelope is left under another key, and 0 once none is', async () => {
    const cli = path.join(ROOT, 'dist', 'src', 'cli', 'rotate-keys.js');
    ensureBuilt(cli);
    const current = `${newKey},${oldKey}`;
    const platform = createPlatform(parseConfig({ ...process.env, ENCRYPTION_KEYS: current }), 'test');
    const unknownKey = `gone_9:${randomBytes(32).toString('base64')}`;
    try {
      const rows = await platform.db.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM letters LIMIT 1`;
      const run = (keys: string) =>
        spawnSync(process.execPath, [cli], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ENCRYPTION_KEYS: keys, NODE_ENV: 'test' } });

      // An envelope under a key the process does not hold cannot be re-sealed: it must say so.
      const foreign = createPlatform(parseConfig({ ...process.env, ENCRYPTION_KEYS: unknownKey }), 'test');
      const stray = seal(foreign, 'Sealed under a key that is gone.', SEALED.letterParagraph, rows[0]!.id);
      await closePlatform(foreign);
      const saved = await platform.db.letter.findFirstOrThrow({ where: { id: rows[0]!.id }, select: { paragraphEncrypted: true } });
      await platform.db.letter.update({ where: { id: rows[0]!.id }, data: { paragraphEncrypted: stray } });
      const failed = run(current);
      expect(failed.status).toBe(1);
      expect(failed.stderr).toContain('Envelopes still under another key or in the old format: letters.paragraph_encrypted 1');
      expect(failed.stdout + failed.stderr).not.toContain('Sealed under');

      // An old-format envelope under a key it holds is re-sealed; one under a key that is gone is
      // reported as left, since nothing can re-seal it.
      await platform.db.letter.update({
        where: { id: rows[0]!.id },
        data: { paragraphEncrypted: legacySeal(unknownKey, 'Old and foreign.', 'letter.paragraph') },
      });
      const oldFormat = run(current);
      expect(oldFormat.status).toBe(1);
      expect(oldFormat.stderr).toContain('letters.paragraph_encrypted 1');
      await platform.db.letter.update({
        where: { id: rows[0]!.id },
        data: { paragraphEncrypted: legacySeal(newKey, 'Old format, current key.', 'letter.paragraph') },
      });
      const upgraded = run(current);
      expect({ status: upgraded.status, stderr: upgraded.stderr }).toEqual({ status: 0, stderr: '' });
      const resealed = await platform.db.letter.findFirstOrThrow({ where: { id: rows[0]!.id }, select: { paragraphEncrypted: true } });
      expect(resealed.paragraphEncrypted!.startsWith('v2.new_2.')).toBe(true);
      expect(open(platform, resealed.paragraphEncrypted!, SEALED.letterParagraph, rows[0]!.id)).toBe('Old format, current key.');

      await platform.db.letter.update({ where: { id: rows[0]!.id }, data: { paragraphEncrypted: saved.paragraphEncrypted } });
      const ok = run(current);
      expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
      expect(ok.stdout).toContain('letters.paragraph_encrypted');
      expect(ok.stdout).toContain('No envelope is left under any key other than');
    } finally {
      await closePlatform(platform);
    }
  });

  it('the migrate command (npm run db:migrate) re-seals old-format envelopes of every sealed column bound to their rows, and a rerun changes nothing', async () => {
    ensureBuilt(path.join(ROOT, 'dist', 'src', 'cli', 'reseal-envelopes.js'));
    const keys = `${newKey},${oldKey}`;
    const platform = createPlatform(parseConfig({ ...process.env, ENCRYPTION_KEYS: keys }), 'test');
    try {
      // Every sealed column gets an old-format envelope under the old key, as the code before row binding wrote them.
      const written: Array<{ sealed: (typeof SEALED_COLUMNS)[number]; id: string; plaintext: string }> = [];
      for (const sealed of SEALED_COLUMNS) {
        const [row] = await platform.db.$queryRawUnsafe<{ id: string }[]>(`SELECT id::text AS id FROM "${sealed.table}" LIMIT 1`);
        expect(row).toBeDefined();
        const plaintext = `old ${sealed.table}.${sealed.column}`;
        await platform.db.$executeRawUnsafe(
          `UPDATE "${sealed.table}" SET "${sealed.column}" = $1 WHERE id = $2::uuid`,
          legacySeal(oldKey, plaintext, sealed.purpose),
          row!.id,
        );
        written.push({ sealed, id: row!.id, plaintext });
      }
      const all = Object.fromEntries(SEALED_COLUMNS.map((s) => [`${s.table}.${s.column}`, 1]));
      expect(await envelopesNotCurrent(platform)).toEqual(all);

      const migrate = () =>
        spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'db-setup.mjs')], {
          cwd: ROOT,
          encoding: 'utf8',
          env: { ...process.env, ENCRYPTION_KEYS: keys, NODE_ENV: 'test' },
        });
      const first = migrate();
      expect(first.status).toBe(0);
      expect(first.stderr).not.toMatch(/fail|error|old /i);
      expect(first.stdout).toContain('Re-sealed envelopes bound to their rows: supporters.email_encrypted 1');
      expect(first.stdout).not.toContain('old ');
      expect(await envelopesNotCurrent(platform)).toEqual(Object.fromEntries(Object.keys(all).map((k) => [k, 0])));
      for (const { sealed, id, plaintext } of written) {
        const [row] = await platform.db.$queryRawUnsafe<{ envelope: string }[]>(
          `SELECT "${sealed.column}" AS envelope FROM "${sealed.table}" WHERE id = $1::uuid`,
          id,
        );
        expect(row!.envelope.startsWith('v2.new_2.')).toBe(true);
        expect(platform.cipher.open(row!.envelope, sealed, id)).toBe(plaintext);
      }

      const second = migrate();
      expect(second.status).toBe(0);
      expect(second.stdout).not.toContain('Re-sealed');
    } finally {
      await closePlatform(platform);
    }
  }, 120_000); // it runs the migrate command as a child process (prisma migrate deploy, then the data step)
});
