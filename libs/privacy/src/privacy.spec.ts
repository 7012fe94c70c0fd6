import { PiiCipher, ageOn, dateTurning, maskId, maskMobile, maskName, parseResidentId } from './index.js';

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
  });

  it('counts age in whole calendar years (RC-3: 18 on election day; PI-4: under 14)', () => {
    expect(ageOn('2008-06-15', '2026-06-14')).toBe(17);
    expect(ageOn('2008-06-15', '2026-06-15')).toBe(18);
    expect(dateTurning('2008-06-15', 18)).toBe('2026-06-15');
    expect(dateTurning('2008-02-29', 18)).toBe('2026-03-01');
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
    expect(other.blindIndex('11010519491231002X', 'id')).not.toBe(
      cipher.blindIndex('11010519491231002X', 'id'),
    );
    expect(() => other.decrypt(cipher.encrypt('x', 'a'), 'a')).toThrow();
  });
});
