// What a client's Accept header asks for, weighed as HTTP says (q-values, wildcards, parameters) by
// `negotiator`: whether an export route streams NDJSON or answers JSON, and whether a request asks
// for nothing this API ever answers (406, before anything runs).
import Negotiator from 'negotiator';
import { ProblemException } from '../errors/problem.filter';
import { NDJSON_MEDIA_TYPE } from '../openapi/openapi-document';

const JSON_MEDIA_TYPE = 'application/json';
/** Every media type an API route answers in: JSON, problem documents, NDJSON exports, server-sent events. */
const ANSWERED = [JSON_MEDIA_TYPE, 'application/problem+json', NDJSON_MEDIA_TYPE, 'text/event-stream'];

/**
 * The offered types the header takes, most wanted first. Parameters other than q are dropped first:
 * negotiator matches them against the offered type's own (a charset we always send as UTF-8).
 */
const mediaTypes = (accept: string, offered: string[]): string[] => new Negotiator({ headers: { accept: weightsOnly(accept) } }).mediaTypes(offered);
const weightsOnly = (accept: string): string =>
  accept
    .split(',')
    .map((range) => {
      const [type = '', ...parameters] = range.split(';');
      const weight = parameters.find((parameter) => /^\s*q\s*=/i.test(parameter));
      return weight === undefined ? type : `${type};${weight}`;
    })
    .join(',');
/** No Accept, or one that takes anything or JSON as it is: the commonest headers, answered without parsing. */
const takesJson = (accept: string | undefined): boolean => accept === undefined || accept === '*/*' || accept === JSON_MEDIA_TYPE || accept.trim() === '';

/** True when the client prefers NDJSON to JSON (`Accept: application/x-ndjson`; not with q=0, nor below JSON). */
export function prefersNdjson(accept: string | undefined): boolean {
  return !takesJson(accept) && mediaTypes(accept as string, [JSON_MEDIA_TYPE, NDJSON_MEDIA_TYPE])[0] === NDJSON_MEDIA_TYPE;
}

/**
 * A 406 for a request whose Accept takes none of the media types API routes answer in (`Accept:
 * text/csv`): it would otherwise get JSON it said it cannot read. Undefined when it takes one.
 */
export function notAcceptable(accept: string | undefined): ProblemException | undefined {
  if (takesJson(accept) || mediaTypes(accept as string, ANSWERED).length > 0) return undefined;
  return new ProblemException(406, `This API answers in ${ANSWERED.join(', ')}; the Accept header takes none of them`, {
    code: 'NOT_ACCEPTABLE',
    errors: [{ field: 'Accept', message: `must accept ${JSON_MEDIA_TYPE} (or ${NDJSON_MEDIA_TYPE} for exports, text/event-stream for live streams)` }],
  });
}
