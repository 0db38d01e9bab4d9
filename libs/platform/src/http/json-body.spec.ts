import { nestsDeeperThan, parseMediaType, shapeProblems } from './json-body';

describe('the JSON body reader\'s checks', () => {
  it('parses media types case-insensitively, with quoted and empty parameters; a malformed one is undefined', () => {
    expect(parseMediaType('Application/JSON; Charset="UTF-8"')).toEqual({ essence: 'application/json', parameters: new Map([['charset', 'utf-8']]) });
    expect(parseMediaType('application/json;')).toEqual({ essence: 'application/json', parameters: new Map() });
    expect(parseMediaType('application/merge-patch+json')?.essence).toBe('application/merge-patch+json');
    for (const malformed of ['application', 'application/', 'application json', 'application/json; charset', 'application/json; =x', '']) {
      expect({ malformed, parsed: parseMediaType(malformed) }).toEqual({ malformed, parsed: undefined });
    }
  });

  it('tells nesting depth from the text alone, ignoring brackets inside strings and escaped quotes', () => {
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[1]}]}', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":"[[[[[[[[[[\\"[[[[[["}', 1)).toBe(false);
    expect(nestsDeeperThan(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 64)).toBe(true);
  });

  it('names fields that reach Object.prototype at any depth, and containers with too many entries', () => {
    const parsed = JSON.parse('{"__proto__":{"x":1},"a":[{"constructor":1},{"ok":{"prototype":2}}],"wide":[1,2,3,4]}') as unknown;
    expect(shapeProblems(parsed, 3)).toEqual([
      { field: '__proto__', message: 'unknown field (not allowed)' },
      { field: 'a[0].constructor', message: 'unknown field (not allowed)' },
      { field: 'a[1].ok.prototype', message: 'unknown field (not allowed)' },
      { field: 'wide', message: 'must not have more than 3 items' },
    ]);
    expect(shapeProblems({ fine: { nested: [1, { x: 'constructor' }] } }, 10)).toEqual([]);
  });
});
