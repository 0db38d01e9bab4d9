// Segment definition commands from the HTTP API, through the CommandBus into the segment's stream.
import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandOutcome } from '@app/platform';
import type { SegmentCommand } from '../domain/segment.commands';
import { SegmentCommands } from './segment-commands';

export class ExecuteSegmentCommand extends Command<CommandOutcome> {
  constructor(readonly command: SegmentCommand, readonly context: CommandContext) {
    super();
  }
}

@CommandHandler(ExecuteSegmentCommand)
export class ExecuteSegmentCommandHandler implements ICommandHandler<ExecuteSegmentCommand, CommandOutcome> {
  constructor(@Inject(SegmentCommands) private readonly commands: SegmentCommands) {}

  execute({ command, context }: ExecuteSegmentCommand): Promise<CommandOutcome> {
    return this.commands.execute(command, context);
  }
}
