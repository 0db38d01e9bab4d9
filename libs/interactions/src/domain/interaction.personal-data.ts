// Which values of interaction events are personal (encrypted with the customer's data key): free
// text and what may carry an address. Amounts, categories, channels, durations and ids stay in
// clear so counts and revenue still add up.
import type { PersonalDataDeclaration } from '@app/event-sourcing';

export const interactionPersonalData: readonly PersonalDataDeclaration[] = [
  { type: 'CallLogged', version: 1, paths: ['summary'] },
  { type: 'CallLogged', version: 2, paths: ['summary'] },
  { type: 'EmailSent', version: 1, paths: ['subject'] },
  { type: 'EmailReceived', version: 1, paths: ['subject'] },
  // Tracking links often carry the recipient's address or a token naming them.
  { type: 'EmailClicked', version: 1, paths: ['url'] },
  { type: 'ChatCompleted', version: 1, paths: ['summary'] },
  { type: 'PurchaseRefunded', version: 1, paths: ['reason'] },
  { type: 'SurveyAnswered', version: 1, paths: ['comment'] },
  { type: 'NoteAdded', version: 1, paths: ['text'] },
];
