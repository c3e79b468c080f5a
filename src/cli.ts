/**
 * `llmbatch` — runs batches of chat requests from the command line.
 * A thin adapter: the work happens in `src/core/`, shared with the editor.
 */
import { main } from './cli/main';
import { exitCodes } from './cli/io';
import { printableLines } from './core/printable';

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // First Ctrl+C: stop sending, keep and write what finished. Second: leave at once.
  if (interrupted) process.exit(130);
  interrupted = true;
  process.stderr.write('\nllmbatch: cancelling — finished answers are kept (Ctrl+C again to quit now)\n');
  controller.abort(new Error('cancelled by the user'));
});

// A reader that stops early (`llmbatch run … | head`) wants no more output; answers received so far stay cached.
// Other failures (a full disk under `> file`) are for whoever writes results there: they move the
// results elsewhere and say so; anything else written to stdout is reported at the end.
let stdoutFailure: NodeJS.ErrnoException | undefined;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  stdoutFailure ??= error;
});

main(process.argv.slice(2), { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
  (code) => {
    if (stdoutFailure && code !== exitCodes.outputFailed) {
      process.stderr.write(`llmbatch: cannot write stdout: ${stdoutFailure.message}\n`);
      code = exitCodes.outputFailed;
    }
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(printableLines(`llmbatch: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`));
    process.exitCode = exitCodes.internal;
  },
);
