import type { Platform } from '../../platform/context';
import { Prometheus } from './prometheus';
import { QueueHealth } from './queue-health';
import { metricsRouter } from './metrics.routes';

export { describeMetricsApi, metricsRouter } from './metrics.routes';
export { Prometheus } from './prometheus';
export { QueueHealth } from './queue-health';

/** The router and the HTTP timing middleware of one app instance, sharing one registry. */
export function metricsModule(platform: Platform) {
  const queues = new QueueHealth(platform);
  const prometheus = new Prometheus(platform, queues);
  return { router: metricsRouter(platform, { prometheus, queues }), httpMetrics: prometheus.httpMetrics };
}
