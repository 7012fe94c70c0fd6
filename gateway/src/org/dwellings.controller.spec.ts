import { areaToCenti, centiToArea } from './dwellings.controller.js';

describe('floor areas are exact (OW-2…OW-4 compare integers, never floats)', () => {
  it('converts square metres to hundredths and back without rounding', () => {
    expect(areaToCenti('89.5')).toBe(8950n);
    expect(areaToCenti('89.50')).toBe(8950n);
    expect(areaToCenti('0.01')).toBe(1n);
    expect(areaToCenti('120')).toBe(12000n);
    expect(centiToArea(8950n)).toBe('89.50');
    expect(centiToArea(1n)).toBe('0.01');
  });
});
