import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Platform } from '../../platform/context';
import { isFinalFailure } from '../../platform/job-completion';
import type { DbClient } from '../../platform/db';
import { JOBS, jobPayloads } from '../../platform/queues';
import { withPersonalDataOf } from '../supporters';
import { buildBody, supporterNamedBy } from './payloads';
import { sendSigned } from './http-send';
import { urlRefusal } from './url-safety';
import { SECRET_COLUMN } from './secrets';
import * as repo from './webhooks.repository';

/** A domain event becomes one delivery (and one send job) per endpoint that takes its type. */
export function fanOutHandler(platform: Platform) {
  return async (job: Job) => {
    const { eventId } = jobPayloads[JOBS.fanOutEvent].parse(job.data);
    return { deliveries: await repo.fanOut(platform.db, eventId) };
  };
}

const LOCKED = 'sends holding a personal-data lock';

/**
 * How many requests this process has in flight to each endpoint. A slow endpoint holds at most
 * WEBHOOKS_PER_ENDPOINT_IN_FLIGHT of the worker's slots, a failing one (its last attempt failed)
 * one; its other jobs wait a moment (delayed, which costs no attempt) while other endpoints' jobs run.
 */
class InFlight {
  private readonly counts = new Map<string, number>();
  constructor(private readonly cap: number) {}

  tryTake(endpointId: string, cap = this.cap): boolean {
    const count = this.counts.get(endpointId) ?? 0;
    if (count >= Math.min(cap, this.cap)) return false;
    this.counts.set(endpointId, count + 1);
    return true;
  }

  give(endpointId: string): void {
    const count = (this.counts.get(endpointId) ?? 1) - 1;
    if (count <= 0) this.counts.delete(endpointId);
    else this.counts.set(endpointId, count);
  }
}

/**
 * Sends one delivery. The job carries the delivery id only; the body is read from the database
 * now. A failed attempt throws, so BullMQ retries it with exponential backoff (about three days in
 * all, WEBHOOKS_MAX_ATTEMPTS and WEBHOOKS_RETRY_BASE_MS); every attempt is recorded with its
 * status code. Delivered, skipped or deleted: the job ends quietly, so running it twice sends once.
 */
export function sendDeliveryHandler(platform: Platform) {
  const { config, logger } = platform;
  const inFlight = new InFlight(config.WEBHOOKS_PER_ENDPOINT_IN_FLIGHT);
  // Each send under a supporter's lock holds a database connection for its request: at most half
  // of the pool, so slow personal-data endpoints cannot starve the process's other queries.
  const lockSlots = Math.max(1, Math.floor(config.DATABASE_POOL_SIZE / 2));
  const lockedSends = new InFlight(lockSlots);
  // …and one endpoint at most half of those, so a hanging one cannot take them all before its
  // first timeout marks it failing.
  const lockedByEndpoint = new InFlight(Math.max(1, Math.floor(lockSlots / 2)));
  return async (job: Job, token?: string) => {
    const { deliveryId } = jobPayloads[JOBS.sendWebhook].parse(job.data);
    const delivery = await repo.deliveryForSend(platform.db, deliveryId);
    if (!delivery) return 'gone: its endpoint was deleted';
    if (delivery.status === 'delivered') return 'already delivered';
    if (delivery.disabled) {
      await repo.markSkipped(platform.db, deliveryId);
      return 'skipped: endpoint disabled';
    }
    const delay = async (ms: number): Promise<never> => {
      await job.moveToDelayed(Date.now() + Math.round(ms), token);
      throw new DelayedError();
    };
    // A body with a supporter's personal data is read and sent under their lock, so an erasure
    // cannot commit between reading it and the request's end (webhooks README).
    const supporterId = delivery.personal_data ? supporterNamedBy(delivery) : undefined;
    // The endpoint's slot first: a dead endpoint's jobs must not sit on the few lock-holding slots
    // (they held four of five for a timeout each, and live endpoints' deliveries fell to 30/s).
    const failing = delivery.consecutive_failures > 0;
    if (!inFlight.tryTake(delivery.endpoint_id, failing ? 1 : undefined)) {
      // A busy endpoint's job looks again in a moment; a failing one's waits about a retry delay, so
      // a dead endpoint's backlog does not spin through the queue while its slot times out.
      return delay(failing ? config.WEBHOOKS_RETRY_BASE_MS * (0.5 + Math.random()) : 200 + Math.random() * 300);
    }
    if (supporterId && !lockedByEndpoint.tryTake(delivery.endpoint_id)) {
      inFlight.give(delivery.endpoint_id);
      return delay(200 + Math.random() * 300);
    }
    if (supporterId && !lockedSends.tryTake(LOCKED)) {
      inFlight.give(delivery.endpoint_id);
      lockedByEndpoint.give(delivery.endpoint_id);
      return delay(50 + Math.random() * 150);
    }
    try {
      const refusal = urlRefusal(delivery.url, config.WEBHOOKS_ALLOW_PRIVATE_HOSTS);
      const send = async (db: DbClient) =>
        sendSigned({
          url: delivery.url,
          secret: platform.cipher.open(delivery.secret_encrypted, SECRET_COLUMN, delivery.endpoint_id),
          id: delivery.event_id,
          body: JSON.stringify(await buildBody(platform, delivery, db)),
          timeoutMs: config.WEBHOOKS_TIMEOUT_MS,
          allowPrivateHosts: config.WEBHOOKS_ALLOW_PRIVATE_HOSTS,
        });
      const result = refusal
        ? { ok: false, statusCode: null, error: 'refused_url', durationMs: 0 }
        : supporterId
          ? await withPersonalDataOf(platform.db, supporterId, config.WEBHOOKS_TIMEOUT_MS * 2 + 5_000, send)
          : await send(platform.db);
      const failure = new Error(`webhook attempt failed (${result.error ?? 'unknown'})`);
      const final = !result.ok && (refusal !== undefined || isFinalFailure(job, failure));
      const { disabledNow } = await platform.db.$transaction((tx) =>
        repo.recordAttempt(tx, {
          deliveryId,
          endpointId: delivery.endpoint_id,
          ok: result.ok,
          final,
          statusCode: result.statusCode,
          error: result.error,
          durationMs: result.durationMs,
          disableAfterSeconds: config.WEBHOOKS_DISABLE_AFTER_SECONDS,
        }),
      );
      if (disabledNow) logger.warn({ endpointId: delivery.endpoint_id }, 'webhook endpoint disabled: it has failed for too long');
      if (result.ok) return { statusCode: result.statusCode };
      if (refusal) throw new UnrecoverableError('webhook URL refused');
      throw failure;
    } finally {
      inFlight.give(delivery.endpoint_id);
      if (supporterId) {
        lockedSends.give(LOCKED);
        lockedByEndpoint.give(delivery.endpoint_id);
      }
    }
  };
}
