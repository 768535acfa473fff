import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { sqlRows } from '../../../platform/sql-rows';
import type { Platform } from '../../../platform/context';
import { AppError } from '../../../platform/errors';
import { problemResponse } from '../../../platform/http/openapi';
import { subjectOfReturnPath } from '../../../platform/return-path';
import { takeReport } from '../intake';
import type { ParsedReport } from '../reports';
import { isFresh } from './freshness';
import { mailgunCallSchema, mailgunReport, mailgunSignatureValid } from './mailgun';
import { firstReceipt, forgetReceiptsOlderThan } from './receipts';
import { confirmSubscription, SNS_HOST_PATTERN, sesReport, snsEnvelopeSchema, verifySnsSignature } from './ses';

/**
 * Provider webhooks: the same reports as the inbound listener, for senders that relay through a
 * provider that handles bounces itself. Each call must be signed by the provider and recent; a
 * call already taken (the provider retrying, or someone replaying it) answers 200 and does
 * nothing. Everything goes through the one intake.
 */
export interface WebhookOptions {
  /** Where SNS signing certificates and subscription URLs may live (tests serve their own). */
  snsHostPattern?: RegExp;
}

const answerSchema = z
  .object({
    status: z.enum(['recorded', 'duplicate', 'ignored', 'subscribed']),
    recorded: z.number().int(),
  })
  .openapi('WebhookAnswer');
type Answer = z.infer<typeof answerSchema>;

const WEBHOOK_BODY_LIMIT = '256kb';
const FORGET_EVERY_MS = 60_000;

