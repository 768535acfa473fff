// Percentiles and rounding for the table.

export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function round(n, digits = 1) {
  return n === null || n === undefined || !Number.isFinite(n) ? null : Math.round(n * 10 ** digits) / 10 ** digits;
}

export function ratio(value, ceiling) {
  return value === null || ceiling === null || !ceiling ? null : round(value / ceiling, 3);
}

/** Times `calls` sequential runs of `fn`, in milliseconds. */
export async function timeCalls(calls, fn) {
  const times = [];
  for (let i = 0; i < calls; i += 1) {
    const started = process.hrtime.bigint();
    await fn(i);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { p50: round(percentile(times, 50)), p95: round(percentile(times, 95)), calls };
}
