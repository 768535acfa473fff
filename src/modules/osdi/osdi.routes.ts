import { Router, type Request, type Response } from 'express';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { requireScope } from './osdi.auth';
import { auditPersonalRead, collection, idOf, paged, sendHal, withPersonalData } from './osdi.hal';
import { osdiHelpersRouter } from './osdi.helpers';
import { osdiLettersRouter } from './osdi.letters';
import { parseCollectionQuery, MAX_PAGE_SIZE } from './osdi.query';
import * as repo from './osdi.repository';
import { CURIES, osdiBase, personResource, petitionResource, signatureResource } from './osdi.resources';

export function osdiRouter(platform: Platform): Router {
  const router = Router();
  const base = osdiBase(platform);
  const publicUrl = (slug: string) => `${platform.config.PUBLIC_BASE_URL}/c/${slug}`;
  const read = requireScope(platform, 'osdi:read');
  const people = requireScope(platform, 'osdi:people');

  router.get('/api/osdi/v1', read, (_req, res) => {
    sendHal(res, {
      motd: 'Clarion: petitions and letters for human-rights campaigns',
      vendor_name: 'Clarion',
      product_name: 'Clarion',
      osdi_version: '1.2',
      max_pagesize: MAX_PAGE_SIZE,
      namespace: 'clarion',
      _links: {
        curies: CURIES,
        self: { href: base, title: 'Clarion OSDI API entry point' },
        'osdi:petitions': { href: `${base}/petitions`, title: 'Petitions (campaigns)' },
        'osdi:signatures': { href: `${base}/signatures`, title: 'Confirmed signatures of every petition' },
        'osdi:people': { href: `${base}/people`, title: 'People who signed (the osdi:people scope)' },
        'osdi:advocacy_campaigns': { href: `${base}/advocacy_campaigns`, title: 'Letters campaigns: published campaigns with letters to delegations' },
        'osdi:outreaches': { href: `${base}/outreaches`, title: 'Letters to delegations' },
        'osdi:person_signup_helper': { href: `${base}/people`, title: 'POST a person signing a petition named in clarion:petition (osdi:write)' },
      },
    });
  });

  router.get('/api/osdi/v1/petitions', read, async (req, res) => {
    const query = parseCollectionQuery(req.query);
    const { rows, total } = await paged(query, (limit, offset) => repo.listPetitions(platform.db, query.window, limit, offset));
    collection(
      req,
      res,
      platform,
      'osdi:petitions',
      query,
      rows.map((row) => petitionResource(base, row, publicUrl(row.slug))),
      total,
    );
  });

  router.get('/api/osdi/v1/petitions/:id', read, async (req, res) => {
    const id = idOf(req, 'petition');
    const [row] = (await repo.listPetitions(platform.db, parseCollectionQuery({}).window, 1, 0, id)).rows;
    if (!row) throw new AppError('not_found', { key: 'staff.osdiNoResource', params: { resource: 'petition' } });
    sendHal(res, petitionResource(base, row, publicUrl(row.slug)));
  });

  const signatures = async (req: Request, res: Response, scope: { campaignId: string | null; supporterId: string | null }) => {
    const query = parseCollectionQuery(req.query);
    const personal = withPersonalData(res);
    const { rows, total } = await paged(query, (limit, offset) => repo.listSignatures(platform.db, { ...scope, id: null }, query.window, limit, offset));
    if (personal) await auditPersonalRead(platform, res, 'signatures', rows.length);
    collection(
      req,
      res,
      platform,
      'osdi:signatures',
      query,
      rows.map((row) => signatureResource(platform, base, row, personal)),
      total,
    );
  };
  router.get('/api/osdi/v1/signatures', read, (req, res) => signatures(req, res, { campaignId: null, supporterId: null }));
  router.get('/api/osdi/v1/petitions/:id/signatures', read, (req, res) => signatures(req, res, { campaignId: idOf(req, 'petition'), supporterId: null }));
  router.get('/api/osdi/v1/people/:id/signatures', people, (req, res) => signatures(req, res, { campaignId: null, supporterId: idOf(req, 'person') }));

  router.get('/api/osdi/v1/signatures/:id', read, async (req, res) => {
    const id = idOf(req, 'signature');
    const [row] = (await repo.listSignatures(platform.db, { campaignId: null, supporterId: null, id }, parseCollectionQuery({}).window, 1, 0)).rows;
    if (!row) throw new AppError('not_found', { key: 'staff.osdiNoResource', params: { resource: 'signature' } });
    if (withPersonalData(res)) await auditPersonalRead(platform, res, 'signature', 1);
    sendHal(res, signatureResource(platform, base, row, withPersonalData(res)));
  });

  router.get('/api/osdi/v1/people', people, async (req, res) => {
    const query = parseCollectionQuery(req.query);
    const { rows, total } = await paged(query, (limit, offset) => repo.listPeople(platform.db, null, query.window, limit, offset));
    await auditPersonalRead(platform, res, 'people', rows.length);
    collection(
      req,
      res,
      platform,
      'osdi:people',
      query,
      rows.map((row) => personResource(platform, base, row)),
      total,
    );
  });

  router.get('/api/osdi/v1/people/:id', people, async (req, res) => {
    const id = idOf(req, 'person');
    const [row] = (await repo.listPeople(platform.db, id, parseCollectionQuery({}).window, 1, 0)).rows;
    if (!row) throw new AppError('not_found', { key: 'staff.osdiNoResource', params: { resource: 'person' } });
    await auditPersonalRead(platform, res, 'person', 1);
    sendHal(res, personResource(platform, base, row));
  });

  router.use(osdiLettersRouter(platform));
  router.use(osdiHelpersRouter(platform));
  return router;
}
