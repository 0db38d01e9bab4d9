// Domain refusals carry a code; one HTTP filter maps codes to statuses.

export enum DomainErrorCode {
  /** The command or query names something that does not exist (unknown customer, ticket, order, segment). */
  NotFound = 'NOT_FOUND',
  /** The thing already exists (customer registered twice). */
  AlreadyExists = 'ALREADY_EXISTS',
  /** The command is not allowed in the current state (reply on a closed ticket). */
  InvalidState = 'INVALID_STATE',
  /** A value breaks a business rule (NPS outside 0–10, refund above the purchase). */
  RuleViolated = 'RULE_VIOLATED',
  /** The stream moved on since it was read (expected revision did not match). */
  Conflict = 'CONFLICT',
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The field the refusal is about (a command field, a path parameter), when there is one: the problem's errors[] names it. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const refuse = {
  notFound: (message: string, field?: string) => new DomainError(DomainErrorCode.NotFound, message, field),
  alreadyExists: (message: string, field?: string) => new DomainError(DomainErrorCode.AlreadyExists, message, field),
  invalidState: (message: string, field?: string) => new DomainError(DomainErrorCode.InvalidState, message, field),
  rule: (message: string, field?: string) => new DomainError(DomainErrorCode.RuleViolated, message, field),
};
