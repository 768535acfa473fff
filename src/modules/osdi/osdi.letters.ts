import { Router, type Request, type Response } from 'express';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { openPersonalData, SEALED } from '../supporters';
import { requireScope } from './osdi.auth';
import { auditPersonalRead, collection, idOf, paged, sendHal, withPersonalData } from './osdi.hal';
import { parseCollectionQuery, parseFilter } from './osdi.query';
import * as repo from './osdi.repository';
import { osdiBase } from './osdi.resources';

/**
 * Letters to delegations as OSDI's advocacy campaigns (one per published campaign with letters,
 * its targets the delegations written to, with the campaign's letter templates) and outreaches
 * (one per letter: its delegation, status and language). A letter is a supporter's, so the person
 * link and the supporter's own paragraph are shown only to an osdi:people token, and audited.
 * The rendered subject is not kept per letter; the templates it is rendered from are on the
 * advocacy campaign.
 */

const iso = (date: Date) => date.toISOString();

function advocacyCampaignResource(base: string, row: repo.AdvocacyCampaignRow, publicUrl: string) {
  return {
    identifiers: [`clarion:${row.id}`],
    origin_system: 'Clarion',
    created_date: iso(row.created_at),
    modified_date: iso(row.updated_at),
    name: row.slug,
    title: row.title,
    summary: row.summary ?? undefined,
    browser_url: publicUrl,
    type: 'email',
    total_outreaches: row.outreaches,
    targets: row.targets.map((t) => ({ title: t.organization, organization: t.organization, 'clarion:iso2': t.iso2, 'clarion:country': t.country })),
    // Handlebars in Clarion's letter vocabulary; none means the built-in default letter.
    'clarion:letter_templates': row.templates,
    'clarion:status': row.status,
    _links: {
      self: { href: `${base}/advocacy_campaigns/${row.id}` },
      'osdi:outreaches': { href: `${base}/advocacy_campaigns/${row.id}/outreaches` },
      'osdi:petition': { href: `${base}/petitions/${row.id}` },
    },
  };
}

function outreachResource(platform: Pick<Platform, 'cipher'>, base: string, row: repo.OutreachRow, personal: boolean) {
  const paragraph = personal && row.paragraph_encrypted ? openPersonalData(platform, row.paragraph_encrypted, SEALED.letterParagraph, row.id) : undefined;
  return {
    identifiers: [`clarion:${row.id}`],
    origin_system: 'Clarion',
    created_date: iso(row.created_at),
    modified_date: iso(row.updated_at),
    type: 'email',
    targets: [{ title: row.organization, organization: row.organization, 'clarion:iso2': row.iso2, 'clarion:country': row.country }],
    'clarion:status': row.status,
    'clarion:language': row.language ?? undefined,
    'clarion:sent_date': row.sent_at ? iso(row.sent_at) : undefined,
    ...(paragraph ? { 'clarion:paragraph': paragraph } : {}),
    _links: {
      self: { href: `${base}/outreaches/${row.id}` },
      'osdi:advocacy_campaign': { href: `${base}/advocacy_campaigns/${row.campaign_id}` },
      ...(personal && !row.anonymous ? { 'osdi:person': { href: `${base}/people/${row.supporter_id}` } } : {}),
    },
  };
}

export function osdiLettersRouter(platform: Platform): Router {
  const router = Router();
  const base = osdiBase(platform);
  const read = requireScope(platform, 'osdi:read');
  const publicUrl = (slug: string) => `${platform.config.PUBLIC_BASE_URL}/c/${slug}`;
  const notFound = (resource: string) => new AppError('not_found', { key: 'staff.osdiNoResource', params: { resource } });

  router.get('/api/osdi/v1/advocacy_campaigns', read, async (req, res) => {
    const query = parseCollectionQuery(req.query);
    const { rows, total } = await paged(query, (limit, offset) => repo.listAdvocacyCampaigns(platform.db, null, query.window, limit, offset));
    const items = rows.map((row) => advocacyCampaignResource(base, row, publicUrl(row.slug)));
    collection(req, res, platform, 'osdi:advocacy_campaigns', query, items, total);
  });

  router.get('/api/osdi/v1/advocacy_campaigns/:id', read, async (req, res) => {
    const [row] = (await repo.listAdvocacyCampaigns(platform.db, idOf(req, 'advocacy campaign'), parseFilter(undefined), 1, 0)).rows;
    if (!row) throw notFound('advocacy campaign');
    sendHal(res, advocacyCampaignResource(base, row, publicUrl(row.slug)));
  });

  const outreaches = async (req: Request, res: Response, campaignId: string | null) => {
    const query = parseCollectionQuery(req.query);
    const personal = withPersonalData(res);
    const { rows, total } = await paged(query, (limit, offset) => repo.listOutreaches(platform.db, { campaignId, id: null }, query.window, limit, offset));
    if (personal) await auditPersonalRead(platform, res, 'outreaches', rows.length);
    const items = rows.map((row) => outreachResource(platform, base, row, personal));
    collection(req, res, platform, 'osdi:outreaches', query, items, total);
  };
  router.get('/api/osdi/v1/outreaches', read, (req, res) => outreaches(req, res, null));
  router.get('/api/osdi/v1/advocacy_campaigns/:id/outreaches', read, (req, res) => outreaches(req, res, idOf(req, 'advocacy campaign')));

  router.get('/api/osdi/v1/outreaches/:id', read, async (req, res) => {
    const [row] = (await repo.listOutreaches(platform.db, { campaignId: null, id: idOf(req, 'outreach') }, parseFilter(undefined), 1, 0)).rows;
    if (!row) throw notFound('outreach');
    if (withPersonalData(res)) await auditPersonalRead(platform, res, 'outreach', 1);
    sendHal(res, outreachResource(platform, base, row, withPersonalData(res)));
  });

  return router;
}
