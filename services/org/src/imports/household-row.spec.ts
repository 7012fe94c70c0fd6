import { composeResidentId } from '@linli/privacy';
import { checkRow, missingColumns } from './household-row.js';

const adult = composeResidentId('510108', '1980-01-01', 1);
const child = composeResidentId('510108', '2020-01-01', 2);
const base = {
  community_code: '510108007003',
  compound: '建设小区',
  household: '1-101',
  name: '张三',
  id_number: adult,
  relation: 'head',
};

describe('households import rows', () => {
  it('names the missing required columns', () => {
    expect(missingColumns(['community_code', 'name'])).toEqual([
      'compound',
      'household',
      'id_number',
      'relation',
    ]);
  });

  it('accepts a good row and reads the birth date from the ID number', () => {
    const { row, errors } = checkRow(base, 2, '2026-11-28');
    expect(errors).toEqual([]);
    expect(row).toMatchObject({ line: 2, birthDate: '1980-01-01', sex: 'male', relation: 'head' });
  });

  it('reports every bad field with its line', () => {
    const { row, errors } = checkRow(
      { ...base, community_code: '5101', id_number: '123', relation: 'boss', mobile: '12' },
      7,
      '2026-11-28',
    );
    expect(row).toBeUndefined();
    expect(errors.map((e) => [e.line, e.field])).toEqual([
      [7, 'community_code'],
      [7, 'id_number'],
      [7, 'mobile'],
      [7, 'relation'],
    ]);
  });

  it('PI-4: a person under 14 needs a guardian and a consent reference', () => {
    expect(
      checkRow({ ...base, id_number: child, relation: 'child' }, 3, '2026-11-28').errors.map((e) => e.field),
    ).toEqual(['guardian_id_number', 'consent_ref']);
    expect(
      checkRow(
        { ...base, id_number: child, relation: 'child', guardian_id_number: adult, consent_ref: 'GC-1' },
        3,
        '2026-11-28',
      ).errors,
    ).toEqual([]);
  });
});
