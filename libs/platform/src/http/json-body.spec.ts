import { parseMediaType, scanJsonText, shapeOf, textProblems } from './json-body';

const nestsDeeperThan = (text: string, maxDepth: number) => scanJsonText(text, maxDepth).tooDeep;
const shapeProblems = (value: unknown, maxEntries: number) => shapeOf(value, maxEntries).problems;

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

  it('counts the members written, colons in strings aside, so a field written twice shows as more members than the parsed objects hold', () => {
    expect(scanJsonText('{"a":{"b:c":1,"d":[{"e":"x:y"}]}}', 64)).toEqual({ tooDeep: false, members: 4 });
    expect(scanJsonText('{"a":1,"a":2}', 64)).toEqual({ tooDeep: false, members: 2 });
  });

  it('names each field written twice in one object, however its name is escaped, at any depth', () => {
    expect(textProblems('{"a":1,"b":{"c":[{"d":1,"d":2},{"d":3}]},"\\u0061":2, "e" : { } , "f":[ ]}')).toEqual([
      { field: 'b.c[0].d', message: '"d" is written more than once in one object; send it once' },
      { field: 'a', message: '"a" is written more than once in one object; send it once' },
    ]);
    expect(textProblems('{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}')).toEqual([]);
  });

  it('names each number too small to tell from 0, and leaves zeros, small doubles and strings alone', () => {
    const tiny = `0.${'0'.repeat(400)}1`;
    expect(textProblems(`{"a":1e-400,"b":[-2.5E-999,${tiny}],"c":{"d":123456e-330}}`)).toEqual([
      { field: 'a', message: '1e-400 is too small a number to be told from 0' },
      { field: 'b[0]', message: '-2.5E-999 is too small a number to be told from 0' },
      { field: 'b[1]', message: `${tiny.slice(0, 37)}... is too small a number to be told from 0` },
      { field: 'c.d', message: '123456e-330 is too small a number to be told from 0' },
    ]);
    expect(textProblems(`{"a":0,"b":-0.0e-999,"c":5e-324,"d":1e-300,"e":"1e-400","f":[true,false,null,0E+0]}`)).toEqual([]);
    expect(textProblems('1e-400')).toEqual([{ field: '(body)', message: '1e-400 is too small a number to be told from 0' }]);
  });
});
