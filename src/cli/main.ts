/** The command-line entry: parses arguments and dispatches; exit codes are documented in the README. */
import { parseCommandLine, usage, UsageError } from './args';
import type { CliIo } from './io';
import { exitCodes } from './io';
import { runCommand } from './runCommand';
import { cancelCommand, submitCommand } from './submitCommand';
import { statusCommand } from './statusCommand';

declare const LLMBATCH_VERSION: string | undefined;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`llmbatch: ${error.message}\n\n${usage}\n`);
    return exitCodes.usage;
  }
  switch (command.kind) {
    case 'help':
      io.stdout.write(`${usage}\n`);
      return exitCodes.ok;
    case 'version':
      io.stdout.write(`${typeof LLMBATCH_VERSION === 'string' ? LLMBATCH_VERSION : 'dev'}\n`);
      return exitCodes.ok;
    case 'run':
      return runCommand(command.options, io);
    case 'submit':
      return submitCommand(command.options, io);
    case 'status':
      return statusCommand(command.options, io);
    case 'cancel':
      return cancelCommand(command.options, io);
  }
}
