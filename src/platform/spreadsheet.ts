/**
 * CSV injection: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or CR)
 * as a formula. Excel in East Asian locales also reads the full-width forms (＝ ＋ － ＠) as those,
 * and some importers skip leading spaces and line breaks first. Every CSV export (signatures,
 * letters, delegations) neutralises such a cell with a leading single quote, through this one rule.
 */
const FORMULA_START = /^[\s\u0000-\u001f\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r\n]/u;

export function startsFormula(cell: string): boolean {
  return FORMULA_START.test(cell);
}

export function neutraliseFormula(cell: string): string {
  return startsFormula(cell) ? `'${cell}` : cell;
}

/** The inverse for a file that comes back (the delegations import): removes exactly the quote the export added. */
export function restoreFormula(cell: string): string {
  return cell.startsWith("'") && startsFormula(cell.slice(1)) ? cell.slice(1) : cell;
}
