import { Command, CommanderError } from 'commander';
import { reportError } from './cli-error.js';
import { registerDataCommands } from './commands/data.command.js';
import { registerDemoCommand } from './commands/demo.command.js';
import { registerMetricsCommands } from './commands/metrics.command.js';
import { registerScheduleCommands } from './commands/schedule.command.js';
import { registerStackCommands } from './commands/stack.command.js';
import { registerSweepCommands } from './commands/sweep.command.js';
import { registerTableCommands } from './commands/table.command.js';
import { registerWorkersCommand } from './commands/workers.command.js';

export function buildProgram(): Command {
  const program = new Command('agiqa')
    .description('Run, track and reproduce AGI quality-assessment experiment grids (CLIP-BERT fusion).')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerDemoCommand(program);
  registerStackCommands(program);
  registerSweepCommands(program);
  registerTableCommands(program);
  registerScheduleCommands(program);
  registerDataCommands(program);
  registerMetricsCommands(program);
  registerWorkersCommand(program);
  return program;
}

/** Runs the CLI and returns the exit status (see EXIT_CODES); never throws. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message (and help after usage errors).
      return error.exitCode === 0 ? 0 : 2;
    }
    return reportError(error);
  }
}
