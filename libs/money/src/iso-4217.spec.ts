// Checks the embedded table against a sample read off ISO 4217 List One (codes, numeric codes,
// minor units), against codes ISO has withdrawn, and for the shape every row must have.
import { ISO_4217_LIST_ONE } from './iso-4217.data';

const byCode = new Map(ISO_4217_LIST_ONE.map((row) => [row[0], row]));

describe('the embedded ISO 4217 List One', () => {
  it.each([
    ['JPY', '392', 0], ['EUR', '978', 2], ['USD', '840', 2], ['BHD', '048', 3], ['KWD', '414', 3], ['TND', '788', 3],
    ['CLF', '990', 4], ['UYW', '927', 4], ['ISK', '352', 0], ['KRW', '410', 0], ['UYI', '940', 0], ['XOF', '952', 0],
    ['CHE', '947', 2], ['XCG', '532', 2], ['ZWG', '924', 2], ['SLE', '925', 2], ['VED', '926', 2],
    ['XAU', '959', null], ['XDR', '960', null], ['XTS', '963', null], ['XXX', '999', null],
  ] as const)('lists %s as numeric %s with minor unit %s, as the standard does', (code, numeric, minorUnit) => {
    expect(byCode.get(code)?.slice(0, 3)).toEqual([code, numeric, minorUnit]);
  });

  it.each(['HRK', 'BGN', 'ANG', 'SLL', 'CUC', 'ZWL', 'VEF', 'MRO', 'LTL', 'DEM'])('does not list %s, which ISO has withdrawn', (code) => {
    expect(byCode.has(code)).toBe(false);
  });

  it('has one row per code, each a three-letter code, a three-digit number and a minor unit of 0–4 or none', () => {
    expect(byCode.size).toBe(ISO_4217_LIST_ONE.length);
    expect(new Set(ISO_4217_LIST_ONE.map((row) => row[1])).size).toBe(ISO_4217_LIST_ONE.length);
    for (const [code, numeric, minorUnit, name] of ISO_4217_LIST_ONE) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect(numeric).toMatch(/^\d{3}$/);
      expect(minorUnit === null || [0, 2, 3, 4].includes(minorUnit)).toBe(true);
      expect(name.length).toBeGreaterThan(0);
    }
  });
});
