import { auditCsv } from '../audit/audit.controller';
import { parseListQuery } from './list-query';

describe('list conventions', () => {
  it('reads limit, offset and sort with defaults', () => {
    expect(parseListQuery({}, ['name', 'createdAt'], 'name')).toEqual({ limit: 50, offset: 0, sort: 'name', descending: false });
    expect(parseListQuery({ limit: '10', offset: '20', sort: '-createdAt' }, ['name', 'createdAt'], 'name')).toEqual({
      limit: 10,
      offset: 20,
      sort: 'createdAt',
      descending: true,
    });
  });

  it('refuses bad values, naming the parameter', () => {
    expect(() => parseListQuery({ limit: '0' }, ['name'], 'name')).toThrow(/limit/);
    expect(() => parseListQuery({ limit: '500' }, ['name'], 'name')).toThrow(/limit must be an integer from 1 to 200/);
    expect(() => parseListQuery({ offset: '-1' }, ['name'], 'name')).toThrow(/offset/);
    expect(() => parseListQuery({ sort: 'password' }, ['name'], 'name')).toThrow(/sort must be one of name/);
  });

  it('writes CSV that spreadsheets cannot run', () => {
    const csv = auditCsv([
      {
        id: '1', at: '2026-01-01T00:00:00.000Z', actorKind: 'user', actorId: 'u', actorName: '=cmd|calc', actorRole: 'msp_admin',
        action: 'tenant.create', tenantId: 't', target: 'tenant:t', outcome: 'succeeded', status: 201, ip: '127.0.0.1',
        userAgent: 'a, "b"', details: { name: 'x' },
      },
    ]);
    const [header, row] = csv.trim().split('\r\n');
    expect(header.split(',')[0]).toBe('id');
    expect(row).toContain(`'=cmd|calc`);
    expect(row).toContain('"a, ""b"""');
    expect(row).toContain('"{""name"":""x""}"');
  });
});
