import { AppError } from '../../../src/platform/errors';
import { parseCollectionQuery, parseFilter } from '../../../src/modules/osdi/osdi.query';
import { withinWindow } from '../../../src/modules/osdi/osdi.repository';
import { splitName } from '../../../src/modules/osdi/osdi.resources';
import { Prisma } from '../../../src/platform/db';

describe('OSDI collection queries', () => {
  it('reads the OData subset: modified_date and created_date, gt and lt, joined by and', () => {
    expect(parseFilter("modified_date gt '2026-12-01T10:00:00Z'").modifiedAfter).toEqual(new Date('2026-12-01T10:00:00Z'));
    const window = parseFilter("created_date gt '2026-01-01' and modified_date lt '2026-12-31T00:00:00+05:00'");
    expect(window).toEqual({
      modifiedAfter: null,
      modifiedBefore: new Date('2026-12-30T19:00:00Z'),
      createdAfter: new Date('2026-01-01T00:00:00Z'),
      createdBefore: null,
    });
    expect(parseFilter(undefined)).toEqual({ modifiedAfter: null, modifiedBefore: null, createdAfter: null, createdBefore: null });
  });

  it.each([
    ["name eq 'x'"],
    ["modified_date ge '2026-01-01'"],
    ["modified_date gt 'soon'"],
    ['modified_date gt 2026-01-01'],
    ["modified_date gt '2026-01-01' or created_date gt '2026-01-01'"],
  ])('refuses %s rather than ignore it', (filter) => {
    expect(() => parseFilter(filter)).toThrow(AppError);
  });

  it('pages from 1, 25 a page unless asked, never more than 100', () => {
    expect(parseCollectionQuery({})).toMatchObject({ page: 1, perPage: 25 });
    expect(parseCollectionQuery({ page: '3', per_page: '1000' })).toMatchObject({ page: 3, perPage: 100 });
    expect(() => parseCollectionQuery({ page: '0' })).toThrow();
    expect(() => parseCollectionQuery({ per_page: '2.5' })).toThrow();
  });
});

describe('splitting a name', () => {
  it('takes the last word as the family name, best effort', () => {
    expect(splitName('Aigerim Bekova')).toEqual({ given_name: 'Aigerim', family_name: 'Bekova' });
    expect(splitName('  Nursultan  Abishuly  Nazar ')).toEqual({ given_name: 'Nursultan Abishuly', family_name: 'Nazar' });
    expect(splitName('Madonna')).toEqual({ given_name: 'Madonna' });
    expect(splitName('')).toEqual({});
  });
});

describe('the OSDI time window in SQL', () => {
  const columns = { modified: Prisma.sql`x.updated_at`, created: Prisma.sql`x.created_at` };

  it('adds nothing when the filter names no bound', () => {
    expect(withinWindow(parseFilter(undefined), columns).text).toBe('');
  });

  it('turns each bound into one condition on its column, the time as a parameter', () => {
    const fragment = withinWindow(parseFilter("modified_date gt '2026-01-01T00:00:00Z' and created_date lt '2026-02-01T00:00:00Z'"), columns);
    expect(fragment.text).toBe('AND x.updated_at > $1::timestamp AND x.created_at < $2::timestamp');
    expect(fragment.values).toEqual(['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z']);
  });
});
