// Whole numbers in query strings are read by QueryInteger, digits only, on every DTO: class-transformer's
// @Type(() => Number) runs Number(), which took `0x10` as 16, `1e1` as 10 and ` 10` as 10 (found from
// outside). Reads class-transformer's metadata after loading every module, as nested-objects.spec.ts
// reads class-validator's, so a DTO added later with @Type(() => Number) fails here.
import { plainToInstance } from 'class-transformer';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the storage module's types live apart from its code
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');
import { IsInt, validateSync } from 'class-validator';
import { QueryInteger } from '@app/platform';
import './chronicle.module';

type TypeMetadatas = Map<Function, Map<string, { typeFunction: (options?: unknown) => unknown }>>;

describe('numbers in query strings', () => {
  it('no DTO converts with Number() (class-transformer\'s @Type(() => Number))', () => {
    const numbered: string[] = [];
    for (const [target, properties] of (defaultMetadataStorage as unknown as { _typeMetadatas: TypeMetadatas })._typeMetadatas) {
      for (const [property, metadata] of properties) if (metadata.typeFunction() === Number) numbered.push(`${target.name}.${property}`);
    }
    expect(numbered).toEqual([]);
  });

  class Page {
    @QueryInteger() @IsInt() limit?: unknown;
  }
  const read = (limit: string) => {
    const page = plainToInstance(Page, { limit });
    return { limit: page.limit, valid: validateSync(page).length === 0 };
  };

  it.each(['10', '0', '-3', '0010', '9007199254740991'])('reads decimal digits %j as a number', (limit) => {
    expect(read(limit)).toEqual({ limit: Number(limit), valid: true });
  });

  it.each(['0x10', '1e1', ' 10', '10 ', '+10', '10.0', '1_000', 'Infinity', '', '٣', '99999999999999999999', '9007199254740993'])('leaves %j as sent, for @IsInt to refuse', (limit) => {
    expect(read(limit)).toEqual({ limit, valid: false });
  });
});
