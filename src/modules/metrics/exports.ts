import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Platform } from '../../platform/context';
import { neutraliseFormula } from '../../platform/spreadsheet';
import { openPersonalData, SEALED, type SealedColumn } from '../supporters';
import * as repo from './metrics.repository';
import type { SignaturesExportQuery } from './metrics.schemas';
import { campaignBySlug } from './metrics.service';

/**
 * Streaming exports in constant memory: pages of PAGE rows by a (created_at, id) keyset, read
 * through `pg` as text, decrypted and turned into one string of CSV lines per page. The next page
 * is read while the current one is decrypted and written, and `pipeline` waits for the response to
 * drain; a client that goes away stops the loop, and no connection is held between pages.
 * Every column is a fact of the signature (no export time, no row number), so the same filters
 * over the same data give the same bytes and the manifest's SHA-256 can be checked.
 */
const PAGE = 5000;

export const SIGNATURE_COLUMNS = [
  'signed_at',
  'confirmed_at',
  'status',
  'name',
  'email',
  'country',
  'city',
  'comment',
  'consent_updates',
  'consent_wording',
  'source',
  'utm_source',
  'utm_medium',
  'utm_campaign',
] as const;

export const LETTER_COLUMNS = [
  'created_at',
  'delegation_iso2',
  'delegation',
  'status',
  'attempts',
  'queued_at',
  'sent_at',
  'failed_at',
  'last_smtp_response',
  'review_reason',
  'supporter_name',
] as const;

const NEEDS_QUOTES = /[",\r\n]/;

/** A cell a spreadsheet would run as a formula gets a leading quote (the one rule of every export). */
export { neutraliseFormula };

/**
 * One CSV cell, RFC 4180: quoted when it holds a comma, a quote or a line break, quotes doubled.
 * The same bytes csv-stringify wrote with its defaults (tests/integration/metrics/export.test.ts holds the two together).
 */
export function csvCell(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const safe = neutraliseFormula(value);
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const bool = (value: string | null | undefined) => (value == null ? null : value === 't' ? 'true' : 'false');

/** Options for tests: a small page shows the page boundaries. */
export interface ExportOptions {
  pageSize?: number;
}

/** The header, then one string of lines per page; the next page is being read while one is made. */
async function* csvChunks(
  columns: readonly string[],
  read: (after: repo.ExportCursor | null) => Promise<repo.ExportPage>,
  line: (row: Array<string | null>) => string,
  pageSize: number,
): AsyncGenerator<string> {
  yield `${columns.join(',')}\n`;
  let next: Promise<repo.ExportPage> | null = read(null);
  while (next) {
    const page: repo.ExportPage = await next;
    next = page.rows.length === pageSize && page.last ? read(page.last) : null;
    // Abandoned (the client went away): the query still ends and returns its connection; nobody awaits it.
    next?.catch(() => {});
    let chunk = '';
    for (const row of page.rows) chunk += line(row);
    yield chunk;
  }
}

function toStream(chunks: AsyncGenerator<string>): Readable {
  // One page waits at most: the memory is a page or two whatever the size of the export.
  return Readable.from(chunks, { objectMode: true, highWaterMark: 1 });
}

export interface SignatureExport {
  filename: string;
  /** Writes the CSV into `out`; resolves with what was written once it is all flushed. */
  writeTo(out: NodeJS.WritableStream): Promise<{ rows: number; byCountry: Record<string, number> }>;
}

export async function signatureExport(
  platform: Pick<Platform, 'db' | 'pool' | 'cipher'>,
  slug: string,
  query: SignaturesExportQuery,
  options: ExportOptions = {},
): Promise<SignatureExport> {
  const campaign = await campaignBySlug(platform.db, slug);
  const pageSize = options.pageSize ?? PAGE;
  const filters: repo.SignatureFilters = {
    campaignId: campaign.id,
    state: query.state,
    country: query.country,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
  };
  // Each envelope opens for its own row: name and email for the supporter (r[16]), city and comment for the signature (r[0]).
  const reveal = (envelope: string | null | undefined, column: SealedColumn, rowId: string | null) =>
    envelope ? openPersonalData(platform, envelope, column, rowId ?? '') : null;
  return {
    filename: `${campaign.slug}-signatures-${query.state}${query.country ? `-${query.country}` : ''}.csv`,
    async writeTo(out) {
      let rows = 0;
      const byCountry: Record<string, number> = {};
      const line = (r: Array<string | null>) => {
        rows += 1;
        const country = r[7] ?? 'unknown';
        byCountry[country] = (byCountry[country] ?? 0) + 1;
        return (
          `${csvCell(r[2])},${csvCell(r[3])},${csvCell(r[4])},${csvCell(reveal(r[5], SEALED.supporterName, r[16]!))},${csvCell(reveal(r[6], SEALED.supporterEmail, r[16]!))},` +
          `${csvCell(r[7])},${csvCell(reveal(r[8], SEALED.signatureCity, r[0]!))},${csvCell(reveal(r[9], SEALED.signatureComment, r[0]!))},${csvCell(bool(r[10]))},` +
          `${csvCell(r[11])},${csvCell(r[12])},${csvCell(r[13])},${csvCell(r[14])},${csvCell(r[15])}\n`
        );
      };
      const read = (after: repo.ExportCursor | null) => repo.signaturePage(platform.pool, filters, after, pageSize);
      await pipeline(toStream(csvChunks(SIGNATURE_COLUMNS, read, line, pageSize)), out);
      return { rows, byCountry };
    },
  };
}

/** The delivery manifest: the same CSV streamed through SHA-256 instead of to the client. */
export async function deliveryManifest(platform: Pick<Platform, 'db' | 'pool' | 'cipher'>, slug: string, query: SignaturesExportQuery) {
  const campaign = await campaignBySlug(platform.db, slug);
  const exporter = await signatureExport(platform, slug, query);
  const hash = createHash('sha256');
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done();
    },
  });
  const { rows, byCountry } = await exporter.writeTo(sink);
  return {
    campaign: {
      slug: campaign.slug,
      title: campaign.title,
      statement: campaign.statement,
      source: { organisation: campaign.sourceOrganisation, url: campaign.sourceUrl, date: campaign.statementDate?.toISOString().slice(0, 10) ?? null },
      demands: campaign.demands,
    },
    generatedAt: new Date().toISOString(),
    filters: query,
    rows,
    byCountry,
    sha256: hash.digest('hex'),
  };
}

/** Letters with their delivery state: the supporter's name, never their address or paragraph. */
export async function letterExport(platform: Pick<Platform, 'db' | 'pool' | 'cipher'>, slug: string, options: ExportOptions = {}) {
  const campaign = await campaignBySlug(platform.db, slug);
  const pageSize = options.pageSize ?? PAGE;
  return {
    filename: `${campaign.slug}-letters.csv`,
    async writeTo(out: NodeJS.WritableStream): Promise<void> {
      const line = (r: Array<string | null>) =>
        `${csvCell(r[2])},${csvCell(r[3])},${csvCell(r[4])},${csvCell(r[5])},${csvCell(r[6])},${csvCell(r[7])},${csvCell(r[8])},` +
        `${csvCell(r[9])},${csvCell(r[10])},${csvCell(r[11])},${csvCell(openPersonalData(platform, r[12] ?? '', SEALED.supporterName, r[13] ?? ''))}\n`;
      const read = (after: repo.ExportCursor | null) => repo.letterPage(platform.pool, campaign.id, after, pageSize);
      await pipeline(toStream(csvChunks(LETTER_COLUMNS, read, line, pageSize)), out);
    },
  };
}
