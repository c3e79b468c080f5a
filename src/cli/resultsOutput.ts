/**
 * Where `run` and `status` write their results: the target is checked whole
 * before anything is sent; a write that fails sends the remaining lines to a
 * file of their own in the temporary folder (then to stdout), and the end of
 * the command says which lines are where and exits 4.
 */
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type { Fallback } from './orderedWriter';
import { OrderedWriter } from './orderedWriter';
import type { LineSink } from './outputSinks';
import { FdSink, openFallbackFile, openFileSink, openStream, StreamSink } from './outputSinks';
import type { OutputTarget } from './outputTarget';
import { checkOutputTarget, messageOf, nodeOutputFs } from './outputTarget';
import type { CliIo } from './io';

export interface ResultsOptions {
  readonly quiet?: boolean;
  /** Stops waiting for a FIFO's reader. */
  readonly signal?: AbortSignal;
  /** Told when results can be written nowhere any more: whatever comes next would be paid for and lost. */
  readonly onNowhere?: () => void;
}

/** Where `--out` (stdout without it) would take the results, or why it cannot. */
export function checkResults(out: string | undefined, io: CliIo): OutputTarget | { readonly refused: string } {
  return out === undefined ? { kind: 'stdout' } : checkOutputTarget(resolve(io.cwd, out), io.outputFs ?? nodeOutputFs);
}

/** Opens a checked target; `cancelled` when the signal stopped the wait for a FIFO's reader. */
export async function openResults(
  target: OutputTarget,
  out: string | undefined,
  io: CliIo,
  say: (line: string) => void,
  options: ResultsOptions,
): Promise<OrderedWriter | { readonly refused: string } | 'cancelled'> {
  const fs = io.outputFs ?? nodeOutputFs;
  const name = out ?? 'stdout';
  let sink: LineSink;
  try {
    if (target.kind === 'stdout') {
      sink = new StreamSink(io.stdout, name);
    } else if (target.kind === 'file') {
      // Through a symbolic link, the temporary file sits beside the link's target.
      const temp = resolve(io.cwd, name) === target.path ? `${name}.partial` : `${target.path}.partial`;
      sink = openFileSink(fs, target, { name, temp });
    } else {
      const onWait = () => void (options.quiet || say(`llmbatch: waiting for a reader of ${name} (Ctrl+C to stop)`));
      const fd = await openStream(fs, target, { ...(options.signal && { signal: options.signal }), onWait });
      if (fd === undefined) return 'cancelled';
      sink = new FdSink(fs, fd, name);
    }
  } catch (error) {
    return { refused: messageOf(error) };
  }
  const folder = temporaryFolder(io.env);
  const fallbacks: Fallback[] = [{ name: `a new file in ${folder}`, open: (failed) => openFallbackFile(fs, folder, failed) }];
  if (target.kind !== 'stdout') fallbacks.push({ name: 'stdout', open: () => new StreamSink(io.stdout, 'stdout') });
  return new OrderedWriter(sink, {
    fallbacks,
    onFailover: (from, error, to) => {
      if (!options.quiet) say(`llmbatch: warning: cannot write ${from.name} (${messageOf(error)}); ${to ? `the results go to ${to.name} instead` : 'nowhere is left to write results'}`);
      if (!to) options.onNowhere?.();
    },
  });
}

/**
 * Closes the writer. When a write failed, returns the lines that say what
 * failed and where every result is; none when all went well.
 */
export async function closeResults(writer: OrderedWriter, lostHint: string): Promise<string[]> {
  const report = await writer.close();
  if (report.failures.length === 0) return [];
  const lines = report.failures.map((failure) => `llmbatch: cannot write ${failure.name}: ${messageOf(failure.error)}`);
  const where = (name: string) => (name === 'stdout' ? 'were written to stdout' : `are in ${name}`);
  const [only] = report.parts;
  if (report.parts.length === 1 && report.lost === 0 && only) {
    lines.push(`llmbatch: all ${only.last} result${only.last === 1 ? '' : 's'} ${where(only.name)}`);
  } else {
    for (const part of report.parts) lines.push(`llmbatch: results ${part.first}–${part.last} ${where(part.name)}`);
  }
  if (report.lost > 0) lines.push(`llmbatch: ${report.lost} result${report.lost === 1 ? '' : 's'} could not be written anywhere; ${lostHint}`);
  return lines;
}

/** The temporary folder of the environment the command runs in. */
function temporaryFolder(env: CliIo['env']): string {
  return env.TMPDIR || env.TMP || env.TEMP || tmpdir();
}
