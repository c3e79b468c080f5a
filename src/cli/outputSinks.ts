/**
 * The places result lines are written to. Each knows which lines it holds and,
 * when a write fails, hands back the lines that did not make it, so that
 * answers already paid for go to a fallback instead of being lost.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { join } from 'node:path';
import type { OutputFileSystem } from './outputTarget';
import { codeOf, messageOf } from './outputTarget';

/** Whole result lines, written together. */
export interface Chunk {
  readonly text: string;
  readonly lines: number;
}

export interface LineSink {
  /** What was asked to be written to, as shown to the user. */
  readonly name: string;
  /** Where the lines it holds are once it has ended (a file that could not be renamed stays `.partial`). */
  readonly keptAt: string;
  /** Lines known to have been written. */
  readonly lines: number;
  /** The whole lines of a file, which a fallback may copy so that every result ends up in one file. */
  readonly copyable?: { readonly path: string; readonly bytes: number; readonly lines: number };
  /** Hears of the first failed write, with every chunk that did not make it; the sink takes no more. */
  onFailure?: (error: Error, unwritten: Chunk[]) => void;
  write(chunk: Chunk): void;
  /** Flushes and closes; a complete file is moved into place. Resolves with what went wrong, if anything. */
  end(): Promise<Error | undefined>;
  /** Forgets the lines it holds after a fallback copied them. */
  discard?(): void;
}

/**
 * Lines written synchronously to a descriptor: a file (written to a temporary
 * name, renamed at the end), a FIFO or a device. Synchronous because a write
 * stream copies each chunk into a Buffer that lingers until the next garbage
 * collection, and a run answered from the cache produces tens of megabytes a second.
 */
export class FdSink implements LineSink {
  lines = 0;
  keptAt: string;
  onFailure?: (error: Error, unwritten: Chunk[]) => void;
  #bytes = 0;
  #failed = false;
  #discarded = false;

  constructor(
    private readonly fs: OutputFileSystem,
    private readonly fd: number,
    readonly name: string,
    /** For a file: where it is written (`temp`, shown as `shownTemp`), and where it goes when complete. */
    private readonly file?: { readonly temp: string; readonly shownTemp: string; readonly final?: string },
  ) {
    this.keptAt = name;
  }

  get copyable(): { path: string; bytes: number; lines: number } | undefined {
    return this.file && !this.#discarded ? { path: this.file.temp, bytes: this.#bytes, lines: this.lines } : undefined;
  }

  write(chunk: Chunk): void {
    if (this.#failed) return;
    const data = Buffer.from(chunk.text);
    try {
      this.#writeAll(data);
    } catch (error) {
      this.#failed = true;
      // A cut-off last line would be read as an answer that never was.
      if (this.file) ignoreErrors(() => this.fs.ftruncateSync(this.fd, this.#bytes));
      this.onFailure?.(asError(error), [chunk]);
      return;
    }
    this.#bytes += data.length;
    this.lines += chunk.lines;
  }

  /** Starts the file with the whole lines of another (a target that failed). */
  copyFrom(source: { path: string; bytes: number; lines: number }): void {
    const input = this.fs.openSync(source.path, 'r');
    try {
      const buffer = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, source.bytes)));
      for (let position = 0; position < source.bytes; ) {
        const got = this.fs.readSync(input, buffer, 0, Math.min(buffer.length, source.bytes - position), position);
        if (got <= 0) throw new Error(`${source.path} ended early`);
        this.#writeAll(buffer.subarray(0, got));
        position += got;
      }
    } finally {
      ignoreErrors(() => this.fs.closeSync(input));
    }
    this.#bytes += source.bytes;
    this.lines += source.lines;
  }

  discard(): void {
    if (!this.file) return;
    this.#discarded = true;
    this.lines = 0;
    ignoreErrors(() => this.fs.unlinkSync(this.file!.temp));
  }

