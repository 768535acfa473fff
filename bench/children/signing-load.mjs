// The load generator, in a process of its own so it does not share the API's event loop: autocannon
// posting distinct signatures (a new address each time) for a while, at a concurrency or a fixed rate.
// Input: one JSON argument { url, slug, wording, connections, seconds, rate?, domain }. Output: IPC "result".
import autocannon from 'autocannon';

const { url, slug, wording, extra, connections, seconds, rate, domain } = JSON.parse(process.argv[2]);
const countries = ['KZ', 'CH', 'DE', 'FR', 'US', 'GB', 'RU', 'KG', 'UZ', 'NL'];
let n = 0;

const instance = autocannon({
  url: `${url}/api/campaigns/${slug}/signatures`,
  connections,
  duration: seconds,
  ...(rate ? { overallRate: rate } : {}),
  timeout: 10,
  requests: [{
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    setupRequest(request) {
      n += 1;
      request.body = JSON.stringify({
        email: `supporter.${process.pid}.${n}@${domain}`,
        name: `Bench Supporter ${n}`,
        country: countries[n % countries.length],
        city: 'Almaty',
        consent: { updates: n % 2 === 0, wording },
        ...extra,
        ...(n % 5 === 0 ? { source: 'partner-site', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'viral' } : {}),
      });
      return request;
    },
  }],
}, (error, result) => {
  if (error) {
    process.send({ type: 'result', error: error.message });
    return;
  }
  process.send({
    type: 'result',
    sent: n,
    seconds: result.duration,
    accepted: result.statusCodeStats?.['202']?.count ?? 0,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
    errors: result.errors,
    timeouts: result.timeouts,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    requestsPerSecond: result.requests.average,
  });
});
process.on('SIGTERM', () => instance.stop());
