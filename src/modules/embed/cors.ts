import type { RequestHandler } from 'express';
import type { Platform } from '../../platform/context';
import { findEmbeddableCampaign, isAllowedOrigin, normaliseOrigin } from './embed-origins';
import { allowFramingBy } from './frame-policy';

/**
 * CORS for the public campaign API, answered only for the campaign's `embedOrigins`: exact match,
 * the origin echoed back (never `*`), no credentials (supporters have no cookies to send), and
 * `Vary: Origin` so caches keep answers apart. A refused origin gets no CORS headers at all, and
 * the browser blocks the response. The `cors` package is not installed; this is the little of it
 * we need, with the per-campaign lookup it would need anyway.
 */
const CAMPAIGN_API = /^\/api\/campaigns\/([a-z0-9][a-z0-9-]{0,62})(?:\/(signatures|letters|letters\/preview|targets))?\/?$/;
const ALLOWED_HEADERS = 'Content-Type, Accept, Accept-Language';
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export function campaignCors(platform: Platform): RequestHandler {
  // Our own pages send Origin on every POST; they need no CORS, and no campaign lookup for it.
  const ownOrigin = normaliseOrigin(new URL(platform.config.PUBLIC_BASE_URL).origin);
  return async (req, res, next) => {
    const match = CAMPAIGN_API.exec(req.path);
    if (!match) return next();
    res.vary('Origin');
    const given = req.headers.origin === undefined ? null : normaliseOrigin(req.headers.origin);
    const origin = given === ownOrigin ? null : given;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    // The no-JavaScript form in a partner's iframe posts here, and the answer page shows in that frame.
    const framedAnswer = req.method === 'POST' && match[2] === 'signatures';
    if (origin === null && !framedAnswer) return preflight ? void res.status(204).end() : next();
    try {
      const campaign = await findEmbeddableCampaign(platform.db, match[1]!);
      if (campaign && framedAnswer) allowFramingBy(res, campaign.embedOrigins);
      if (campaign && isAllowedOrigin(campaign, origin)) {
        res.set('Access-Control-Allow-Origin', origin);
        if (preflight) {
          res.set({
            'Access-Control-Allow-Methods': match[2] ? 'GET, POST' : 'GET',
            'Access-Control-Allow-Headers': ALLOWED_HEADERS,
            'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
          });
        }
      }
    } catch (error) {
      return next(error);
    }
    // A preflight is answered here whatever the verdict: without the headers above, the browser refuses.
    if (preflight) return void res.status(204).end();
    next();
  };
}
