// Reads a request's JSON body once the route and the caller are known (after authentication), so
// that an anonymous or unauthorised request never costs a read, and every malformed body gets a 4xx
// problem naming what is wrong, never a 5xx. Checks run cheapest first: does the route take a body,
// media type, content coding, declared length; then the bytes (read up to the limit, decoded with
// the decoded size bounded too, strict UTF-8); then the shape (nesting depth scanned before parsing,
// JSON.parse, entries per object or array, field names that would reach Object.prototype, and what
// JSON.parse lets by silently: a field name written twice, a number too small to tell from 0).
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { ProblemException } from '../errors/problem.filter';
import { RequestValidationError, type FieldProblem } from '../errors/validation';

export interface JsonBodyLimits {
  /** Largest body, in bytes, as sent and again once decoded (MAX_BODY_BYTES). */
  readonly maxBytes: number;
  /** Deepest nesting of objects and arrays. */
  readonly maxDepth: number;
  /** Most fields of one object or items of one array. */
  readonly maxEntries: number;
}

/**
 * The deepest legitimate body (a segment rule nested MAX_RULE_DEPTH = 12 levels, two JSON levels
 * each) stays well inside 64; class-validator recurses per level and overflows the stack in the
 * thousands.
 */
export const MAX_JSON_DEPTH = 64;
/** As large as MAX_BATCH_SIZE may be set; no other array or object comes near. */
export const MAX_JSON_ENTRIES = 10_000;

/**
 * Field names every object already answers (Object.prototype's: __proto__, constructor, toString,
 * valueOf, hasOwnProperty…) and `prototype`: refused like any unknown field, at any depth of a body
 * and in query strings. class-validator's whitelist looks at the instance class-transformer made,
 * which leaves such a name out (found from outside: `?toString=1` and a note with `"toString":"x"`
 * were taken without a word where any other unknown field is a 400).
 */
export const FORBIDDEN_FIELD_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

