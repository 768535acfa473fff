import {
  CSV_COLUMNS,
  escapeFormula,
  MAX_CSV_ROWS,
  parseTargetsCsv,
  targetsToCsv,
  unescapeFormula,
  type CsvParseResult,
  type TargetRecord,
} from '../../../src/modules/letters/targets/targets.csv';
import { isPlaceholderAddress } from '../../../src/modules/letters/targets/targets.schemas';

const HEADER = CSV_COLUMNS.join(',');
const KZ =
  'KZ,Kazakhstan,Asia-Pacific,false,,Permanent Mission of Kazakhstan to the United Nations Office at Geneva,Europe/Zurich,Excellency,ru,true,,mission.kz@delegations.example.org';
const CH =
  'CH,Switzerland,Western European and Others,yes,2027,Permanent Mission of Switzerland,Europe/Zurich,Excellency,en,1,25,geneva@eda.admin.ch; mission.ch@delegations.example.org';

function file(...lines: string[]): string {
  return `${[HEADER, ...lines].join('\n')}\n`;
}

function errorsOf(result: CsvParseResult) {
  if (result.ok) throw new Error('expected errors, the file was accepted');
  return result.errors;
}

function rowsOf(result: CsvParseResult) {
  if (!result.ok) throw new Error(`expected rows, got errors: ${JSON.stringify(result.errors)}`);
  return result.rows;
}

