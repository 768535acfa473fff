import { SendWindow } from '../../../src/modules/mailings/delivery';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SendWindow', () => {
  it('counts the sends in flight and lets the run go on once few enough are left', async () => {
    const window = new SendWindow();
    const sends = [deferred(), deferred(), deferred(), deferred()];
    for (const send of sends) window.add(send.promise);
    expect(window.size).toBe(4);

    let waited = false;
    const waiting = window.waitUntilAtMost(2).then(() => (waited = true));
    sends[0]!.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(waited).toBe(false);
    sends[3]!.resolve();
    await waiting;
    expect(window.size).toBe(2);
  });

  it('drains every send and fails with the first failure, after all have ended', async () => {
    const window = new SendWindow();
    const slow = deferred();
    const failing = deferred();
    window.add(slow.promise);
    window.add(failing.promise);
    failing.reject(new Error('database gone'));
    let drained = false;
    const draining = window.drain().finally(() => (drained = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(drained).toBe(false);
    slow.resolve();
    await expect(draining).rejects.toThrow('database gone');
    expect(window.size).toBe(0);
  });

  it('settles without throwing, so a run that already failed keeps its own error', async () => {
    const window = new SendWindow();
    const failing = deferred();
    window.add(failing.promise);
    failing.reject(new Error('late failure'));
    const results = await window.settle();
    expect(results.map((r) => r.status)).toEqual(['rejected']);
  });
});
