import { ApiError, explainProblem, toProblemDocument } from './api-problem';

describe('API problems in plain words', () => {
  it('keeps the named fields of a validation problem and asks to correct them', () => {
    const error = new ApiError(
      toProblemDocument(400, {
        type: 'about:blank', title: 'Bad Request', status: 400, detail: 'The request has invalid fields',
        errors: [{ field: 'durationSeconds', message: 'durationSeconds must not be less than 0' }, { field: 'durationSeconds', message: 'second' }, { nonsense: true }],
      }),
    );
    expect([...error.fieldMessages()]).toEqual([['durationSeconds', 'durationSeconds must not be less than 0']]);
  });

  it('says the API\'s own messages where no field can be marked (defect: "Please correct the marked fields." with nothing marked)', () => {
    const error = new ApiError(toProblemDocument(400, {
      status: 400, detail: 'The request has invalid fields',
      errors: [{ field: 'q', message: 'q must be shorter than or equal to 254 characters' }, { field: 'limit', message: 'limit must be a whole number.' }],
    }));
    expect(error.message).toBe('q must be shorter than or equal to 254 characters. limit must be a whole number.');
    expect(error.message).not.toMatch(/marked/);
  });

  it('tells an agent whose session ended to sign in again and one with the wrong role that it is not allowed', () => {
    expect(explainProblem({ status: 401 })).toMatch(/sign in again/i);
    expect(explainProblem({ status: 401, code: 'SESSION_ENDED', detail: 'The session ended after a time without activity: sign in again' }))
      .toBe('The session ended after a time without activity: sign in again.');
    expect(explainProblem({ status: 403 })).toMatch(/not allowed/);
  });

  it('shows the business reason of a refused rule or conflict', () => {
    expect(explainProblem(toProblemDocument(422, { detail: 'Refund above what is left' }))).toBe('Refund above what is left');
    expect(explainProblem(toProblemDocument(409, { detail: 'Ticket is closed' }))).toBe('Refused: Ticket is closed');
  });

  it('copes with bodies that are not problem documents', () => {
    expect(toProblemDocument(502, 'Bad gateway')).toEqual({ status: 502 });
    expect(explainProblem({ status: 502 })).toMatch(/server failed/);
    expect(explainProblem({ status: 0 })).toMatch(/cannot be reached/);
  });
});
