import type { Response } from 'express';
import { pageActor } from './page-guard';

/** What the layout shows of the logged-in staff member, and the token their page's writes send. */
export function chrome(res: Response) {
  const actor = pageActor(res);
  return {
    email: actor.email ?? 'API token',
    role: actor.role,
    isOwner: actor.role === 'owner',
    canEdit: actor.role !== 'viewer',
    csrfToken: actor.csrfToken ?? '',
    // The export routes refuse staff without the permission; the pages do not offer them the buttons.
    canExport: actor.canExport,
  };
}
