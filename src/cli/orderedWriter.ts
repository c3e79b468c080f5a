/**
 * Writes results in input order while they complete in any order: a result waits
 * in a small buffer until every earlier one has been written. Output goes to a
 * temporary file renamed into place at the end, so an interrupted run never
 * leaves a file that looks complete.
 */
import { createWriteStream, openSync, renameSync, rmSync } from 'node:fs';

export class OrderedWriter {
  private readonly pending = new Map<number, string>();
  private next = 0;
  private chunk: string[] = [];
  private chunkSize = 0;
  private failure: Error | undefined;

  private constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly finalPath?: string,
    private readonly tempPath?: string,
  ) {}

  /** Opens `<path>.partial` at once, so a path that cannot be written throws before anything is sent. */
  static toFile(path: string): OrderedWriter {
    const tempPath = `${path}.partial`;
    const stream = createWriteStream(tempPath, { fd: openSync(tempPath, 'w') });
    const writer = new OrderedWriter(stream, path, tempPath);
    // A write that fails later (disk full) is reported by close() instead of ending the process.
    stream.on('error', (error) => (writer.failure ??= error));
    return writer;
  }

  static toStream(stream: NodeJS.WritableStream): OrderedWriter {
    return new OrderedWriter(stream);
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
    this.stream.write(this.chunk.join(''));
    this.chunk = [];
    this.chunkSize = 0;
  }

  /** Flushes and, for a file, moves it into place — only when `complete`; otherwise the partial file is removed. */
  async close(complete: boolean): Promise<void> {
    this.flush();
    if (this.finalPath === undefined) {
      // stdout stays open for others; waiting for its buffer to drain is enough.
      const needDrain = (this.stream as { writableNeedDrain?: boolean }).writableNeedDrain === true;
      await new Promise<void>((resolve) => (needDrain ? this.stream.once('drain', resolve) : resolve()));
      return;
    }
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
    if (this.failure) throw this.failure;
    if (complete) renameSync(this.tempPath!, this.finalPath);
    else rmSync(this.tempPath!, { force: true });
  }
}
