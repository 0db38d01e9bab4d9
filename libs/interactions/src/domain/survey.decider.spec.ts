import { DeciderSpecification, DomainError, DomainErrorCode, fold } from '@app/event-sourcing';
import type { WithCustomerStatus } from '@app/customers/domain/customer-status';
import type { AnswerSurvey } from './interaction.commands';
import type { SurveyEvent } from './interaction.events';
import { surveyDecider } from './survey.decider';

const spec = DeciderSpecification.for(surveyDecider);

const answerNps: WithCustomerStatus<AnswerSurvey> = {
  type: 'AnswerSurvey', customerStatus: 'active', customerId: 'c1', surveyId: 's1', kind: 'nps', score: 9, comment: 'Fast delivery',
};
const answered: SurveyEvent = { type: 'SurveyAnswered', data: { customerId: 'c1', surveyId: 's1', kind: 'nps', score: 9, comment: 'Fast delivery' } };

function refusalOf(given: readonly SurveyEvent[], command: WithCustomerStatus<AnswerSurvey>): DomainError {
  try {
    surveyDecider.decide(command, fold(surveyDecider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('Expected a refusal');
}

describe('survey decider', () => {
  it('records an NPS answer', () => {
    spec.given([]).when(answerNps).then([answered]);
  });

  it('records a CSAT answer about a ticket', () => {
    spec.given([]).when({ type: 'AnswerSurvey', customerStatus: 'active', customerId: 'c1', surveyId: 's2', kind: 'csat', score: 4, ticketId: 'T-9', ticketOwner: 'c1' })
      .then([{ type: 'SurveyAnswered', data: { customerId: 'c1', surveyId: 's2', kind: 'csat', score: 4, ticketId: 'T-9' } }]);
  });

  it('refuses a survey about a ticket that was never opened (404 naming ticketId) or another customer\'s ticket (422)', () => {
    const about = { type: 'AnswerSurvey', customerStatus: 'active', customerId: 'c1', surveyId: 's2', kind: 'csat', score: 4, ticketId: 'T-9' } as const;
    spec.given([]).when({ ...about, ticketOwner: null }).thenThrows(DomainErrorCode.NotFound, 'Ticket T-9 does not exist');
    spec.given([]).when({ ...about, ticketOwner: 'c2' }).thenThrows(DomainErrorCode.RuleViolated, 'belongs to another customer');
  });

  it.each([
    ['nps', 0], ['nps', 10], ['csat', 1], ['csat', 5],
  ] as const)('accepts the %s boundary score %p', (kind, score) => {
    spec.given([]).when({ type: 'AnswerSurvey', customerStatus: 'active', customerId: 'c1', surveyId: 's3', kind, score })
      .then([{ type: 'SurveyAnswered', data: { customerId: 'c1', surveyId: 's3', kind, score } }]);
  });

  it.each([
    ['nps', -1, 'from 0 to 10'], ['nps', 11, 'from 0 to 10'], ['nps', 7.5, 'from 0 to 10'],
    ['csat', 0, 'from 1 to 5'], ['csat', 6, 'from 1 to 5'], ['csat', 2.5, 'from 1 to 5'],
  ] as const)('refuses the %s score %p', (kind, score, range) => {
    const command: WithCustomerStatus<AnswerSurvey> = { type: 'AnswerSurvey', customerStatus: 'active', customerId: 'c1', surveyId: 's4', kind, score };
    spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, range);
    expect(refusalOf([], command).field).toBe('score');
  });

  it('refuses an answer from an unknown customer', () => {
    const command = { ...answerNps, customerStatus: 'unknown' as const };
    spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
    expect(refusalOf([], command).field).toBe('customerId');
  });

  it('refuses recording the same survey answer twice', () => {
    spec.given([answered]).when(answerNps).thenThrows(DomainErrorCode.AlreadyExists, 'Survey s1 is already recorded');
    expect(refusalOf([answered], answerNps).field).toBe('surveyId');
  });
});
