/** The parts of /api/openapi.json the fuzzer reads. */
export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}
export interface MediaType {
  schema?: JsonSchema;
}
export interface Response {
  description: string;
  content?: Record<string, MediaType>;
}
export interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, MediaType> };
  responses: Record<string, Response>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema>; securitySchemes?: Record<string, unknown> };
}

export interface DocumentedOperation {
  method: string;
  path: string;
  operation: Operation;
  methodsOfPath: string[];
}

export function operationsOf(document: OpenApiDocument): DocumentedOperation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operation,
      methodsOfPath: Object.keys(methods).map((m) => m.toUpperCase()),
    })),
  );
}

/** Follows a `#/components/...` reference (once; the document has no reference chains). */
export function resolve(document: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  return document.components?.schemas?.[name];
}

export const isAdminOperation = (operation: Operation) => (operation.security ?? []).some((s) => 'adminToken' in s || 'adminSession' in s);
