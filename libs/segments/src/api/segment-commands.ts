// The one way into a segment definition: load → decide → append through the CommandExecutor.
// Defining and archiving carry natural keys, so a retried request is answered with the first result.
import type { Decider, DomainEvent } from '@app/event-sourcing';
import type { CommandContext, CommandExecutor, CommandOutcome } from '@app/platform';
import type { SegmentCommand } from '../domain/segment.commands';
import { segmentDecider } from '../domain/segment.decider';
import { segmentStreamId } from '../domain/segment.streams';

function naturalKeyOf(command: SegmentCommand): string | undefined {
  switch (command.type) {
    case 'DefineSegment':
      return `define:${command.segmentId}`;
    case 'ArchiveSegment':
      return 'archive';
    case 'ChangeSegmentRule':
      // Changing to the same rule again is already a no-op in the decider; no key needed.
      return undefined;
    default: {
      const unhandled: never = command;
      throw new Error(`Unhandled segment command ${JSON.stringify(unhandled)}`);
    }
  }
}

export class SegmentCommands {
  private readonly decider = segmentDecider as unknown as Decider<SegmentCommand, unknown, DomainEvent>;

  constructor(private readonly executor: CommandExecutor) {}

  execute(command: SegmentCommand, context: CommandContext): Promise<CommandOutcome> {
    const naturalKey = naturalKeyOf(command);
    return this.executor.execute({ streamId: segmentStreamId(command.segmentId), decider: this.decider, command, streamIdField: 'segmentId', ...(naturalKey ? { naturalKey } : {}) }, context);
  }
}