  async end(): Promise<Error | undefined> {
    let problem: Error | undefined;
    try {
      this.fs.closeSync(this.fd);
    } catch (error) {
      problem = asError(error);
    }
    if (!this.file || this.#discarded) return problem;
    // A file that failed before holding a single line is of no use to anyone.
    if (this.#failed && this.lines === 0) this.discard();
    this.keptAt = this.file.shownTemp;
    if (this.file.final === undefined || this.#failed || problem) return problem;
    try {
      this.fs.renameSync(this.file.temp, this.file.final);
    } catch (error) {
      return asError(error);
    }
    this.keptAt = this.name;
    return undefined;
  }

  #writeAll(data: Uint8Array): void {
    // A disk filling up writes part of a chunk first; the rest must follow or fail.
    for (let done = 0; done < data.length; ) {
      const wrote = this.fs.writeSync(this.fd, data, done, data.length - done);
      if (wrote <= 0) throw new Error('nothing could be written');
      done += wrote;
    }
  }
}

/** Opens `<path>.partial`, replacing only a stale regular file or link of that name, and never following one. */
export function openFileSink(fs: OutputFileSystem, target: { path: string; mode?: number }, shown: { name: string; temp: string }): FdSink {
  const temp = `${target.path}.partial`;
  let stale;
  try {
    stale = fs.lstatSync(temp);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') throw error;
  }
  if (stale && !stale.isFile() && !stale.isSymbolicLink()) throw new Error(`${temp} is in the way and is not a regular file`);
  if (stale) fs.unlinkSync(temp);
  const fd = fs.openSync(temp, 'wx');
  // The file it replaces keeps its permissions, as a shell's `>` would keep them.
  if (target.mode !== undefined) ignoreErrors(() => fs.fchmodSync(fd, target.mode!));
  return new FdSink(fs, fd, shown.name, { temp, shownTemp: shown.temp, final: target.path });
}

/**
 * A new file of the owner's only, in `directory`, for results whose target
 * failed; it starts with what the failed target holds when that is a file.
 */
export function openFallbackFile(fs: OutputFileSystem, directory: string, failed: LineSink): FdSink {
  const path = join(directory, `llmbatch-results-${randomBytes(6).toString('hex')}.jsonl`);
  const fd = fs.openSync(path, 'wx', 0o600);
  const sink = new FdSink(fs, fd, path, { temp: path, shownTemp: path });
  try {
    if (failed.copyable && failed.copyable.bytes > 0) sink.copyFrom(failed.copyable);
  } catch (error) {
    ignoreErrors(() => fs.closeSync(fd));
    ignoreErrors(() => fs.unlinkSync(path));
    throw error;
  }
  failed.discard?.();
  return sink;
}

/**
 * Opens a FIFO or device for writing. A FIFO is opened only once it has a
 * reader, polled without blocking, so Ctrl+C still works while it waits;
 * resolves undefined when `signal` aborts first.
 */
export async function openStream(fs: OutputFileSystem, target: { path: string; fifo: boolean }, wait: { signal?: AbortSignal; onWait(): void; pollMs?: number }): Promise<number | undefined> {
  if (!target.fifo) return fs.openSync(target.path, constants.O_WRONLY | constants.O_APPEND);
  for (let waited = false; ; waited = true) {
    if (wait.signal?.aborted) return undefined;
    let probe: number;
    try {
      probe = fs.openSync(target.path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if (codeOf(error) !== 'ENXIO') throw error;
      if (!waited) wait.onWait();
      await pause(wait.pollMs ?? 100, wait.signal);
      continue;
    }
    // Writes block once it has a reader, like a shell's `>`; the probe was only for waiting.
    try {
      return fs.openSync(target.path, constants.O_WRONLY);
    } finally {
      ignoreErrors(() => fs.closeSync(probe));
    }
  }
}

/** Lines written to a Node stream (stdout); a write is known to be done when its callback says so. */
export class StreamSink implements LineSink {
  lines = 0;
  onFailure?: (error: Error, unwritten: Chunk[]) => void;
  readonly #queue: Chunk[] = [];
  #failed = false;
  #settled: (() => void) | undefined;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    readonly name: string,
  ) {
    // The error also arrives as an event, maybe after the end: the write callbacks report it.
    stream.on('error', () => undefined);
  }

  get keptAt(): string {
    return this.name;
  }

  write(chunk: Chunk): void {
    if (this.#failed) return;
    this.#queue.push(chunk);
    this.stream.write(chunk.text, (error) => this.#written(error ?? undefined));
  }

  end(): Promise<Error | undefined> {
    return new Promise((resolve) => {
      const finish = () => resolve(undefined);
      if (this.#queue.length === 0) finish();
      else this.#settled = finish;
    });
  }

  #written(error: Error | undefined): void {
    if (this.#failed) return;
    if (error) {
      this.#failed = true;
      this.onFailure?.(error, this.#queue.splice(0));
    } else {
      this.lines += this.#queue.shift()?.lines ?? 0;
    }
    if (this.#queue.length === 0) this.#settled?.();
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(messageOf(error));
}

function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // Best effort: the failure that matters has been reported already.
  }
}
