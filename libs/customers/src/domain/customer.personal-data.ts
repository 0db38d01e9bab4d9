// Which values of the customer stream's events are personal (encrypted with the customer's data key).
// Consent purposes, channels, country, gender and language stay in clear: segments and aggregates use them.
import type { PersonalDataDeclaration } from '@app/event-sourcing';

const PROFILE = ['firstName', 'lastName', 'email', 'phone', 'birthDate', 'city'] as const;

export const customerPersonalData: readonly PersonalDataDeclaration[] = [
  { type: 'CustomerRegistered', version: 1, paths: PROFILE.map((field) => `profile.${field}`) },
  { type: 'CustomerProfileUpdated', version: 1, paths: PROFILE.map((field) => `changes.${field}`) },
  { type: 'ContactPointAdded', version: 1, paths: ['value', 'label'] },
];
