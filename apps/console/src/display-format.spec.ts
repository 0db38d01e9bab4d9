import { counted, countdown, dialledPhone, money, parseDuration, relativeTime } from './display-format';

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

describe('times an agent reads at a glance', () => {
  const now = new Date('2026-11-20T12:00:00Z');

  it('says how long ago or how soon, in the largest unit that fits', () => {
    expect(relativeTime('2026-11-20T09:00:00Z', now, 'en')).toBe('3 hours ago');
    expect(relativeTime('2026-11-20T12:25:00Z', now, 'en')).toBe('in 25 minutes');
    expect(relativeTime('2026-11-19T12:00:00Z', now, 'en')).toBe('yesterday');
    expect(relativeTime('2026-11-20T11:59:30Z', now, 'en')).toBe('just now');
    // Rounded, not cut (found from outside: 10 Dec 2024 read "last year" on 5 Dec 2026, 16 Oct "last month").
    const december = new Date('2026-12-05T12:00:00Z');
    expect(relativeTime('2024-12-10T10:00:00Z', december, 'en')).toBe('2 years ago');
    expect(relativeTime('2026-10-16T10:00:00Z', december, 'en')).toBe('2 months ago');
  });

  it('counts down to an SLA deadline and says when it is past', () => {
    expect(countdown('2026-11-20T12:25:00Z', now)).toEqual({ text: 'due in 25 min', overdue: false });
    expect(countdown('2026-11-20T09:55:00Z', now)).toEqual({ text: 'overdue by 2 h 5 min', overdue: true });
    expect(countdown('2026-11-23T16:00:00Z', now)).toEqual({ text: 'due in 3 d 4 h', overdue: false });
  });
});

describe('a call\'s length as typed', () => {
  it.each([
    ['95', 95], ['95 s', 95], ['1:35', 95], ['1m 35s', 95], ['2 min', 120], ['0', 0],
  ])('reads %p as %p seconds', (typed, seconds) => {
    expect(parseDuration(typed)).toEqual({ seconds });
  });

  it('says what to type for a fraction, a negative or words, never that the field is required', () => {
    for (const typed of ['1.5 seconds', '1.5', '-5', 'about a minute']) {
      const parsed = parseDuration(typed);
      expect('problem' in parsed && parsed.problem).toMatch(/whole seconds \(95\) or minutes and seconds/);
      expect('problem' in parsed && parsed.problem).not.toMatch(/required/);
    }
    expect(parseDuration('1.5 seconds')).toEqual({ problem: expect.stringContaining('“1.5 seconds” is not a length') });
  });
});

describe('counts in words', () => {
  it('puts the noun in the singular for one (defect: "1 interactions")', () => {
    expect(counted(1, 'interaction')).toBe('1 interaction');
    expect(counted(0, 'interaction')).toBe('0 interactions');
    expect(counted(12, 'interaction')).toBe('12 interactions');
    expect(counted(1, 'reply', 'replies')).toBe('1 reply');
    expect(counted(3, 'reply', 'replies')).toBe('3 replies');
  });
});

describe('a phone number as dialled', () => {
  it.each([
    ['+44 20 7123 4567', '+442071234567'], ['0044 20 7123 4567', '+442071234567'], ['+44 (20) 7123-4567', '+442071234567'],
    ['+44.20.7123.4567', '+442071234567'], ['+442071234567', '+442071234567'],
  ])('sends %p as %p (defect: refused 400 for the spaces the label invites)', (typed, sent) => {
    expect(dialledPhone(typed)).toBe(sent);
  });

  it('leaves anything else as typed, for the API to refuse by name', () => {
    expect(dialledPhone('call me maybe')).toBe('callmemaybe');
    expect(dialledPhone('07700 900123')).toBe('07700900123');
  });
});
