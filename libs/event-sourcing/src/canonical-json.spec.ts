import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('is the same text for the same JSON value whatever the key order, at every depth', () => {
    const a = { b: 1, a: [{ z: null, y: 'é' }, 2], c: { e: true, d: { g: 1, f: 0 } } };
    const b = { c: { d: { f: 0, g: 1 }, e: true }, a: [{ y: 'é', z: null }, 2], b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":[{"y":"é","z":null},2],"b":1,"c":{"d":{"f":0,"g":1},"e":true}}');
  });

  it('follows JSON: undefined fields are left out, array order matters, dates are their ISO text', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ at: new Date('2026-01-02T03:04:05.000Z') })).toBe('{"at":"2026-01-02T03:04:05.000Z"}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('tells different values apart', () => {
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 1, b: null }));
  });
});
