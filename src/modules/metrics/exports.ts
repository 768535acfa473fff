import { stringify } from 'csv-stringify';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Platform } from '../../platform/context';
import { openPersonalData, PURPOSE } from '../supporters';
import * as repo from './metrics.repository';
import type { SignaturesExportQuery } from './metrics.schemas';
import { campaignBySlug } from './metrics.service';

/**
 * Streaming exports in constant memory: pages of PAGE rows by a (created_at, id) keyset, decrypted
 * row by row, through csv-stringify into the response; `pipeline` waits for the response to drain.
 * Every column is a fact of the signature (no export time, no row number), so the same filters
 * over the same data give the same bytes and the manifest's SHA-256 can be checked.
 */
const PAGE = 1000;

export const SIGNATURE_COLUMNS = [
  'signed_at', 'confirmed_at', 'status', 'name', 'email', 'country', 'city', 'comment',
  'consent_updates', 'consent_wording', 'source', 'utm_source', 'utm_medium', 'utm_campaign',
] as const;

export const LETTER_COLUMNS = [
  'created_at', 'delegation_iso2', 'delegation', 'status', 'attempts', 'queued_at', 'sent_at', 'failed_at',
  'last_smtp_response', 'review_reason', 'supporter_name',
] as const;

/** A cell a spreadsheet would run as a formula gets a leading quote. */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

type Cell = string | number | boolean | Date | null;
function cell(value: Cell): string {
  if (value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return neutraliseFormula(String(value));
}

async function* pages<R extends { id: string; cursor: string }>(next: (after: { cursor: string; id: string } | null) => Promise<R[]>): AsyncGenerator<R> {
  let after: { cursor: string; id: string } | null = null;
  for (;;) {
    const rows = await next(after);
    yield* rows;
    if (rows.length < PAGE) return;
    const last = rows[rows.length - 1]!;
    after = { cursor: last.cursor, id: last.id };
  }
}

export interface SignatureExport {
  filename: string;
  /** Writes the CSV into `out`; resolves with what was written once it is all flushed. */
  writeTo(out: NodeJS.WritableStream): Promise<{ rows: number; byCountry: Record<string, number> }>;
}

export async function signatureExport(platform: Pick<Platform, 'db' | 'cipher'>, slug: string, query: SignaturesExportQuery): Promise<SignatureExport> {
  const campaign = await campaignBySlug(platform.db, slug);
  const filters: repo.SignatureFilters = {
    campaignId: campaign.id, state: query.state, country: query.country,
    from: query.from ? new Date(query.from) : undefined, to: query.to ? new Date(query.to) : undefined,
  };
  const reveal = (envelope: string | null, purpose: (typeof PURPOSE)[keyof typeof PURPOSE]) => (envelope ? openPersonalData(platform, envelope, purpose) : null);
  return {
    filename: `${campaign.slug}-signatures-${query.state}${query.country ? `-${query.country}` : ''}.csv`,
    async writeTo(out) {
      let rows = 0;
      const byCountry: Record<string, number> = {};
      async function* records() {
        for await (const r of pages((after) => repo.signaturePage(platform.db, filters, after, PAGE))) {
          rows += 1;
          const country = r.country ?? 'unknown';
          byCountry[country] = (byCountry[country] ?? 0) + 1;
          yield [
            r.created_at, r.confirmed_at, r.status, reveal(r.name_encrypted, PURPOSE.name), reveal(r.email_encrypted, PURPOSE.email),
            r.country, reveal(r.city_encrypted, PURPOSE.city), reveal(r.comment_encrypted, PURPOSE.comment),
            r.consent_updates, r.consent_wording_id, r.source, r.utm_source, r.utm_medium, r.utm_campaign,
          ].map(cell);
        }
      }
      await pipeline(Readable.from(records()), stringify({ header: true, columns: [...SIGNATURE_COLUMNS] }), out);
      return { rows, byCountry };
    },
  };
}

/** The delivery manifest: the same CSV streamed through SHA-256 instead of to the client. */
export async function deliveryManifest(platform: Pick<Platform, 'db' | 'cipher'>, slug: string, query: SignaturesExportQuery) {
  const campaign = await campaignBySlug(platform.db, slug);
  const exporter = await signatureExport(platform, slug, query);
  const hash = createHash('sha256');
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { hash.update(chunk); done(); } });
  const { rows, byCountry } = await exporter.writeTo(sink);
  return {
    campaign: {
      slug: campaign.slug, title: campaign.title, statement: campaign.statement,
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
export async function letterExport(platform: Pick<Platform, 'db' | 'cipher'>, slug: string) {
  const campaign = await campaignBySlug(platform.db, slug);
  return {
    filename: `${campaign.slug}-letters.csv`,
    async writeTo(out: NodeJS.WritableStream): Promise<void> {
      async function* records() {
        for await (const r of pages((after) => repo.letterPage(platform.db, campaign.id, after, PAGE))) {
          yield [
            r.created_at, r.iso2, r.delegation, r.status, r.attempts, r.queued_at, r.sent_at, r.failed_at,
            r.last_smtp_response, r.review_reason, openPersonalData(platform, r.name_encrypted, PURPOSE.name),
          ].map(cell);
        }
      }
      await pipeline(Readable.from(records()), stringify({ header: true, columns: [...LETTER_COLUMNS] }), out);
    },
  };
}
