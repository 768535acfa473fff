import { randomUUID } from 'node:crypto';
import { auditedWrite, auditIn, createAccount, staffContext } from '../../../src/modules/admin';
import { startTestApi, type TestApi } from '../../support/harness';

/**
 * An audited write and its audit row commit together or not at all (admin/use-case.ts), whatever
 * fails: the change, or the row itself.
 */
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const rowsAbout = (subject: string) => api.platform.db.auditEvent.findMany({ where: { subject }, orderBy: { id: 'asc' } });

describe('audited writes', () => {
  it('records who did it, in the write’s transaction: a command-line account creation says cli', async () => {
    const email = `audited-${randomUUID().slice(0, 8)}@staff.example.org`;
    const { account } = await createAccount(staffContext(api.platform, 'cli'), { email, role: 'viewer', password: 'p'.repeat(16) });
    const [row] = await rowsAbout(account.id);
    expect(row).toMatchObject({ action: 'accounts.create', actor: 'cli', actorAccountId: null, details: { role: 'viewer', via: 'cli' } });
  });

  it('keeps nothing of the change when its audit row cannot be written', async () => {
    const subject = `audited-${randomUUID()}`;
    const ctx = staffContext(api.platform, null);
    const write = auditedWrite(ctx, 'test.write', async (tx) => {
      await auditIn(tx, ctx, 'test.change', { subject });
      // PostgreSQL refuses NUL in jsonb text: the audit row fails after the change was made.
      return { result: 'done', subject, details: { note: '\u0000' } };
    });
    await expect(write).rejects.toThrow();
    expect(await rowsAbout(subject)).toEqual([]);
  });

  it('writes no row when the change fails, and none when it says nothing changed', async () => {
    const subject = `audited-${randomUUID()}`;
    const ctx = staffContext(api.platform, null);
    await expect(
      auditedWrite(ctx, 'test.write', async (tx) => {
        await auditIn(tx, ctx, 'test.change', { subject });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await rowsAbout(subject)).toEqual([]);

    const answer = await auditedWrite(ctx, 'test.write', async () => ({ result: 42, audit: false as const }));
    expect(answer).toBe(42);
    expect(await api.platform.db.auditEvent.count({ where: { action: 'test.write' } })).toBe(0);

    await auditedWrite(ctx, 'test.write', async () => ({ result: undefined, subject, details: { changed: 1 } }));
    expect(await rowsAbout(subject)).toEqual([expect.objectContaining({ action: 'test.write', actor: null, details: { changed: 1 } })]);
  });
});
