/**
 * Writes results in input order while they complete in any order: a result waits
 * in a small buffer until every earlier one has been written. When the place
 * the results go to fails (a full disk, a reader that went away), the lines
 * that did not make it go to the next fallback, so no answer that was paid for
 * is dropped; the report at the end says which lines are where.
 */
import type { Chunk, LineSink } from './outputSinks';

/** Somewhere to write when the sink in use fails; `open` may copy what the failed one holds (and throws when it cannot be used). */
export interface Fallback {
  /** Said when it cannot be opened, e.g. "a new file in /tmp". */
  readonly name: string;
  open(failed: LineSink): LineSink;
}

export interface WriterOptions {
  /** Tried in order, each at most once. */
  readonly fallbacks?: readonly Fallback[];
  /** Told when a sink fails and where the lines go from now on: `to` is undefined when nowhere is left. */
  readonly onFailover?: (from: LineSink, error: Error, to: LineSink | undefined) => void;
}

export interface WriteReport {
  /** What could not be written, in order: the target first. */
  readonly failures: readonly { readonly name: string; readonly error: Error }[];
  /** Where the lines are, in order; `first` and `last` count lines from 1. */
  readonly parts: readonly { readonly name: string; readonly first: number; readonly last: number }[];
  /** Lines that could be written nowhere. */
  readonly lost: number;
}

export class OrderedWriter {
  private readonly pending = new Map<number, string>();
  private next = 0;
  private chunk: string[] = [];
  private chunkSize = 0;
  private chunkLines = 0;
  #sink: LineSink | undefined;
  readonly #used: LineSink[] = [];
  readonly #failed = new Set<LineSink>();
  readonly #failures: { name: string; error: Error }[] = [];
  readonly #fallbacks: Fallback[];
  #lost = 0;

  constructor(
    sink: LineSink,
    private readonly options: WriterOptions = {},
  ) {
    this.#fallbacks = [...(options.fallbacks ?? [])];
    this.#use(sink);
  }

  /** Accepts the line of result number `index` (0-based, each index exactly once). */
  add(index: number, line: string): void {
    this.pending.set(index, line);
    for (let ready = this.pending.get(this.next); ready !== undefined; ready = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.next++;
      this.chunk.push(ready, '\n');
      this.chunkSize += ready.length;
      this.chunkLines++;
    }
    // Batching lines into ~64 KiB writes keeps 100 000 small writes off the event loop.
    if (this.chunkSize > 65_536) this.flush();
  }

  /** Flushes and ends every sink used; a complete file is moved into place. */
  async close(): Promise<WriteReport> {
    this.flush();
    for (const sink of this.#used) {
      const error = await sink.end();
      if (error && !this.#failed.has(sink)) this.#failures.push({ name: sink.name, error });
    }
    const parts: { name: string; first: number; last: number }[] = [];
    let first = 1;
    for (const sink of this.#used) {
      if (sink.lines === 0) continue;
      parts.push({ name: sink.keptAt, first, last: first + sink.lines - 1 });
      first += sink.lines;
    }
    return { failures: this.#failures, parts, lost: this.#lost };
  }

  private flush(): void {
    if (this.chunk.length === 0) return;
    const chunk: Chunk = { text: this.chunk.join(''), lines: this.chunkLines };
    this.chunk = [];
    this.chunkSize = 0;
    this.chunkLines = 0;
    this.#send(chunk);
  }

  #send(chunk: Chunk): void {
    if (this.#sink) this.#sink.write(chunk);
    else this.#lost += chunk.lines;
  }

  #use(sink: LineSink): void {
    sink.onFailure = (error, unwritten) => this.#sinkFailed(sink, error, unwritten);
    this.#sink = sink;
    this.#used.push(sink);
  }

  #sinkFailed(sink: LineSink, error: Error, unwritten: readonly Chunk[]): void {
    this.#failed.add(sink);
    this.#failures.push({ name: sink.name, error });
    this.#sink = undefined;
    while (!this.#sink && this.#fallbacks.length > 0) {
      const fallback = this.#fallbacks.shift()!;
      try {
        this.#use(fallback.open(sink));
      } catch (fallbackError) {
        this.#failures.push({ name: fallback.name, error: fallbackError instanceof Error ? fallbackError : new Error(String(fallbackError)) });
      }
    }
    this.options.onFailover?.(sink, error, this.#sink);
    // The next sink may fail in turn; whatever it does not take goes on down the line.
    for (const chunk of unwritten) this.#send(chunk);
  }
}
