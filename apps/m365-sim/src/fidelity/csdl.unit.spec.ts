import { checkObject, checkValue, findProperty, isSubtype, loadCsdl } from './csdl';

describe('CSDL checker', () => {
  const model = loadCsdl();

  it('reads entity types, base types, aliases and enums from the Graph metadata', () => {
    expect(model.types.get('microsoft.graph.user')?.baseType).toBe('microsoft.graph.directoryObject');
    expect(findProperty(model, 'microsoft.graph.user', 'id')?.type).toBe('Edm.String');
    expect(findProperty(model, 'microsoft.graph.user', 'assignedLicenses')?.type).toBe('Collection(microsoft.graph.assignedLicense)');
    expect(isSubtype(model, 'microsoft.graph.fileAttachment', 'microsoft.graph.attachment')).toBe(true);
    expect(model.enums.get('microsoft.graph.importance')?.members.has('high')).toBe(true);
  });

  it('accepts a valid user and reports unknown names and wrong JSON types', () => {
    expect(checkObject(model, 'microsoft.graph.user', { id: 'x', displayName: 'Zoë', accountEnabled: true, assignedLicenses: [{ skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965', disabledPlans: [] }] }, 'u')).toEqual([]);
    const bad = checkObject(model, 'microsoft.graph.group', { id: 'x', displayNme: 'typo', mailEnabled: 'yes', createdDateTime: 'yesterday' }, 'g');
    expect(bad).toEqual(expect.arrayContaining([expect.stringContaining('displayNme'), expect.stringContaining('mailEnabled'), expect.stringContaining('createdDateTime')]));
  });

  it('follows @odata.type to derived types and checks enum members', () => {
    expect(checkObject(model, 'microsoft.graph.attachment', { '@odata.type': '#microsoft.graph.fileAttachment', id: 'a', name: 'x.txt', contentBytes: 'aGk=', size: 2, isInline: false }, 'a')).toEqual([]);
    expect(checkValue(model, 'microsoft.graph.importance', 'urgent', 'i')).toHaveLength(1);
  });
});
