import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from '../../../platform/http/zod';
import { neutraliseFormula, restoreFormula } from '../../../platform/spreadsheet';
import { emailListSchema, iso2Schema, languageSchema, MAX_HOURLY_CAP, singleLine, timeZoneSchema, UN_GROUPS } from './targets.schemas';

/**
 * The delegations file: one row per delegation, a header row first. Pure: no database here, so
 * the rules can be tested line by line. See README.md ("Targets") for the format.
 */
export const CSV_COLUMNS = [
  'iso2',
  'country',
  'un_group',
  'council_member',
  'term_ends',
  'mission_name',
  'time_zone',
  'salutation',
  'preferred_language',
  'active',
  'hourly_cap',
  'emails',
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

export const MAX_CSV_BYTES = 1024 * 1024;
export const MAX_CSV_ROWS = 1000;
const EMAIL_SEPARATOR = ';';

/** An error in the file: `line` as a text editor numbers it (the header is line 1). */
export interface CsvLineError {
  /** Absent for errors about the whole file (e.g. its size). */
  line?: number;
  /** The column name, or `(row)` / `(file)` / `(header)`. */
  field: string;
  message: string;
}

// A Map: a cell reading `constructor` must not find Object's own.
const BOOLEAN_WORDS = new Map<string, boolean>([
  ['true', true],
  ['yes', true],
  ['1', true],
  ['false', false],
  ['no', false],
  ['0', false],
]);

const csvBoolean = z
  .string()
  .trim()
  .toLowerCase()
  .transform((value, ctx) => {
    const parsed = BOOLEAN_WORDS.get(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be true or false (yes/no and 1/0 are also understood)' });
      return z.NEVER;
    }
    return parsed;
  });

const csvYear = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value === '') return null;
    const year = /^\d{4}$/.test(value) ? Number(value) : NaN;
    // The Council first sat in 2006; a term ending past 2100 is a typo.
    if (!(year >= 2006 && year <= 2100)) {
      ctx.addIssue({ code: 'custom', message: 'must be a year such as 2027, or empty' });
      return z.NEVER;
    }
    return year;
  });

