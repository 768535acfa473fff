import { Router, type Request, type Response } from 'express';
import type { Platform } from '../../platform/context';
import { AppError, fieldError } from '../../platform/errors';
import { requireJson } from '../../platform/http/content-type';
import { auditAccess } from '../admin';
import { signingRateLimits, signPetition, SIGNING_ANSWER } from '../supporters';
import { osdiContext, osdiPrincipal, requireScope } from './osdi.auth';
import { inOsdiTerms, personSignupRequest, petitionIdOf, recordSignatureRequest, signingInputOf, type RecordSignatureRequest } from './osdi.helpers.schemas';
import { parseFilter } from './osdi.query';
import * as repo from './osdi.repository';
import { CURIES, osdiBase } from './osdi.resources';

/**
 * OSDI's record_signature_helper and person_signup_helper. Both are the public form's signing,
 * reached with an API token: the same validation, dedup by canonical email, consent evidence,
 * double opt-in email and limits (per token instead of per network), and the same answer
 * whatever the address had done before. Nothing here reads or writes a supporter itself.
 */
export function osdiHelpersRouter(platform: Platform): Router {
  const router = Router();
  const base = osdiBase(platform);
  const write = requireScope(platform, 'osdi:write');
  const limits = signingRateLimits(platform, undefined, {
    client: (req) => `token:${(req.res ? osdiPrincipal(req.res) : null)?.tokenId ?? 'none'}`,
    emailOf: emailInOsdiBody,
  });

  const sign = async (req: Request, res: Response, petitionId: string | null, body: RecordSignatureRequest) => {
    const petition = petitionId ? (await repo.listPetitions(platform.db, parseFilter(undefined), 1, 0, petitionId)).rows[0] : undefined;
    if (!petition) throw new AppError('not_found', { key: 'staff.osdiNoResource', params: { resource: 'petition' } });
    let result: Awaited<ReturnType<typeof signPetition>>;
    try {
      // No IP: the request comes from the client's server, which is not where the person signed.
      result = await signPetition(osdiContext(platform, res), petition.slug, signingInputOf(platform, petition.id, body), { ip: undefined });
    } catch (error) {
      throw inOsdiTerms(error);
    }
    // Ids only, and only the attempt's (new on every call): nothing says whether the person existed.
    await auditAccess(osdiContext(platform, res), 'osdi.signature.recorded', {
      subject: petition.id,
      details: { attempt: result.kind === 'signed' ? result.attemptId : null },
    });
    res
      .status(202)
      .set('Cache-Control', 'no-store')
      .type('application/hal+json')
      .send(
        JSON.stringify({
          origin_system: 'Clarion',
          'clarion:status': SIGNING_ANSWER.status,
          'clarion:message': SIGNING_ANSWER.message,
          _links: { curies: CURIES, 'osdi:petition': { href: `${base}/petitions/${petition.id}` } },
        }),
      );
  };

  router.post('/api/osdi/v1/petitions/:id/signatures', write, requireJson, ...limits, async (req, res) => {
    const body = recordSignatureRequest.parse(req.body);
    await sign(req, res, petitionIdOf(String(req.params.id), base), body);
  });

  router.post('/api/osdi/v1/people', write, requireJson, ...limits, async (req, res) => {
    const body = personSignupRequest.parse(req.body);
    const petitionId = petitionIdOf(body['clarion:petition'], base);
    if (!petitionId) throw new AppError('validation_failed', { key: 'staff.osdiNeedPetition' }, [fieldError('clarion:petition', 'staff.field.osdiPetition')]);
    await sign(req, res, petitionId, body);
  });

  return router;
}

/** The address an OSDI body names, for the per-domain limits (shared with the public form's). */
function emailInOsdiBody(body: unknown): unknown {
  const person = body && typeof body === 'object' ? (body as { person?: unknown }).person : undefined;
  const addresses = person && typeof person === 'object' ? (person as { email_addresses?: unknown }).email_addresses : undefined;
  const first = Array.isArray(addresses) ? (addresses[0] as unknown) : undefined;
  return first && typeof first === 'object' ? (first as { address?: unknown }).address : undefined;
}
