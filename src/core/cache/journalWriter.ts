/**
 * The writing side of the journal store: the journal this process appends to,
 * one whole line per write. A full disk used to leave one empty journal behind
 * per failed write (1 853 for 2 000 answers); now a failed write is cut back
 * so the journal can be used again, a journal that holds no entry is removed,
 * and after a few failures in a row writes pause instead of hammering the disk.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { JournalFileSystem } from './journalFileSystem';

/** What the writer needs of a journal; the store keeps more about each. */
export interface WrittenJournal {
  readonly name: string;
  readonly path: string;
  /** Bytes written so far: always just after a newline. */
  consumed: number;
}

export interface JournalWriterOptions<J extends WrittenJournal> {
  readonly directory: string;
  readonly fs: JournalFileSystem;
  /** The first line of every journal. */
  readonly header: Uint8Array;
  /** Makes the store's record of a journal just created. */
  readonly created: (name: string, path: string) => J;
  readonly now: () => number;
  /** How long writes pause after `maxFailures` failures in a row; default 60 s. */
  readonly pauseMs?: number;
}

const maxFailures = 3;

export class JournalWriter<J extends WrittenJournal> {
  readonly #options: JournalWriterOptions<J>;
  #own: { readonly journal: J; readonly fd: number } | undefined;
  #failures = 0;
  #pausedUntil = Number.NEGATIVE_INFINITY;
  #lastFailure = '';

  constructor(options: JournalWriterOptions<J>) {
    this.#options = options;
  }

  /** The journal being written to, if one is open. */
  get journal(): J | undefined {
    return this.#own?.journal;
  }

  /** Appends `line` (ending in a newline) in one write; returns where it landed. Throws when it could not be written. */
  append(line: Uint8Array): { journal: J; offset: number } {
    const { now, pauseMs = 60_000 } = this.#options;
    if (now() < this.#pausedUntil) {
      throw new Error(`writes are paused for ${Math.round(pauseMs / 1000)} s after ${maxFailures} failed writes in a row (the last: ${this.#lastFailure})`);
    }
    try {
      const own = this.#own ?? this.#open();
      const offset = own.journal.consumed;
      const written = this.#options.fs.writeSync(own.fd, line);
      if (written !== line.length) throw new Error(`only ${written} of ${line.length} bytes were written`);
      own.journal.consumed += line.length;
      this.#failures = 0;
      return { journal: own.journal, offset };
    } catch (error) {
      this.#cutBack();
      this.#lastFailure = error instanceof Error ? error.message : String(error);
      // Still counted after a pause, so one more failure pauses again at once.
      if (++this.#failures >= maxFailures) this.#pausedUntil = now() + pauseMs;
      throw error;
    }
  }

  /** Closes the journal; one that holds no entry is removed. */
  close(): void {
    if (!this.#own) return;
    const { journal, fd } = this.#own;
    this.#own = undefined;
    try {
      this.#options.fs.closeSync(fd);
    } catch {
      // Already gone.
    }
    if (journal.consumed <= this.#options.header.length) this.#remove(journal.path);
  }

  #open(): { journal: J; fd: number } {
    const { fs, directory, header } = this.#options;
    fs.mkdirSync(directory, { recursive: true });
    const name = `cache-${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}.jsonl`;
    const path = join(directory, name);
    const fd = fs.openSync(path, 'a');
    try {
      if (fs.writeSync(fd, header) !== header.length) throw new Error('the journal header was cut short');
    } catch (error) {
      fs.closeSync(fd);
      this.#remove(path);
      throw error;
    }
    const journal = this.#options.created(name, path);
    journal.consumed = header.length;
    this.#own = { journal, fd };
    return this.#own;
  }

  /** Removes the part of a line a failed write left, so the journal can take the next line. */
  #cutBack(): void {
    if (!this.#own) return;
    try {
      this.#options.fs.ftruncateSync(this.#own.fd, this.#own.journal.consumed);
    } catch {
      // A half-written line would swallow the next one: the next write starts a new journal.
      this.close();
    }
  }

  #remove(path: string): void {
    try {
      this.#options.fs.unlinkSync(path);
    } catch {
      // Gone already.
    }
  }
}
