import { criteriaFor } from './search-box';

describe('what a typed search looks for', () => {
  it('searches emails when the text has an @', () => {
    expect(criteriaFor('ada@ex')).toEqual(['email']);
  });

  it('searches phones for digits with an optional + and separators', () => {
    expect(criteriaFor('+44 20')).toEqual(['phone']);
    expect(criteriaFor('0207')).toEqual(['phone']);
  });

  it('searches names and exact ids for anything else', () => {
    expect(criteriaFor('Ada Lov')).toEqual(['name', 'id']);
    expect(criteriaFor('demo-00007')).toEqual(['name', 'id']);
    expect(criteriaFor('7')).toEqual(['name', 'id']);
  });
});
