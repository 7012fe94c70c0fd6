import {
  PiiCipher,
  ageOn,
  composeResidentId,
  dateTurning,
  maskId,
  maskMobile,
  maskName,
  parseResidentId,
} from './index.js';

describe('PI-2 masking', () => {
  it('masks mobiles, ID numbers and names as the rule says', () => {
    expect(maskMobile('13812341234')).toBe('138****1234');
    expect(maskId('51010419900101123X')).toBe('510104********123X');
    expect(maskId('51010419900101123X', 'strict')).toBe('5***************3X');
    expect(maskName('张三明')).toBe('张*明');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜', 'surname-only')).toBe('欧阳**');
    expect(maskName('欧阳娜娜')).toBe('欧阳**');
    expect(maskName('张三明', 'surname-only')).toBe('张**');
  });

  it('never shows the birth date digits (7–14) of an ID number', () => {
    const masked = maskId('510104199001011237');
    expect(masked.slice(6, 14)).toBe('********');
  });
});

describe('resident identity numbers', () => {
  it('checks the GB 11643 check character and reads the birth date', () => {
    expect(parseResidentId('11010519491231002X')).toEqual({
      region: '110105',
      birthDate: '1949-12-31',
      sex: 'female',
    });
    expect(parseResidentId('110105194912310021')).toBeUndefined();
    expect(parseResidentId('11010519491331002X')).toBeUndefined();
    expect(parseResidentId('1101051949123100')).toBeUndefined();
    expect(parseResidentId(' 11010519491231002x ')).toMatchObject({ birthDate: '1949-12-31' });
    expect(parseResidentId('11010519491231002Y')).toBeUndefined();
    expect(parseResidentId('1101051949123A002X')).toBeUndefined();
  });

  it('accepts only birth dates that exist (29 February in leap years only)', () => {
    const valid = (birth: string) => parseResidentId(composeResidentId('510108', birth, 1))?.birthDate;
    expect(valid('2000-02-29')).toBe('2000-02-29');
    expect(valid('2024-02-29')).toBe('2024-02-29');
    expect(valid('1990-12-31')).toBe('1990-12-31');
    for (const bad of ['1900-02-29', '2023-02-29', '2023-04-31', '2023-13-01', '2023-00-10', '2023-01-00'])
      expect(valid(bad)).toBeUndefined();
  });

  it('counts age in whole calendar years (RC-3: 18 on election day; PI-4: under 14)', () => {
    expect(ageOn('2008-06-15', '2026-06-14')).toBe(17);
    expect(ageOn('2008-06-15', '2026-06-15')).toBe(18);
    expect(dateTurning('2008-06-15', 18)).toBe('2026-06-15');
    expect(dateTurning('2008-02-29', 18)).toBe('2026-03-01');
    expect(dateTurning('2008-02-29', 16)).toBe('2024-02-29');
    expect(dateTurning('1999-01-05', 18)).toBe('2017-01-05');
    expect(ageOn('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageOn('2008-02-29', '2026-03-01')).toBe(18);
    expect(ageOn('1990-12-31', '2026-01-01')).toBe(35);
  });
});

describe('PI-1 encryption at rest', () => {
  const cipher = new PiiCipher(PiiCipher.generateKey());

  it('round-trips, hides the value, and binds it to its column', () => {
    const c = cipher.encrypt('11010519491231002X', 'resident.id_number');
    expect(c).not.toContain('11010519491231002X');
    expect(cipher.decrypt(c, 'resident.id_number')).toBe('11010519491231002X');
    expect(() => cipher.decrypt(c, 'resident.phone')).toThrow();
    expect(cipher.encrypt('x', 'a')).not.toBe(cipher.encrypt('x', 'a'));
  });

  it('finds equal values through a keyed blind index, and another key cannot', () => {
    const other = new PiiCipher(PiiCipher.generateKey());
    expect(cipher.blindIndex('11010519491231002X', 'id')).toBe(cipher.blindIndex('11010519491231002X', 'id'));
    expect(cipher.blindIndex('11010519491231002X', 'id')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(cipher.blindIndex('11010519491231002X', 'id')).not.toBe(
      cipher.blindIndex('11010519491231002X', 'other'),
    );
    expect(other.blindIndex('11010519491231002X', 'id')).not.toBe(
      cipher.blindIndex('11010519491231002X', 'id'),
    );
    expect(() => other.decrypt(cipher.encrypt('x', 'a'), 'a')).toThrow();
  });
});
