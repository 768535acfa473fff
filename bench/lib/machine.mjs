// What the figures came from: the machine, the versions, and how busy it was.
import fs from 'node:fs';
import os from 'node:os';

export function machine() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
  };
}

/** Share of CPU time the whole machine spent busy between two readings of /proc/stat. */
export function cpuBusyReader() {
  const read = () => {
    try {
      const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
      const values = fields.map(Number);
      const idle = values[3] + (values[4] ?? 0);
      return { idle, total: values.reduce((a, b) => a + b, 0) };
    } catch {
      return null;
    }
  };
  const start = read();
  return () => {
    const end = read();
    if (!start || !end || end.total === start.total) return null;
    return Math.round((1 - (end.idle - start.idle) / (end.total - start.total)) * 1000) / 10;
  };
}