describe('parseTargetsCsv', () => {
  it('reads a good file into delegations with normalised values', () => {
    const rows = rowsOf(parseTargetsCsv(file(KZ, CH)));
    expect(rows).toEqual([
      {
        line: 2,
        iso2: 'KZ',
        country: 'Kazakhstan',
        unGroup: 'Asia-Pacific',
        councilMember: false,
        termEnds: null,
        missionName: 'Permanent Mission of Kazakhstan to the United Nations Office at Geneva',
        timeZone: 'Europe/Zurich',
        salutation: 'Excellency',
        preferredLanguage: 'ru',
        active: true,
        hourlyCap: null,
        emails: ['mission.kz@delegations.example.org'],
      },
      expect.objectContaining({
        line: 3,
        iso2: 'CH',
        councilMember: true,
        termEnds: 2027,
        active: true,
        hourlyCap: 25,
        emails: ['geneva@eda.admin.ch', 'mission.ch@delegations.example.org'],
      }),
    ]);
  });

  it('accepts columns in any order, a UTF-8 BOM, CRLF line ends and padding rows of empty cells', () => {
    const reordered = ['emails', ...CSV_COLUMNS.filter((c) => c !== 'emails')];
    const kzCells = KZ.split(',');
    const row = [kzCells[11], ...kzCells.slice(0, 11)].join(',');
    const text = `\uFEFF${reordered.join(',')}\r\n${row}\r\n,,,,,,,,,,,\r\n`;
    const rows = rowsOf(parseTargetsCsv(text));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ iso2: 'KZ', emails: ['mission.kz@delegations.example.org'] });
  });

  it('reads quoted fields that contain commas, quotes and semicolons', () => {
    const row =
      'CD,"Congo, Democratic Republic of the",African,true,2027,"Permanent Mission of the ""DRC"", Geneva",Africa/Kinshasa,"Excellency, dear colleagues",fr,true,,"a@mission-rdc.cd;b@mission-rdc.cd"';
    const [target] = rowsOf(parseTargetsCsv(file(row)));
    expect(target).toMatchObject({
      country: 'Congo, Democratic Republic of the',
      missionName: 'Permanent Mission of the "DRC", Geneva',
      salutation: 'Excellency, dear colleagues',
      timeZone: 'Africa/Kinshasa',
      emails: ['a@mission-rdc.cd', 'b@mission-rdc.cd'],
    });
  });

  it.each([
    ['iso2', 'XK'],
    ['iso2', 'ZZ'],
    ['un_group', 'Asia Pacific'],
    ['council_member', 'maybe'],
    ['term_ends', '27'],
    ['mission_name', ''],
    ['time_zone', 'Geneva'],
    ['time_zone', '+01:00'],
    ['salutation', '   '],
    ['preferred_language', 'english'],
    ['active', 'on'],
    ['hourly_cap', '0'],
    ['hourly_cap', '2.5'],
    ['emails', 'not-an-address'],
    ['emails', 'mission.kz@delegations.example.org#placeholder'],
    ['emails', 'a@mission.kz;A@Mission.kz'],
  ])('names the line and the field when %s is "%s"', (column, value) => {
    const cells = KZ.split(',');
    cells[CSV_COLUMNS.indexOf(column as (typeof CSV_COLUMNS)[number])] = value;
    const errors = errorsOf(parseTargetsCsv(file(CH, cells.join(','))));
    expect(errors).toEqual([{ line: 3, field: column, message: expect.any(String) }]);
  });

  it('says how placeholders work when someone marks one by hand', () => {
    const cells = KZ.split(',');
    cells[11] = 'mission.kz@delegations.example.org#placeholder';
    const [error] = errorsOf(parseTargetsCsv(file(cells.join(','))));
    expect(error!.message).toContain('placeholders automatically');
  });

  it('needs an address for an active delegation and a term for a council member', () => {
    const cells = CH.split(',');
    cells[4] = '';
    cells[11] = '';
    const errors = errorsOf(parseTargetsCsv(file(cells.join(','))));
    expect(errors).toEqual(
      expect.arrayContaining([
        { line: 2, field: 'emails', message: 'an active delegation needs at least one address' },
        { line: 2, field: 'term_ends', message: 'is required for a council member' },
      ]),
    );
  });

  it('lists every error in the file, not only the first', () => {
    const bad1 = KZ.replace('Asia-Pacific', 'Asia');
    const bad2 = CH.replace('Europe/Zurich', 'Mars/Olympus').replace(',25,', ',-3,');
    const errors = errorsOf(parseTargetsCsv(file(bad1, KZ.replace('KZ,Kazakhstan', 'UZ,Uzbekistan'), bad2)));
    expect(errors.map((e) => `${e.line} ${e.field}`)).toEqual(['2 un_group', '4 time_zone', '4 hourly_cap']);
  });

  it('refuses a second row for the same delegation and points to the first', () => {
    const errors = errorsOf(parseTargetsCsv(file(KZ, CH, KZ.replace('KZ,', 'kz,'))));
    expect(errors).toEqual([{ line: 4, field: 'iso2', message: 'KZ is already on line 2' }]);
  });

  it('counts lines as an editor does, across quoted fields that span lines and blank lines', () => {
    const multiLine = CH.replace('Permanent Mission of Switzerland', '"Permanent Mission\nof Switzerland"');
    const errors = errorsOf(parseTargetsCsv(file(multiLine, '', KZ.replace('Asia-Pacific', 'nowhere'))));
    // Line 2-3: the Swiss row; line 4: blank; line 5: the Kazakh row.
    expect(errors).toEqual([
      { line: 2, field: 'mission_name', message: 'must be one line of plain text' },
      { line: 5, field: 'un_group', message: expect.any(String) },
    ]);
  });

  it('reports rows with too few or too many fields', () => {
    const errors = errorsOf(parseTargetsCsv(file(KZ.split(',').slice(0, 5).join(','), `${KZ},extra`)));
    expect(errors).toEqual([
      { line: 2, field: '(row)', message: 'has 5 fields; the header has 12' },
      { line: 3, field: '(row)', message: 'has 13 fields; the header has 12' },
    ]);
  });

  it('reports a missing, unknown or repeated column on line 1', () => {
    const header = [...CSV_COLUMNS.filter((c) => c !== 'salutation'), 'email', 'iso2'].join(',');
    const errors = errorsOf(parseTargetsCsv(`${header}\n`));
    expect(errors.every((e) => e.line === 1 && e.field === '(header)')).toBe(true);
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringContaining('unknown column "email"'),
      'column "iso2" appears twice',
      'column "salutation" is missing',
    ]);
  });

  it('refuses an empty file, broken quoting, too many rows and more than 1 MB', () => {
    expect(errorsOf(parseTargetsCsv(''))).toEqual([{ line: 1, field: '(header)', message: expect.stringContaining('empty') }]);
    expect(errorsOf(parseTargetsCsv(file(KZ, 'CH,"Switzerland')))).toEqual([{ line: 3, field: '(file)', message: expect.stringContaining('not valid CSV') }]);
    const many = Array.from({ length: MAX_CSV_ROWS + 1 }, () => KZ);
    expect(errorsOf(parseTargetsCsv(file(...many)))).toEqual([{ line: MAX_CSV_ROWS + 2, field: '(row)', message: 'the file has more than 1000 rows' }]);
    expect(errorsOf(parseTargetsCsv(file(KZ) + ' '.repeat(1024 * 1024)))).toEqual([{ field: '(file)', message: 'the file is larger than 1 MB' }]);
  });
});

