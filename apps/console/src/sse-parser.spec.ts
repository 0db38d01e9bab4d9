import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('splits a stream into typed messages with their data and id', () => {
    const parser = new SseParser();
    const messages = parser.push('id: 7\nevent: applied\ndata: {"position":7}\n\nevent: heartbeat\ndata: {}\n\n');
    expect(messages).toEqual([
      { event: 'applied', data: '{"position":7}', lastEventId: '7' },
      { event: 'heartbeat', data: '{}', lastEventId: '7' },
    ]);
  });

  it('completes a message only at the blank line, whatever the chunk boundaries', () => {
    const parser = new SseParser();
    const text = 'event: applied\r\ndata: {"a":1}\r\n\r\nevent: applied\rdata: {"a":2}\r\r';
    const seen: string[] = [];
    for (const ch of text) seen.push(...parser.push(ch).map((m) => m.data));
    expect(seen).toEqual(['{"a":1}', '{"a":2}']);
  });

  it('treats a CR at the end of one chunk and a LF at the start of the next as one line ending', () => {
    const parser = new SseParser();
    expect(parser.push('data: x\r')).toEqual([]);
    expect(parser.push('\n\r')).toEqual([{ event: 'message', data: 'x', lastEventId: '' }]);
    expect(parser.push('\ndata: y\n\n')).toEqual([{ event: 'message', data: 'y', lastEventId: '' }]);
  });

  it('joins data lines with a newline and strips only one leading space', () => {
    const parser = new SseParser();
    expect(parser.push('data:first\ndata:  second\ndata\n\n')).toEqual([{ event: 'message', data: 'first\n second\n', lastEventId: '' }]);
  });

  it('ignores comments, unknown fields and blocks without data, and keeps the retry delay', () => {
    const parser = new SseParser();
    expect(parser.push(': keep-alive\nevent: applied\nfoo: bar\nretry: 2500\n\n')).toEqual([]);
    expect(parser.retryMs).toBe(2500);
    // The event name of a dropped block does not leak into the next message.
    expect(parser.push('data: z\n\n')).toEqual([{ event: 'message', data: 'z', lastEventId: '' }]);
  });

  it('keeps an unfinished line until its end arrives', () => {
    const parser = new SseParser();
    expect(parser.push('event: app')).toEqual([]);
    expect(parser.push('lied\ndata: {"position"')).toEqual([]);
    expect(parser.push(':3}\n\n')).toEqual([{ event: 'applied', data: '{"position":3}', lastEventId: '' }]);
  });
});
