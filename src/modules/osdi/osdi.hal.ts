import type { Request, Response } from 'express';
import type { Platform } from '../../platform/context';
import { AppError } from '../../platform/errors';
import { z } from '../../platform/http/zod';
import { auditAccess } from '../admin';
import { osdiContext, osdiPrincipal } from './osdi.auth';
import type { CollectionQuery } from './osdi.query';
import { CURIES } from './osdi.resources';

/** What every OSDI route answers with: HAL documents, pages of collections, ids, audited reads. */
export const HAL = 'application/hal+json';
const idParams = z.object({ id: z.uuid() });

export function idOf(req: Request, resource: string): string {
  const parsed = idParams.safeParse(req.params);
  if (!parsed.success) throw new AppError('not_found', { key: 'staff.osdiNoResource', params: { resource } });
  return parsed.data.id;
}

export function sendHal(res: Response, body: unknown): void {
  res.status(200).set('Cache-Control', 'no-store').type(HAL).send(JSON.stringify(body));
}

/** A page of a collection, with OSDI's counts and the next and previous links clients loop on. */
export function collection<T>(req: Request, res: Response, platform: Platform, rel: string, query: CollectionQuery, items: T[], total: number) {
  const url = (page: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query)) if (key !== 'page' && typeof value === 'string') params.set(key, value);
    params.set('page', String(page));
    params.set('per_page', String(query.perPage));
    return `${platform.config.PUBLIC_BASE_URL}${req.path}?${params}`;
  };
  const totalPages = Math.ceil(total / query.perPage);
  const itemLinks = items.map((item) => ({ href: (item as { _links: { self: { href: string } } })._links.self.href }));
  sendHal(res, {
    total_pages: totalPages,
    per_page: query.perPage,
    page: query.page,
    total_records: total,
    _links: {
      curies: CURIES,
      self: { href: url(query.page) },
      ...(query.page < totalPages ? { next: { href: url(query.page + 1) } } : {}),
      ...(query.page > 1 ? { previous: { href: url(Math.min(query.page - 1, Math.max(totalPages, 1))) } } : {}),
      [rel]: itemLinks,
    },
    // Past the last page the array is empty: clients such as Parsons stop on that.
    _embedded: { [rel]: items },
  });
}

/** Rows of one page and the collection's total, counted again when the page is past the end. */
export async function paged<Row>(query: CollectionQuery, read: (limit: number, offset: number) => Promise<{ rows: Row[]; total: number | null }>) {
  const found = await read(query.perPage, (query.page - 1) * query.perPage);
  const total = found.total ?? (query.page > 1 ? ((await read(1, 0)).total ?? 0) : 0);
  return { rows: found.rows, total };
}

/** Reads of personal data are audited: who (the token), which collection, how many records. */
export async function auditPersonalRead(platform: Platform, res: Response, what: string, records: number) {
  if (records > 0) await auditAccess(osdiContext(platform, res), 'osdi.personal_data.read', { subject: null, details: { what, records } });
}

/** Whether this request's token may see personal data (osdi:people, on an account that may export). */
export function withPersonalData(res: Response): boolean {
  const principal = osdiPrincipal(res);
  return principal.scopes?.includes('osdi:people') === true && principal.canExport;
}
