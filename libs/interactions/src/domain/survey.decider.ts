// One survey answer (`survey-<surveyId>`): NPS 0–10 or CSAT 1–5.
import { refuse, type Decider } from '@app/event-sourcing';
import { assertCustomerRegistered, type WithCustomerStatus } from '@app/customers/domain/customer-status';
import type { AnswerSurvey, SurveyCommand } from './interaction.commands';
import type { SurveyEvent, SurveyKind } from './interaction.events';
import { assertNotRecorded, evolveSingleShot, initialSingleShotState, type SingleShotState } from './single-shot-stream';

export type SurveyState = SingleShotState;

export const SURVEY_SCALES: Readonly<Record<SurveyKind, { readonly min: number; readonly max: number }>> = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
};

/**
 * A survey about a ticket: the handler says whose ticket it is (the decider cannot read the ticket
 * stream): its customer's id, or null when no such ticket was ever opened.
 */
export type SurveyDeciderCommand = WithCustomerStatus<SurveyCommand> & { readonly ticketOwner?: string | null };

export const surveyDecider: Decider<SurveyDeciderCommand, SurveyState, SurveyEvent> = {
  initialState: initialSingleShotState,
  evolve: evolveSingleShot,
  decide(command, state) {
    switch (command.type) {
      case 'AnswerSurvey':
        return answerSurvey(command, state);
      default: {
        const unhandled: never = command.type;
        throw new Error(`Unhandled survey command ${String(unhandled)}`);
      }
    }
  },
};

function answerSurvey(command: Extract<SurveyDeciderCommand, { type: 'AnswerSurvey' }>, state: SurveyState): SurveyEvent[] {
  assertCustomerRegistered(command);
  if (command.ticketId !== undefined) {
    // As a refund of another customer's order: the reference must exist and be this customer's.
    if (command.ticketOwner === undefined || command.ticketOwner === null) throw refuse.notFound(`Ticket ${command.ticketId} does not exist`, 'ticketId');
    if (command.ticketOwner !== command.customerId) throw refuse.rule(`Ticket ${command.ticketId} belongs to another customer`, 'customerId');
  }
  assertNotRecorded(state, `Survey ${command.surveyId}`, 'surveyId');
  const { min, max } = SURVEY_SCALES[command.kind];
  if (!Number.isInteger(command.score) || command.score < min || command.score > max) {
    throw refuse.rule(`A ${command.kind.toUpperCase()} score is a whole number from ${min} to ${max}`, 'score');
  }
  const { customerId, surveyId, kind, score, comment, ticketId } = command;
  return [{
    type: 'SurveyAnswered',
    data: {
      customerId, surveyId, kind, score,
      ...(comment !== undefined && { comment }),
      ...(ticketId !== undefined && { ticketId }),
    },
  }];
}
