import { HoldfastAttribute, holdfastAttributes, isHoldfastAttributeName } from './attributes';

describe('holdfast span attributes', () => {
  it('prefixes area.field keys and drops undefined values', () => {
    expect(holdfastAttributes({ 'run.id': 'r1', 'tenant.id': 't1', 'task.id': undefined })).toEqual({
      'holdfast.run.id': 'r1',
      'holdfast.tenant.id': 't1',
    });
  });

  it('rejects names that are not dotted lower case', () => {
    expect(() => holdfastAttributes({ runId: 'x' })).toThrow(/holdfast\.runId/);
    expect(() => holdfastAttributes({ 'Run.Id': 'x' })).toThrow();
  });

  it('keeps every predefined name in the convention', () => {
    for (const name of Object.values(HoldfastAttribute)) expect(isHoldfastAttributeName(name)).toBe(true);
  });
});
