// The SMTP sink as the parts see it: a port, a counter to reset and read, and one sample message.
import { forkHelper } from './processes.mjs';

export async function startSink() {
  const helper = forkHelper('smtp-sink.mjs');
  const { port } = await helper.next('listening', 10_000);
  return {
    port,
    pid: helper.pid,
    async reset({ keepSample = false } = {}) {
      helper.send({ type: 'reset', keepSample });
      await helper.next('reset-done', 10_000);
    },
    async count() {
      helper.send({ type: 'count' });
      return helper.next('count', 10_000);
    },
    sample: () => helper.next('sample', 10 * 60_000),
    stop() {
      helper.send({ type: 'stop' });
      return new Promise((resolve) => helper.child.once('exit', resolve));
    },
  };
}
