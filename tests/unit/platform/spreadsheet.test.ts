import { neutraliseFormula, restoreFormula } from '../../../src/platform/spreadsheet';

describe('CSV formula neutralising (every export)', () => {
  it.each([
    '=1+1',
    '+1',
    '-1',
    '@SUM(A1)',
    '\t=1',
    '\r=1',
    '\n=1',
    ' =HYPERLINK("x")',
    '\u3000=1',
    '＝HYPERLINK("http://evil.example")',
    '＋1',
    '－1',
    '＠SUM(A1)',
  ])('quotes %j', (cell) => {
    expect(neutraliseFormula(cell)).toBe(`'${cell}`);
    expect(restoreFormula(neutraliseFormula(cell))).toBe(cell);
  });

  it.each(['Excellency', 'a=b', "'quoted", '', 'Permanent Mission of Kazakhstan', 'ＡＢＣ'])('leaves %j', (cell) => {
    expect(neutraliseFormula(cell)).toBe(cell);
    expect(restoreFormula(cell)).toBe(cell);
  });
});
