// An instant a store port refuses (InvalidInstantError) is the request's fault: a 400 naming the argument, never a 500.
import { InvalidInstantError } from '@app/event-sourcing';
import { toProblem } from './problem.filter';

describe('toProblem for a store port that refuses an instant', () => {
  it('answers 400 VALIDATION naming the argument and what it takes', () => {
    const problem = toProblem(new InvalidInstantError('recordedFrom'));
    expect(problem).toMatchObject({ status: 400, code: 'VALIDATION', errors: [{ field: 'recordedFrom', message: expect.stringMatching(/^recordedFrom must be an ISO-8601 date and time with its offset/) }] });
  });

  it('leaves a bare RangeError (a bug, not a refused input) a 500', () => {
    expect(toProblem(new RangeError('Invalid time value')).status).toBe(500);
  });
});
