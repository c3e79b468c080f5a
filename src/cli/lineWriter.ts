/**
 * Every line the CLI prints for people goes through here, made printable:
 * what a line quotes (a server's message, a job id, an id from a data file)
 * cannot move the cursor, retitle the window or start a line of its own.
 */
import { printable } from '../core/printable';

/** Writes each line given to `stream`, control characters made visible. */
export function lineWriter(stream: NodeJS.WritableStream): (line: string) => void {
  return (line) => stream.write(`${printable(line)}\n`);
}