describe('placeholders', () => {
  it('are the addresses at reserved example domains, and only those', () => {
    for (const email of ['a@example.org', 'a@delegations.example.org', 'a@example.com', 'a@x.example', 'a@mail.test', 'a@host.invalid']) {
      expect(isPlaceholderAddress(email)).toBe(true);
    }
    for (const email of ['a@examples.org', 'a@example.org.kz', 'a@myexample.com', 'a@eda.admin.ch']) {
      expect(isPlaceholderAddress(email)).toBe(false);
    }
  });
});

describe('targetsToCsv', () => {
  const record: TargetRecord = {
    iso2: 'KZ',
    country: 'Kazakhstan',
    unGroup: 'Asia-Pacific',
    councilMember: false,
    termEnds: null,
    missionName: 'Permanent Mission of Kazakhstan, Geneva',
    timeZone: 'Europe/Zurich',
    salutation: 'Excellency',
    preferredLanguage: 'en',
    active: true,
    hourlyCap: null,
    emails: ['a@mission.kz', 'mission.kz@delegations.example.org'],
  };

  it('writes the header and one row per delegation, sorted by iso2', () => {
    const csv = targetsToCsv([record, { ...record, iso2: 'CH', country: 'Switzerland', councilMember: true, termEnds: 2027, hourlyCap: 20 }]);
    expect(csv).toBe(
      `${HEADER}\n` +
        'CH,Switzerland,Asia-Pacific,true,2027,"Permanent Mission of Kazakhstan, Geneva",Europe/Zurich,Excellency,en,true,20,a@mission.kz;mission.kz@delegations.example.org\n' +
        'KZ,Kazakhstan,Asia-Pacific,false,,"Permanent Mission of Kazakhstan, Geneva",Europe/Zurich,Excellency,en,true,,a@mission.kz;mission.kz@delegations.example.org\n',
    );
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    const csv = targetsToCsv([
      { ...record, salutation: '=HYPERLINK("http://evil.example","Excellency")', country: '+Kazakhstan', missionName: '@SUM(A1)', emails: ['-x@mission.kz'] },
    ]);
    const row = csv.split('\n')[1]!;
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example"",""Excellency"")"`);
    expect(row).toContain(",'+Kazakhstan,");
    expect(row).toContain(",'@SUM(A1),");
    expect(row).toContain(",'-x@mission.kz");
    expect(escapeFormula('Excellency')).toBe('Excellency');
    expect(unescapeFormula("'=1+1")).toBe('=1+1');
    expect(unescapeFormula("'Ambassador")).toBe("'Ambassador");
  });

  it('round-trips: what it writes parses back to the same delegations', () => {
    const tricky = { ...record, iso2: 'CH', salutation: '-Excellency-', country: 'Switzerland "CH"', hourlyCap: 5, councilMember: true, termEnds: 2027 };
    const records = [tricky, record];
    const rows = rowsOf(parseTargetsCsv(targetsToCsv(records)));
    expect(rows.map(({ line: _line, ...rest }) => rest)).toEqual(records);
  });
});
