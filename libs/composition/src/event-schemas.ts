// Every capability's event schema declarations in one registry: the current version each event type
// is written with, and the upcasters that lift older stored versions on every read path.
import { EventSchemas } from '@app/event-sourcing';
import { interactionEventSchemas } from '@app/interactions/domain/interaction.schemas';

export const chronicleEventSchemas = new EventSchemas([interactionEventSchemas]);
