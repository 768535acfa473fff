import { z } from '../../platform/http/zod';
import { AppError, fieldError } from '../../platform/errors';
import { msg } from '../../platform/schema-messages';

/** The most records one page holds (the AEP's `max_pagesize`); a larger `per_page` is capped to it. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 25;

/** The times a collection is narrowed to: `filter=modified_date gt '…'` and its siblings. */
export interface TimeWindow {
  modifiedAfter: Date | null;
  modifiedBefore: Date | null;
  createdAfter: Date | null;
  createdBefore: Date | null;
}

export interface CollectionQuery {
  page: number;
  perPage: number;
  window: TimeWindow;
}

const positiveInt = (name: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,6}$/, msg('problems.message.wholeNumberFrom1'))
    .transform(Number)
    .optional()
    .describe(name);

const collectionQuery = z
  .object({
    page: positiveInt('page'),
    per_page: positiveInt('per_page'),
    filter: z.string().max(200).optional(),
  })
  .strip();

/**
 * The OData subset OSDI asks servers to understand for incremental sync: `modified_date` or
 * `created_date`, `gt` or `lt`, a quoted ISO 8601 time, and clauses joined by `and`. Anything
 * else is refused (a 400 naming `filter`), never ignored: a client that believed its filter held
 * would take a full list for the changes since its last sync.
 */
const CLAUSE = /^(modified_date|created_date)\s+(gt|lt)\s+'([^']{1,40})'$/;

export function parseFilter(filter: string | undefined): TimeWindow {
  const window: TimeWindow = { modifiedAfter: null, modifiedBefore: null, createdAfter: null, createdBefore: null };
  if (filter === undefined || filter.trim() === '') return window;
  for (const clause of filter.trim().split(/\s+and\s+/i)) {
    const match = CLAUSE.exec(clause.trim());
    const at = match ? new Date(match[3]!) : null;
    if (!match || !at || Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(match[3]!)) {
      throw new AppError('validation_failed', { key: 'staff.osdiFilter' }, [fieldError('filter', 'staff.field.osdiFilter')]);
    }
    const key = `${match[1] === 'modified_date' ? 'modified' : 'created'}${match[2] === 'gt' ? 'After' : 'Before'}` as keyof TimeWindow;
    window[key] = at;
  }
  return window;
}

export function parseCollectionQuery(query: unknown): CollectionQuery {
  const parsed = collectionQuery.parse(query);
  return {
    page: parsed.page ?? 1,
    perPage: Math.min(parsed.per_page ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    window: parseFilter(parsed.filter),
  };
}
