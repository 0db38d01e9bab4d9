import { typedPhone } from './customer-view.queries';

describe('typedPhone: what an agent types, read as a phone search key', () => {
  it.each([
    ['+44 7000 007919', '+447000007919'],
    ['07000 007919', '07000007919'],
    ['(030) 123-456', '030123456'],
    ['030.123.456', '030123456'],
    ['030/123 456', '030123456'],
    ['0044 7000 007919', '+447000007919'],
    ['+44 (0) 7000 007919', '+447000007919'],
  ])('%p → %p', (typed, key) => {
    expect(typedPhone(typed)).toBe(key);
  });

  it.each(['ada', 'shop-100007', '12', 'ada@example.com', 'c-42', '(0)(0)(0)', '00(0)'])('%p is not a phone number', (typed) => {
    expect(typedPhone(typed)).toBeNull();
  });
});
