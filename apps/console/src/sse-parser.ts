// Incremental parser for the text/event-stream format (WHATWG HTML, "server-sent events"): the
// console reads the live stream with fetch() because EventSource cannot send an Authorization
// header, so it has to split the stream into messages itself. Chunks may cut lines anywhere.

export interface SseMessage {
  /** `message` when the server named no event type. */
  readonly event: string;
  readonly data: string;
  /** The last id seen on the stream so far (ids persist across messages), '' if none. */
  readonly lastEventId: string;
}

export class SseParser {
  private pending = '';
  /** A chunk ended in CR: a LF at the start of the next chunk belongs to the same line ending. */
  private skipLeadingLf = false;
  private event = '';
  private data: string[] = [];
  private hasData = false;
  private lastEventId = '';
  /** The reconnection delay the server asked for with `retry:`, if any. */
  retryMs: number | undefined;

  /** Feeds decoded text; answers the messages completed by it, in order. */
  push(chunk: string): SseMessage[] {
    let text = chunk;
    if (this.skipLeadingLf && text.startsWith('\n')) text = text.slice(1);
    this.skipLeadingLf = false;
    text = this.pending + text;
    const messages: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch !== '\n' && ch !== '\r') continue;
      const message = this.line(text.slice(start, i));
      if (message) messages.push(message);
      if (ch === '\r') {
        if (i + 1 < text.length) {
          if (text[i + 1] === '\n') i++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      start = i + 1;
    }
    this.pending = text.slice(start);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined; // a comment, e.g. a keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored, as the format requires
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const message = this.hasData ? { event: this.event || 'message', data: this.data.join('\n'), lastEventId: this.lastEventId } : undefined;
    this.event = '';
    this.data = [];
    this.hasData = false;
    return message;
  }
}
