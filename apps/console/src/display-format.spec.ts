import { money } from './display-format';

const plain = (text: string) => text.replace(/\s/g, ' ');

describe('money on screen', () => {
  it('uses each currency\'s own exponent from the server, not two decimals for all', () => {
    expect(plain(money(5990, 'EUR', 2, 'en-US'))).toBe('€59.90');
    expect(plain(money(1500, 'JPY', 0, 'en-US'))).toBe('¥1,500');
    expect(plain(money(12_345, 'BHD', 3, 'en-US'))).toBe('BHD 12.345');
    expect(plain(money(98_765, 'CLF', 4, 'en-US'))).toBe('CLF 9.8765');
  });

  it('shows a legacy unrecognised code as recorded, in minor units, and says so', () => {
    expect(money(700, 'XYZ', null, 'en-US')).toBe('700 XYZ (minor units, unrecognised currency)');
    expect(money(null, 'EUR', 2)).toBe('—');
  });
});
