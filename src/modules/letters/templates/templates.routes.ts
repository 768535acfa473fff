import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import type { Platform } from '../../../platform/context';
import { requireJson } from '../../../platform/http/content-type';
import { ADMIN_SECURITY, problemResponse } from '../../../platform/http/openapi';
import { adminAuth, staffContextOf } from '../../admin';
import { slugParams } from '../../../platform/http/params';
import { adminPreviewSchema, languageQuery, publicPreviewSchema, renderedLetterSchema, templateSchema, templateUpdateSchema } from './templates.schemas';
import { getTemplate, previewLetter, saveTemplate } from './templates.service';

export function templatesRouter(platform: Platform): Router {
  const router = Router();
  // Per route, not router.use(): this router is mounted at the root and sees every request.
  const { requireRole } = adminAuth(platform);

  router.get('/api/admin/campaigns/:slug/letter-template', requireRole('viewer'), async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const { language } = languageQuery.parse(req.query);
    res.set('Cache-Control', 'no-store').json(await getTemplate(platform, slug, language ?? 'en'));
  });

  router.put('/api/admin/campaigns/:slug/letter-template', requireRole('editor'), requireJson, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const { language, ...parts } = templateUpdateSchema.parse(req.body);
    const saved = await saveTemplate(staffContextOf(platform, res), slug, language, parts);
    res.set('Cache-Control', 'no-store').json(saved);
  });

  // Editors': it renders drafts of the template, which only they write.
  router.post('/api/admin/campaigns/:slug/letter-template/preview', requireRole('editor'), requireJson, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const { iso2, supporter, language, template } = adminPreviewSchema.parse(req.body);
    const letter = await previewLetter(
      platform,
      slug,
      {
        iso2,
        language,
        template,
        supporter: { name: supporter.name, city: supporter.city, countryCode: supporter.country, paragraph: supporter.paragraph },
      },
      { publicOnly: false },
    );
    res.set('Cache-Control', 'no-store').json(letter);
  });

  // Public: it renders only what the caller sent, with the campaign's own words around it.
  router.post('/api/campaigns/:slug/letters/preview', requireJson, async (req, res) => {
    const { slug } = slugParams.parse(req.params);
    const { iso2, name, city, country, paragraph } = publicPreviewSchema.parse(req.body);
    const letter = await previewLetter(platform, slug, { iso2, supporter: { name, city, countryCode: country, paragraph } }, { publicOnly: true });
    res.set('Cache-Control', 'no-store').json(letter);
  });

  return router;
}

export function describeTemplatesApi(registry: OpenAPIRegistry): void {
  const unauthorised = {
    401: problemResponse('No valid session or token'),
    403: problemResponse('Role too low (viewer reads, editor writes and previews), or a cookie write without X-CSRF-Token'),
  };
  const path = '/api/admin/campaigns/{slug}/letter-template';

  registry.registerPath({
    method: 'get',
    path,
    summary: "The campaign's letter template (or the default letter, if it has none)",
    tags: ['Admin: letters'],
    security: ADMIN_SECURITY,
    request: { params: slugParams, query: languageQuery },
    responses: {
      200: { description: 'The template', content: { 'application/json': { schema: templateSchema } } },
      ...unauthorised,
      404: problemResponse('No such campaign'),
    },
  });
  registry.registerPath({
    method: 'put',
    path,
    summary: "Save the campaign's letter template for one language",
    description:
      "The template is checked before it is saved: syntax, every variable against the letter's vocabulary, no supporter data in the subject, " +
      'no unescaped supporter data in HTML, no partials, only the listed helpers. Any error: 422 with errors[] naming the part and line, and nothing is saved.',
    tags: ['Admin: letters'],
    security: ADMIN_SECURITY,
    request: { params: slugParams, body: { content: { 'application/json': { schema: templateUpdateSchema } } } },
    responses: {
      200: { description: 'Saved', content: { 'application/json': { schema: templateSchema } } },
      400: problemResponse('Invalid fields (see errors[])'),
      ...unauthorised,
      404: problemResponse('No such campaign'),
      415: problemResponse('Not JSON'),
      422: problemResponse('The template has errors (template_invalid): errors[].field is e.g. "html line 12"'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: `${path}/preview`,
    summary: 'Render a letter from a given (unsaved) template, or the saved one, for a delegation and sample supporter',
    tags: ['Admin: letters'],
    security: ADMIN_SECURITY,
    request: { params: slugParams, body: { content: { 'application/json': { schema: adminPreviewSchema } } } },
    responses: {
      200: { description: 'The letter as it would be sent', content: { 'application/json': { schema: renderedLetterSchema } } },
      400: problemResponse('Invalid fields (see errors[])'),
      ...unauthorised,
      404: problemResponse('No such campaign or delegation'),
      415: problemResponse('Not JSON'),
      422: problemResponse('The given template has errors (template_invalid)'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/campaigns/{slug}/letters/preview',
    summary: 'Preview the letter a supporter would send to a delegation (nothing is stored or sent)',
    tags: ['Letters'],
    request: { params: slugParams, body: { content: { 'application/json': { schema: publicPreviewSchema } } } },
    responses: {
      200: { description: 'The letter as it would be sent', content: { 'application/json': { schema: renderedLetterSchema } } },
      400: problemResponse('Invalid fields (see errors[])'),
      404: problemResponse('No such campaign (drafts are not public) or no such active delegation'),
      415: problemResponse('Not JSON'),
    },
  });
}
