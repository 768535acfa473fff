import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../../src/platform/config';
import { closePlatform, createPlatform, type Platform } from '../../../src/platform/context';
import { envelopesUnderOtherKeys, reSealAll, SEALED_COLUMNS } from '../../../src/modules/supporters/key-rotation';
import { open, PURPOSE, seal } from '../../../src/modules/supporters/personal-data';
import { createCampaign, signingBody } from '../../support/fixtures';
import { postJson, startTestApi } from '../../support/harness';

const ROOT = path.resolve(__dirname, '..', '..', '..');

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
      const signing = await before.platform.db.signature.findFirstOrThrow({ where: { campaignId: campaign.id }, select: { supporterId: true, attempts: { select: { id: true } } } });
      const target = await before.platform.db.target.create({ data: { iso2: 'ZY', country: 'Rotland', unGroup: 'African', missionName: 'Mission of Rotland', salutation: 'Excellency' }, select: { id: true } });
      // A held letter: the case that broke delivery when rotation skipped paragraphs.
      await before.platform.db.letter.create({ data: {
        campaignId: campaign.id, supporterId: signing.supporterId, targetId: target.id, attemptId: signing.attempts[0]!.id, status: 'held',
        paragraphEncrypted: seal(before.platform, 'My own words.', PURPOSE.paragraph),
      } });

      after = createPlatform(parseConfig({ ...process.env, ENCRYPTION_KEYS: `${newKey},${oldKey}` }), 'test');
      const all = Object.fromEntries(SEALED_COLUMNS.map((s) => [`${s.table}.${s.column}`, 1]));
      expect(await envelopesUnderOtherKeys(after)).toEqual(all);
      expect(await reSealAll(after)).toEqual(all);
      expect(await envelopesUnderOtherKeys(after)).toEqual(Object.fromEntries(Object.keys(all).map((k) => [k, 0])));

      const signature = await after.db.signature.findFirstOrThrow({ where: { campaignId: campaign.id }, include: { supporter: true } });
      const letter = await after.db.letter.findFirstOrThrow({ where: { campaignId: campaign.id } });
      for (const envelope of [signature.supporter.emailEncrypted, signature.supporter.nameEncrypted, signature.cityEncrypted!, signature.commentEncrypted!, letter.paragraphEncrypted!]) {
        expect(envelope.startsWith('v1.new_2.')).toBe(true);
      }
      expect(open(after, signature.supporter.emailEncrypted, PURPOSE.email)).toBe(body.email);
      expect(open(after, signature.cityEncrypted!, PURPOSE.city)).toBe('Almaty');
      expect(open(after, letter.paragraphEncrypted!, PURPOSE.paragraph)).toBe('My own words.');
      expect(Object.values(await reSealAll(after)).every((n) => n === 0)).toBe(true);

      // Without the old key, nothing is unreadable.
      const newOnly = createPlatform(parseConfig({ ...process.env, ENCRYPTION_KEYS: newKey }), 'test');
      try {
        expect(open(newOnly, letter.paragraphEncrypted!, PURPOSE.paragraph)).toBe('My own words.');
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
    if (!fs.existsSync(cli)) expect(spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT }).status).toBe(0);
    const current = `${newKey},${oldKey}`;
    const platform = createPlatform(parseConfig({ ...process.env, ENCRYPTION_KEYS: current }), 'test');
    const unknownKey = `gone_9:${randomBytes(32).toString('base64')}`;
    try {
      const rows = await platform.db.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM letters LIMIT 1`;
      const run = (keys: string) => spawnSync(process.execPath, [cli], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ENCRYPTION_KEYS: keys, NODE_ENV: 'test' } });

      // An envelope under a key the process does not hold cannot be re-sealed: it must say so.
      const foreign = createPlatform(parseConfig({ ...process.env, ENCRYPTION_KEYS: unknownKey }), 'test');
      const stray = seal(foreign, 'Sealed under a key that is gone.', PURPOSE.paragraph);
      await closePlatform(foreign);
      const saved = await platform.db.letter.findFirstOrThrow({ where: { id: rows[0]!.id }, select: { paragraphEncrypted: true } });
      await platform.db.letter.update({ where: { id: rows[0]!.id }, data: { paragraphEncrypted: stray } });
      const failed = run(current);
      expect(failed.status).toBe(1);
      expect(failed.stderr).toContain('Envelopes still under another key: letters.paragraph_encrypted 1');
      expect(failed.stdout + failed.stderr).not.toContain('Sealed under');

      await platform.db.letter.update({ where: { id: rows[0]!.id }, data: { paragraphEncrypted: saved.paragraphEncrypted } });
      const ok = run(current);
      expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
      expect(ok.stdout).toContain('letters.paragraph_encrypted');
      expect(ok.stdout).toContain('No envelope is left under any key other than');
    } finally {
      await closePlatform(platform);
    }
  });
});