const csvHourlyCap = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value === '') return null;
    const cap = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
    if (!(cap >= 1 && cap <= MAX_HOURLY_CAP)) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number from 1 to ${MAX_HOURLY_CAP}, or empty for the default` });
      return z.NEVER;
    }
    return cap;
  });

const csvEmails = z
  .string()
  .transform((value) =>
    value
      .split(EMAIL_SEPARATOR)
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(emailListSchema);

const csvRowSchema = z
  .object({
    iso2: iso2Schema,
    country: singleLine(120),
    un_group: z
      .string()
      .trim()
      .pipe(z.enum(UN_GROUPS, { error: `must be one of: ${UN_GROUPS.join(', ')}` })),
    council_member: csvBoolean,
    term_ends: csvYear,
    mission_name: singleLine(300),
    time_zone: timeZoneSchema,
    salutation: singleLine(200),
    preferred_language: languageSchema,
    active: csvBoolean,
    hourly_cap: csvHourlyCap,
    emails: csvEmails,
  })
  .superRefine((row, ctx) => {
    if (row.active && row.emails.length === 0) ctx.addIssue({ code: 'custom', path: ['emails'], message: 'an active delegation needs at least one address' });
    if (row.council_member && row.term_ends === null) ctx.addIssue({ code: 'custom', path: ['term_ends'], message: 'is required for a council member' });
  })
  .transform((row) => ({
    iso2: row.iso2,
    country: row.country,
    unGroup: row.un_group,
    councilMember: row.council_member,
    termEnds: row.term_ends,
    missionName: row.mission_name,
    timeZone: row.time_zone,
    salutation: row.salutation,
    preferredLanguage: row.preferred_language,
    active: row.active,
    hourlyCap: row.hourly_cap,
    emails: row.emails,
  }));

/** One delegation as the file describes it; `emails` normalised, placeholders included. */
export type TargetInput = z.infer<typeof csvRowSchema>;
export type ParsedTargetRow = TargetInput & { line: number };
/** A stored delegation as the export writes it (the group is whatever the database holds). */
export type TargetRecord = Omit<TargetInput, 'unGroup'> & { unGroup: string };

export type CsvParseResult = { ok: true; rows: ParsedTargetRow[] } | { ok: false; errors: CsvLineError[] };

/** Export neutralises formulas (src/platform/spreadsheet.ts); import removes exactly that prefix again, so a round trip is exact. */
export const escapeFormula = neutraliseFormula;
export const unescapeFormula = restoreFormula;

interface RawRecord {
  record: string[];
  info: { lines: number };
}

/** Validates the whole file and returns every row, or every error found (never a partial result). */
export function parseTargetsCsv(text: string): CsvParseResult {
  if (Buffer.byteLength(text, 'utf8') > MAX_CSV_BYTES) return fail({ field: '(file)', message: 'the file is larger than 1 MB' });

  let records: RawRecord[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      // Column counts are checked below, per line, so that every short or long row is reported.
      relax_column_count: true,
      skip_empty_lines: true,
      // Spreadsheets pad files with rows of empty cells.
      skip_records_with_empty_values: true,
      // One field cannot be a whole file; bounds memory on a hostile input.
      max_record_size: 64 * 1024,
    }) as unknown as RawRecord[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      return fail({ ...(line ? { line } : {}), field: '(file)', message: `the file is not valid CSV: ${error.message}` });
    }
    throw error;
  }

  const [header, ...data] = records;
  if (!header) return fail({ line: 1, field: '(header)', message: `the file is empty; the first line must name the columns: ${CSV_COLUMNS.join(',')}` });
  const columns = readHeader(header);
  if (!columns.ok) return columns;
  if (data.length > MAX_CSV_ROWS) {
    return fail({ line: startLine(data[MAX_CSV_ROWS]!), field: '(row)', message: `the file has more than ${MAX_CSV_ROWS} rows` });
  }

  const errors: CsvLineError[] = [];
  const rows: ParsedTargetRow[] = [];
  const firstLineOf = new Map<string, number>();
  for (const raw of data) {
    const line = startLine(raw);
    if (raw.record.length !== columns.order.length) {
      errors.push({ line, field: '(row)', message: `has ${raw.record.length} fields; the header has ${columns.order.length}` });
      continue;
    }
    const cells = Object.fromEntries(columns.order.map((name, index) => [name, unescapeFormula(raw.record[index]!)]));
    const parsed = csvRowSchema.safeParse(cells);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ line, field: String(issue.path[0] ?? '(row)'), message: issue.message });
      continue;
    }
    const earlier = firstLineOf.get(parsed.data.iso2);
    if (earlier !== undefined) {
      errors.push({ line, field: 'iso2', message: `${parsed.data.iso2} is already on line ${earlier}` });
      continue;
    }
    firstLineOf.set(parsed.data.iso2, line);
    rows.push({ ...parsed.data, line });
  }
  return errors.length ? { ok: false, errors } : { ok: true, rows };
}

function fail(error: CsvLineError): CsvParseResult {
  return { ok: false, errors: [error] };
}

/**
 * csv-parse reports the line a record ends on; a quoted field may span lines, and the line to
 * name is the one the record starts on.
 */
function startLine(raw: RawRecord): number {
  const breaks = raw.record.reduce((sum, field) => sum + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
  return raw.info.lines - breaks;
}

function readHeader(header: RawRecord): { ok: true; order: CsvColumn[] } | { ok: false; errors: CsvLineError[] } {
  const line = startLine(header);
  const names = header.record.map((name) => name.trim().toLowerCase());
  const errors: CsvLineError[] = [];
  const known = new Set<string>(CSV_COLUMNS);
  const seen = new Set<string>();
  for (const name of names) {
    if (!known.has(name)) errors.push({ line, field: '(header)', message: `unknown column "${name}"; the columns are ${CSV_COLUMNS.join(',')}` });
    else if (seen.has(name)) errors.push({ line, field: '(header)', message: `column "${name}" appears twice` });
    seen.add(name);
  }
  for (const column of CSV_COLUMNS) {
    if (!seen.has(column)) errors.push({ line, field: '(header)', message: `column "${column}" is missing` });
  }
  return errors.length ? { ok: false, errors } : { ok: true, order: names as CsvColumn[] };
}

/** The file for a list of delegations, in the import's format, sorted by iso2. */
export function targetsToCsv(targets: TargetRecord[]): string {
  const sorted = [...targets].sort((a, b) => (a.iso2 < b.iso2 ? -1 : a.iso2 > b.iso2 ? 1 : 0));
  const records = sorted.map((target) => {
    const cells: Record<CsvColumn, string> = {
      iso2: target.iso2,
      country: target.country,
      un_group: target.unGroup,
      council_member: String(target.councilMember),
      term_ends: target.termEnds === null ? '' : String(target.termEnds),
      mission_name: target.missionName,
      time_zone: target.timeZone,
      salutation: target.salutation,
      preferred_language: target.preferredLanguage,
      active: String(target.active),
      hourly_cap: target.hourlyCap === null ? '' : String(target.hourlyCap),
      emails: target.emails.join(EMAIL_SEPARATOR),
    };
    return CSV_COLUMNS.map((column) => escapeFormula(cells[column]));
  });
  return stringify([[...CSV_COLUMNS], ...records]);
}
