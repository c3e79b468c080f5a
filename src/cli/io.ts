/**
 * What every command of the CLI shares with the terminal: the streams and
 * environment it runs in, its exit codes, how a diagnostic is printed, and
 * where the project's cache lives.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Diagnostic } from '../core/diagnostics';
import type { JournalFileSystem } from '../core/cache/journalFileSystem';
import type { OutputFileSystem } from './outputTarget';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Aborts the run (Ctrl+C); finished answers are kept and written. */
  readonly signal?: AbortSignal;
  /** Where results are written; node's `fs` unless a test makes writes fail. */
  readonly outputFs?: OutputFileSystem;
  /** Where the disk cache is kept; node's `fs` unless a test makes writes fail. */
  readonly cacheFs?: JournalFileSystem;
}

/** Documented in the README and `--help`; `internal` (a bug) is set by the entry point. */
export const exitCodes = { ok: 0, someFailed: 1, usage: 2, internal: 3, outputFailed: 4 } as const;

/** `file:line:col: error: message`, 1-based, as compilers print them. */
export function formatDiagnostic(diagnostic: Diagnostic, fileName: string): string {
  const { startLine, startColumn } = diagnostic.range;
  return `${diagnostic.range.file ?? fileName}:${startLine + 1}:${startColumn + 1}: ${diagnostic.severity}: ${diagnostic.message}`;
}

/**
 * The default cache lives with the project: the nearest folder above the input
 * holding `.git` or `package.json`, else the input's own folder.
 */
export function defaultCacheDir(inputPath: string): string {
  const start = dirname(inputPath);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git')) || existsSync(join(dir, 'package.json'))) return join(dir, '.llmbatch-cache');
    if (dirname(dir) === dir) return join(start, '.llmbatch-cache');
  }
}
