/**
 * Writes results in input order while they complete in any order: a result waits
 * in a small buffer until every earlier one has been written. Output goes to a
 * temporary file renamed into place at the end, so an interrupted run never
 * leaves a file that looks complete.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Where the lines go: a file written synchronously, or a stream such as stdout. */
interface LineSink {
  write(text: string): void;
  /** Rejects with the first write that failed (disk full): reported at the end rather than ending the process mid-run. */
  end(): Promise<void>;
}

export class OrderedWriter {
  private readonly pending = new Map<number, string>();
  private next = 0;
  private chunk: string[] = [];
  private chunkSize = 0;

  private constructor(
    private readonly sink: LineSink,
    private readonly finalPath?: string,
    private readonly tempPath?: string,
  ) {}

  /**
   * Opens `<path>.partial` at once, so a path that cannot be written throws before anything is sent.
   * Writes are synchronous: a write stream copies each chunk into a Buffer that lingers until the
   * next garbage collection, and a fast run (from the cache) produces tens of megabytes a second.
   */
  static toFile(path: string): OrderedWriter {
    const tempPath = `${path}.partial`;
    const fd = openSync(tempPath, 'w');
    let failure: Error | undefined;
    const sink: LineSink = {
      write: (text) => {
        if (failure) return;
        try {
          writeSync(fd, text);
        } catch (error) {
          failure = error instanceof Error ? error : new Error(String(error));
        }
      },
      end: async () => {
        closeSync(fd);
        if (failure) throw failure;
      },
    };
    return new OrderedWriter(sink, path, tempPath);
  }

  static toStream(stream: NodeJS.WritableStream): OrderedWriter {
    return new OrderedWriter({
      write: (text) => void stream.write(text),
      // stdout stays open for others; waiting for its buffer to drain is enough.
      end: () => new Promise<void>((resolve) => ((stream as { writableNeedDrain?: boolean }).writableNeedDrain === true ? stream.once('drain', resolve) : resolve())),
    });
  }

  /** Accepts the line of result number `index` (0-based, each index exactly once). */
  add(index: number, line: string): void {
    this.pending.set(index, line);
    for (let ready = this.pending.get(this.next); ready !== undefined; ready = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.next++;
      this.chunk.push(ready, '\n');
      this.chunkSize += ready.length;
    }
    // Batching lines into ~64 KiB writes keeps 100 000 small writes off the event loop.
    if (this.chunkSize > 65_536) this.flush();
  }

  get written(): number {
    return this.next;
  }

  private flush(): void {
    if (this.chunk.length === 0) return;
    this.sink.write(this.chunk.join(''));
    this.chunk = [];
    this.chunkSize = 0;
  }

  /** Flushes and, for a file, moves it into place — only when `complete`; otherwise the partial file is removed. */
  async close(complete: boolean): Promise<void> {
    this.flush();
    await this.sink.end();
    if (this.finalPath === undefined) return;
    if (complete) renameSync(this.tempPath!, this.finalPath);
    else rmSync(this.tempPath!, { force: true });
  }
}