export function providerWebhooksRouter(platform: Platform, options: WebhookOptions = {}): Router {
  const router = express.Router();
  const { config, db } = platform;
  const hostPattern = options.snsHostPattern ?? SNS_HOST_PATTERN;
  const topics = new Set(config.SES_SNS_TOPIC_ARNS);
  let forgotAt = 0;

  async function take(provider: 'ses' | 'mailgun', receiptId: string, returnPaths: string[], report: ParsedReport, raw: Buffer): Promise<Answer> {
    if (!(await isNewReceipt(provider, receiptId))) return { status: 'duplicate', recorded: 0 };
    const subject = returnPaths.map((path) => subjectOfReturnPath(platform.returnPaths, path)).find(Boolean) ?? null;
    let recorded = 0;
    if (subject && report.verdicts.length > 0) recorded = (await takeReport(platform, subject, report, raw)).recorded;
    // Taken only once its effect is recorded: a failure above leaves the provider's retry welcome.
    await firstReceipt(db, provider, receiptId);
    if (Date.now() - forgotAt > FORGET_EVERY_MS) {
      forgotAt = Date.now();
      await forgetReceiptsOlderThan(db, 2 * config.PROVIDER_WEBHOOK_MAX_AGE_SECONDS);
    }
    platform.logger.info({ provider, verdicts: report.verdicts.map((v) => v.kind), recorded, matched: Boolean(subject) }, 'provider delivery report');
    return { status: subject && report.verdicts.length > 0 ? 'recorded' : 'ignored', recorded };
  }

  async function isNewReceipt(provider: 'ses' | 'mailgun', receiptId: string): Promise<boolean> {
    const rows = await sqlRows(db, z.strictObject({ n: z.number() }))`
      SELECT 1 AS n FROM webhook_receipts WHERE provider = ${provider} AND receipt_id = ${receiptId}`;
    return rows.length === 0;
  }

  router.post('/api/webhooks/ses', express.text({ type: () => true, limit: WEBHOOK_BODY_LIMIT }), async (req: Request, res: Response) => {
    if (topics.size === 0) throw new AppError('not_found', { key: 'staff.sesDisabled' });
    // SNS posts text/plain; a body sent as application/json arrives already parsed by the app.
    const parsed = typeof req.body === 'string' ? null : (req.body as unknown);
    const text = typeof req.body === 'string' ? req.body : JSON.stringify(parsed ?? null);
    let json: unknown = parsed;
    if (parsed === null) {
      try {
        json = JSON.parse(text);
      } catch {
        throw new AppError('malformed_body', { key: 'staff.snsAsJson' });
      }
    }
    const envelope = snsEnvelopeSchema.parse(json);
    if (!topics.has(envelope.TopicArn)) throw new AppError('forbidden', { key: 'staff.snsTopicUnknown' });
    if (!(await verifySnsSignature(envelope, hostPattern))) throw new AppError('unauthorised', { key: 'staff.snsSignature' });
    if (!isFresh(new Date(envelope.Timestamp), config.PROVIDER_WEBHOOK_MAX_AGE_SECONDS)) {
      throw new AppError('unauthorised', { key: 'staff.snsReplay' });
    }
    if (envelope.Type === 'SubscriptionConfirmation') {
      if (!envelope.SubscribeURL || !(await confirmSubscription(envelope.SubscribeURL, hostPattern))) {
        throw new AppError('unavailable', { key: 'staff.snsSubscription' });
      }
      platform.logger.info({ provider: 'ses' }, 'SNS subscription confirmed');
      return res.json({ status: 'subscribed', recorded: 0 } satisfies Answer);
    }
    if (envelope.Type === 'UnsubscribeConfirmation') return res.json({ status: 'ignored', recorded: 0 } satisfies Answer);
    const event = sesReport(envelope);
    if (!event) return res.json({ status: 'ignored', recorded: 0 } satisfies Answer);
    res.json(await take('ses', envelope.MessageId, event.returnPaths, event.report, Buffer.from(text)));
  });

  // JSON bodies here are read by the app's /api/webhooks parser (256 KB, see platform/http/app.ts).
  router.post('/api/webhooks/mailgun', async (req: Request, res: Response) => {
    const key = config.MAILGUN_WEBHOOK_SIGNING_KEY;
    if (!key) throw new AppError('not_found', { key: 'staff.mailgunDisabled' });
    if (!req.is('application/json')) throw new AppError('unsupported_media_type', { key: 'problems.detail.sendJson' });
    const call = mailgunCallSchema.parse(req.body);
    if (!mailgunSignatureValid(key, call)) throw new AppError('unauthorised', { key: 'staff.mailgunSignature' });
    if (!isFresh(new Date(Number(call.signature.timestamp) * 1000), config.PROVIDER_WEBHOOK_MAX_AGE_SECONDS)) {
      throw new AppError('unauthorised', { key: 'staff.mailgunReplay' });
    }
    const event = mailgunReport(call);
    res.json(await take('mailgun', call.signature.token, event.returnPaths, event.report, Buffer.from(JSON.stringify(req.body))));
  });

  return router;
}

export function describeProviderWebhooksApi(registry: OpenAPIRegistry): void {
  const common = {
    200: { description: 'Taken (recorded, or nothing to record), or already taken before', content: { 'application/json': { schema: answerSchema } } },
    400: problemResponse("Not a call of this provider's shape"),
    401: problemResponse('Signature missing or wrong, or the call is too old (a replay)'),
    404: problemResponse('This provider is not configured'),
    413: problemResponse('Body over 256 KB'),
  };
  registry.registerPath({
    method: 'post',
    path: '/api/webhooks/ses',
    summary: 'Amazon SES bounce and complaint notifications through SNS (signature verified; subscription confirmed)',
    tags: ['Delivery reports'],
    request: { body: { content: { 'text/plain': { schema: z.string() } } } },
    responses: {
      ...common,
      403: problemResponse('The topic is not one of SES_SNS_TOPIC_ARNS'),
      503: problemResponse('The subscription could not be confirmed; SNS tries again'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/webhooks/mailgun',
    summary: 'Mailgun failed and complained events (HMAC signature and token checked)',
    tags: ['Delivery reports'],
    request: { body: { content: { 'application/json': { schema: mailgunCallSchema } } } },
    responses: { ...common, 415: problemResponse('Not application/json') },
  });
}
