import { Router } from 'express';
import { SHARED_VIEWS_DIR, Views } from '../views';

type OpenApiDocument = {
  info: { title: string; version: string; description?: string };
  paths?: Record<
    string,
    Record<
      string,
      {
        summary?: string;
        description?: string;
        tags?: string[];
        parameters?: unknown[];
        requestBody?: { content?: Record<string, { schema?: unknown }> };
        responses?: Record<string, { description?: string }>;
      }
    >
  >;
  components?: { schemas?: Record<string, unknown> };
};

/** `/api/openapi.json` (generated from the zod schemas that validate requests) and a readable reference. */
export function docsRouter(document: object): Router {
  const router = Router();
  const views = new Views([SHARED_VIEWS_DIR]);
  const reference = views.page('api-reference', { title: 'API reference', ...referenceModel(document as OpenApiDocument) });
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(reference);
  });
  return router;
}

function referenceModel(doc: OpenApiDocument) {
  const operations = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      id: `${method}-${path}`.replace(/[^a-z0-9]+/gi, '-'),
      method: method.toUpperCase(),
      path,
      summary: op.summary,
      description: op.description,
      parameters: op.parameters?.length ? JSON.stringify(op.parameters, null, 2) : undefined,
      requestBody: op.requestBody?.content
        ? Object.entries(op.requestBody.content).map(([type, body]) => ({ type, schema: JSON.stringify(body.schema, null, 2) }))
        : [],
      responses: Object.entries(op.responses ?? {}).map(([status, response]) => ({ status, description: response.description })),
    })),
  );
  const schemas = Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => ({ name, schema: JSON.stringify(schema, null, 2) }));
  return { info: doc.info, operations, schemas };
}
