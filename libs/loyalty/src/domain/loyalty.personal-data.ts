// Which values of loyalty events are personal (encrypted with the customer's data key): the free
// text staff write with a redemption or an adjustment. Points, lots and tiers stay in clear.
import type { PersonalDataDeclaration } from '@app/event-sourcing';

export const loyaltyPersonalData: readonly PersonalDataDeclaration[] = [
  { type: 'PointsRedeemed', version: 1, paths: ['reason'] },
  { type: 'PointsAdjusted', version: 1, paths: ['reason'] },
];
