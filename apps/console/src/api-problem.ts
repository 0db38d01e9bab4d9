// Turns the API's RFC 9457 problem documents into what an agent reads: one sentence for the form
// and one message per named field, in plain words.

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export interface ProblemDocument {
  readonly status: number;
  readonly title?: string;
  readonly detail?: string;
  readonly code?: string;
  readonly errors?: readonly FieldProblem[];
}

/** A failed API call: its status, its problem document (or a stand-in) and the sentence to show. */
export class ApiError extends Error {
  constructor(readonly problem: ProblemDocument) {
    super(explainProblem(problem));
    this.name = 'ApiError';
  }

  get status(): number {
    return this.problem.status;
  }

  /** Messages by field name as the API names it (`lines[0].quantity`), first message per field. */
  fieldMessages(): Map<string, string> {
    const byField = new Map<string, string>();
    for (const error of this.problem.errors ?? []) if (!byField.has(error.field)) byField.set(error.field, error.message);
    return byField;
  }
}

/** Reads a problem from a response body, whatever the server actually sent. */
export function toProblemDocument(status: number, body: unknown): ProblemDocument {
  if (body && typeof body === 'object') {
    const raw = body as Record<string, unknown>;
    const errors = Array.isArray(raw.errors)
      ? raw.errors.filter((e): e is FieldProblem => !!e && typeof (e as FieldProblem).field === 'string' && typeof (e as FieldProblem).message === 'string')
      : undefined;
    return {
      status,
      ...(typeof raw.title === 'string' ? { title: raw.title } : {}),
      ...(typeof raw.detail === 'string' ? { detail: raw.detail } : {}),
      ...(typeof raw.code === 'string' ? { code: raw.code } : {}),
      ...(errors && errors.length > 0 ? { errors } : {}),
    };
  }
  return { status };
}

function asSentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

export function explainProblem(problem: ProblemDocument): string {
  switch (problem.status) {
    case 0:
      return 'The server cannot be reached. Check the connection and try again.';
    case 401:
      return problem.detail && problem.code === 'SESSION_ENDED' ? `${problem.detail}.` : 'Your session has ended or your key is unknown. Sign in again with your support key.';
    case 403:
      return problem.code === 'CSRF_TOKEN' ? 'This tab lost its sign-in token. Reload the page.' : 'Your key\'s role is not allowed to do this.';
    case 404:
      return problem.detail ?? 'Not found.';
    case 400:
    case 422:
      // The API's own messages: this sentence is shown where no field can be marked (a search, an id
      // in the address); a form that marks its fields says so instead (CommandForm).
      return problem.errors && problem.errors.length > 0 ? [...new Set(problem.errors.map((error) => asSentence(error.message)))].join(' ') : (problem.detail ?? 'The request was refused as invalid.');
    case 409:
      return problem.detail ? `Refused: ${problem.detail}` : 'Refused: it conflicts with the current state.';
    case 413:
      return 'That is too much data for one request.';
    default:
      return problem.status >= 500 ? 'The server failed to answer. Try again in a moment.' : (problem.detail ?? `The request failed (${problem.status}).`);
  }
}
