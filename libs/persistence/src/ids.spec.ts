import { isUuid, newId } from './ids.js';

describe('newId (UUIDv7)', () => {
  it('is a version-7, variant-10 UUID whose first 48 bits are the current Unix milliseconds', () => {
    const before = Date.now();
    const id = newId();
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('ids from one process are unique and strictly increasing, even thousands per millisecond', () => {
    const ids = Array.from({ length: 50_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);
  });
});