type Decoder = (buffer: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>;

/** Content codings a body may be sent in (RFC 9110 §8.4.1; x-gzip is gzip, §8.4.1.3). */
const DECODERS: Readonly<Record<string, Decoder>> = {
  gzip: promisify(gunzip) as Decoder,
  'x-gzip': promisify(gunzip) as Decoder,
  deflate: promisify(inflate) as Decoder,
  br: promisify(brotliDecompress) as Decoder,
};
export const ACCEPTED_ENCODINGS = 'gzip, deflate, br';

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const ESSENCE = new RegExp(`^[ \\t]*(${TOKEN})/(${TOKEN})[ \\t]*$`);
const PARAMETER = new RegExp(`^(${TOKEN})=(${TOKEN}|"(?:[^"\\\\]|\\\\.)*")$`);

interface MediaType {
  readonly essence: string;
  readonly parameters: ReadonlyMap<string, string>;
}

/** `application/json; charset="UTF-8"` → essence `application/json`, parameters {charset: 'utf-8'}; undefined when malformed. */
export function parseMediaType(header: string): MediaType | undefined {
  const [essence, ...rest] = header.split(';');
  const match = ESSENCE.exec(essence ?? '');
  if (!match) return undefined;
  const parameters = new Map<string, string>();
  for (const part of rest.map((p) => p.trim()).filter((p) => p.length > 0)) {
    const parameter = PARAMETER.exec(part);
    if (!parameter) return undefined;
    const raw = parameter[2] as string;
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    parameters.set((parameter[1] as string).toLowerCase(), value.toLowerCase());
  }
  return { essence: `${match[1]}/${match[2]}`.toLowerCase(), parameters };
}

/** Content-Type headers set aside from the router (see setAsideMalformedContentType), by request. */
const setAside = new WeakMap<IncomingMessage, string>();

/**
 * Takes a Content-Type that is not a media type off the request before Fastify routes it: Fastify
 * would answer 415 before authentication, and before the route is known to take a body at all.
 * readJsonBody still reads it, and refuses it in its turn (after the caller is known).
 */
export function setAsideMalformedContentType(request: IncomingMessage): void {
  const header = request.headers['content-type'];
  if (header === undefined || parseMediaType(header) !== undefined) return;
  setAside.set(request, header);
  delete request.headers['content-type'];
}

function contentTypeOf(request: IncomingMessage): string | undefined {
  return request.headers['content-type'] ?? setAside.get(request);
}

function contentLength(request: IncomingMessage): number | undefined {
  const header = request.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

/** Whether the request says it carries content: a positive Content-Length, or a Transfer-Encoding (chunked). */
export function announcesContent(request: IncomingMessage): boolean {
  const length = contentLength(request);
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length > 0);
}

const tooLarge = (maxBytes: number, what: string) =>
  new ProblemException(413, `The request body is larger than ${maxBytes} bytes${what} (MAX_BODY_BYTES)`, { code: 'BODY_TOO_LARGE', headers: { Connection: 'close' } });

/** The body's bytes as sent, at most maxBytes of them. */
function readRaw(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) reject(error);
      else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.pause();
        settle(tooLarge(maxBytes, ''));
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => settle(undefined, Buffer.concat(chunks, size));
    const onError = (error: Error) => settle(new ProblemException(400, `The request body could not be read: ${error.message}`, { code: 'BODY_UNREADABLE' }));
    const onClose = () => settle(new ProblemException(400, 'The request body ended before its announced length (the connection closed)', { code: 'BODY_INCOMPLETE' }));
    request.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** Undoes the content codings, last applied first, each bounded to maxBytes of output. */
async function decode(raw: Buffer, codings: readonly string[], maxBytes: number): Promise<Buffer> {
  let body = raw;
  for (const coding of [...codings].reverse()) {
    try {
      body = await (DECODERS[coding] as Decoder)(body, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes, ' once decoded');
      throw new ProblemException(400, `The request body is not valid ${coding} data (Content-Encoding: ${coding}): ${(error as Error).message}`, {
        code: 'INVALID_CONTENT_ENCODING',
      });
    }
  }
  return body;
}

/** What one pass over a JSON text tells before it is parsed (strings skipped). */
export interface JsonTextScan {
  /** Objects and arrays nest deeper than the maxDepth asked about (the pass stops there). */
  readonly tooDeep: boolean;
  /** Object members written (one `:` each): more than the parsed objects hold when a field name repeats. */
  readonly members: number;
}

/** Nesting depth and members of a JSON text, by one pass over it (strings skipped). */
export function scanJsonText(text: string, maxDepth: number): JsonTextScan {
  let depth = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x3a) {
      members++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return { tooDeep: true, members };
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return { tooDeep: false, members };
}

/**
 * A number written with an exponent of 300 or more digits' worth, or 300 zeros in a row: the only
 * texts that may stand for a number too small for a double (JSON.parse reads `1e-400` as 0, which a
 * whole-number field then takes). Strings may match too; the exact check tells.
 */
const MAY_UNDERFLOW = /[eE]-0*(?:[3-9]\d\d|\d{4,})|0{300}/;

/**
 * What JSON.parse lets by without a word, by path: a field name written twice in one object (the
 * last one would win: `{"customerId":"a","customerId":"b"}` recorded for b), and a number too small
 * to be told from 0. Walks a text JSON.parse has accepted, so it checks no syntax.
 */
export function textProblems(text: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const readString = (): string => {
    const start = i++;
    while (text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const readValue = (path: string): void => {
    skipSpace();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      skipSpace();
      const close = c === '{' ? '}' : ']';
      if (text[i] === close) {
        i++;
        return;
      }
      const seen = new Set<string>();
      for (let index = 0; ; index++) {
        if (c === '{') {
          skipSpace();
          const key = readString();
          const field = path === '' ? key : `${path}.${key}`;
          if (seen.has(key)) problems.push({ field, message: `${JSON.stringify(key)} is written more than once in one object; send it once` });
          seen.add(key);
          skipSpace();
          i++; // the colon
          readValue(field);
        } else {
          readValue(`${path}[${index}]`);
        }
        skipSpace();
        if (text[i++] === close) return;
      }
    }
    if (c === '"') {
      readString();
      return;
    }
    const start = i;
    while (i < text.length && /[-+0-9.eE]/.test(text[i] as string)) i++;
    if (start === i) {
      i += text.startsWith('false', i) ? 5 : 4; // true, null
      return;
    }
    const number = text.slice(start, i);
    if (Number(number) === 0 && /[1-9]/.test(number.split(/[eE]/)[0] as string)) {
      problems.push({ field: path || '(body)', message: `${number.length > 40 ? `${number.slice(0, 37)}...` : number} is too small a number to be told from 0` });
    }
  };
  readValue('');
  return problems;
}

const MAX_SHAPE_PROBLEMS = 20;

/**
 * Field names that reach Object.prototype, and objects or arrays with too many entries, by path; and
 * how many fields the objects hold in all (while no problem is found).
 */
export function shapeOf(value: unknown, maxEntries: number): { problems: FieldProblem[]; fields: number } {
  const problems: FieldProblem[] = [];
  let fields = 0;
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length > 0 && problems.length < MAX_SHAPE_PROBLEMS) {
    const { value: node, path } = stack.pop() as { value: unknown; path: string };
    if (Array.isArray(node)) {
      if (node.length > maxEntries) problems.push({ field: path || '(body)', message: `must not have more than ${maxEntries} items` });
      else node.forEach((item, index) => stack.push({ value: item, path: `${path}[${index}]` }));
    } else if (typeof node === 'object' && node !== null) {
      const keys = Object.keys(node);
      if (keys.length > maxEntries) {
        problems.push({ field: path || '(body)', message: `must not have more than ${maxEntries} fields` });
        continue;
      }
      fields += keys.length;
      for (const key of keys) {
        const field = path === '' ? key : `${path}.${key}`;
        if (FORBIDDEN_FIELD_NAMES.has(key)) problems.push({ field, message: 'unknown field (not allowed)' });
        else stack.push({ value: (node as Record<string, unknown>)[key], path: field });
      }
    }
  }
  return { problems: problems.sort((a, b) => a.field.localeCompare(b.field)), fields };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The parsed JSON object a request carries (undefined for a route that takes none). Throws a
 * ProblemException (400, 413, 415) or RequestValidationError (400) for anything else.
 */
export async function readJsonBody(request: IncomingMessage, takesBody: boolean, limits: JsonBodyLimits): Promise<Record<string, unknown> | undefined> {
  const method = request.method ?? 'GET';
  if (!takesBody) {
    if (!announcesContent(request)) return undefined;
    // A chunked body may still turn out empty: read it (bounded) to tell.
    if (contentLength(request) === undefined && (await readRaw(request, limits.maxBytes)).length === 0) return undefined;
    throw new ProblemException(400, `${method} on this route takes no request body; send none`, { code: 'BODY_NOT_ALLOWED' });
  }
  const accept = { Accept: 'application/json', ...(method === 'PATCH' ? { 'Accept-Patch': 'application/json' } : {}) };
  const needsBody = () => new ProblemException(400, `${method} on this route needs a JSON object as its body (send {} when no field applies)`, { code: 'BODY_REQUIRED' });
  if (!announcesContent(request)) throw needsBody();

  const contentType = contentTypeOf(request);
  const media = contentType === undefined ? undefined : parseMediaType(contentType);
  if (media?.essence !== 'application/json') {
    const detail = `Content-Type must be application/json${contentType === undefined ? ' (none was sent)' : `, not ${JSON.stringify(contentType)}`}`;
    throw new ProblemException(415, detail, { code: 'UNSUPPORTED_MEDIA_TYPE', errors: [{ field: 'Content-Type', message: detail }], headers: accept });
  }
  const others = [...media.parameters.keys()].filter((name) => name !== 'charset');
  if (others.length > 0) {
    // application/json defines no parameters: one the client means something by would be ignored.
    const detail = `Content-Type takes no parameter but charset=utf-8; not ${others.join(', ')}`;
    throw new ProblemException(415, detail, { code: 'UNSUPPORTED_MEDIA_TYPE', errors: [{ field: 'Content-Type', message: detail }], headers: accept });
  }
  const charset = media.parameters.get('charset');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    const detail = `JSON is read as UTF-8 only; charset=${charset} is not supported`;
    throw new ProblemException(415, detail, { code: 'UNSUPPORTED_CHARSET', errors: [{ field: 'Content-Type', message: detail }], headers: accept });
  }

  const codings = (request.headers['content-encoding'] ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  const unsupported = codings.filter((coding) => !Object.hasOwn(DECODERS, coding));
  if (unsupported.length > 0) {
    const detail = `Content-Encoding ${unsupported.join(', ')} is not supported; use ${ACCEPTED_ENCODINGS} or none`;
    throw new ProblemException(415, detail, {
      code: 'UNSUPPORTED_CONTENT_ENCODING',
      errors: [{ field: 'Content-Encoding', message: detail }],
      headers: { 'Accept-Encoding': ACCEPTED_ENCODINGS },
    });
  }
  const declared = contentLength(request);
  if (declared !== undefined && declared > limits.maxBytes) throw tooLarge(limits.maxBytes, '');

  const bytes = await decode(await readRaw(request, limits.maxBytes), codings, limits.maxBytes);
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new ProblemException(400, 'The request body is not valid UTF-8', { code: 'INVALID_UTF8' });
  }
  if (text.trim() === '') throw needsBody();
  const scan = scanJsonText(text, limits.maxDepth);
  if (scan.tooDeep) {
    throw new ProblemException(400, `The request body nests objects and arrays deeper than ${limits.maxDepth} levels`, { code: 'BODY_TOO_DEEP' });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ProblemException(400, `The request body is not valid JSON: ${(error as Error).message}`, { code: 'INVALID_JSON' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ProblemException(400, `The request body must be a JSON object, not ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`, { code: 'INVALID_BODY' });
  }
  const shape = shapeOf(body, limits.maxEntries);
  if (shape.problems.length > 0) throw new RequestValidationError(shape.problems);
  // The exact walk only when the cheap signs show something JSON.parse let by: fewer fields parsed
  // than written (a name written twice), or a number that may be too small for a double.
  if (scan.members !== shape.fields || MAY_UNDERFLOW.test(text)) {
    const problems = textProblems(text);
    if (problems.length > 0) throw new RequestValidationError(problems.slice(0, MAX_SHAPE_PROBLEMS));
  }
  return body as Record<string, unknown>;
}
