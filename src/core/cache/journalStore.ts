/**
 * A keyv store that appends entries, one JSON line each, to journal files:
 * pure JavaScript, readable by a person, and cheap enough to sit on the
 * request path. A file per entry cost a create, a write and a rename per
 * answer — more CPU than the request itself at a few hundred answers a second.
 *
 * Every store instance appends to a journal file of its own
 * (`cache-<time>-<pid>-<random>.jsonl`, see `journalWriter.ts`), so writers never interleave and no
 * lock is needed. An entry is one `write` of a whole line; a process killed
 * mid-write leaves at most a last line without its newline, which readers skip.
 * Reading builds an index of where each key's newest line is and reads that
 * line on demand, so memory stays small however large the cache grows.
 * Journals written by other processes are picked up when a lookup misses.
 */
import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import type { KeyvStoreAdapter, StoredData } from 'keyv';
import { utf8Slice } from '../utf8Slice';
import { JournalWriter } from './journalWriter';
import type { JournalFileSystem } from './journalFileSystem';

export interface JournalStoreOptions {
  readonly directory: string;
  readonly fs?: JournalFileSystem;
  /** How often at most a miss looks for what other processes wrote since; default 1 s. */
  readonly rescanMs?: number;
  /** Milliseconds since some epoch; paces rescans and the pause of writes after failures. */
  readonly now?: () => number;
  /** How long writes pause after three failures in a row (a full disk); default 60 s. */
  readonly writePauseMs?: number;
}

/** Tells journal files apart from anything else and from future layouts. */
export const cacheFileFormat = 'llmbatch-cache';
export const cacheFileVersion = 2;

const header = `${JSON.stringify({ format: cacheFileFormat, version: cacheFileVersion })}\n`;
const headerBytes = Buffer.from(header);
const journalFile = /^cache-[0-9a-z]+-\d+-[0-9a-f]{8}\.jsonl$/;
// Folders of the earlier file-per-entry layout, removed by clear().
const oldFanOutFolder = /^[0-9a-f]{2}$/;
const oldEntryFile = /^[0-9a-f]{64}\.json(\.[0-9a-f]+\.tmp)?$/;
const hexKey = /^[0-9a-f]{64}$/;
// Every entry line starts `{"key":"<64 hex>"`, so the index is built without parsing JSON.
const keyPrefix = Buffer.from('{"key":"');
const keyEnd = keyPrefix.length + 64;
const tombstoneTail = '","deleted":true}';
const chunkBytes = 1 << 22;
const readAheadBytes = 1 << 18;
const maxWindows = 8;

interface Journal {
  readonly name: string;
  readonly path: string;
  /** Bytes read (or written) so far: always just after a newline. */
  consumed: number;
  valid?: boolean;
  readFd?: number;
  window?: { readonly offset: number; readonly filled: number; readonly bytes: Buffer };
}

interface Location {
  readonly journal: Journal;
  readonly offset: number;
  readonly length: number;
}

interface EntryLine {
  readonly key: string;
  readonly expires?: number;
  readonly value: unknown;
}

export class JournalStore implements KeyvStoreAdapter {
  readonly opts: { directory: string };
  namespace?: string | undefined;
  readonly #fs: JournalFileSystem;
  readonly #rescanMs: number;
  readonly #now: () => number;
  readonly #journals = new Map<string, Journal>();
  readonly #index = new Map<string, Location>();
  readonly #writer: JournalWriter<Journal>;
  #lastScan = Number.NEGATIVE_INFINITY;
  #operations = 0;
  // Journals holding a read-ahead window, least recently filled first.
  #windowed: Journal[] = [];

  constructor(options: JournalStoreOptions) {
    this.opts = { directory: options.directory };
    this.#fs = options.fs ?? nodeFs;
    this.#rescanMs = options.rescanMs ?? 1_000;
    this.#now = options.now ?? (() => performance.now());
    this.#writer = new JournalWriter<Journal>({
      directory: options.directory,
      fs: this.#fs,
      header: headerBytes,
      now: this.#now,
      ...(options.writePauseMs !== undefined && { pauseMs: options.writePauseMs }),
      created: (name, path) => {
        const journal: Journal = { name, path, consumed: 0, valid: true };
        this.#journals.set(name, journal);
        return journal;
      },
    });
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    await this.#yieldSometimes();
    const name = fileKey(key);
    if (this.#lastScan === Number.NEGATIVE_INFINITY) this.#scan();
    let at = this.#index.get(name);
    if (!at && this.#now() - this.#lastScan >= this.#rescanMs) {
      this.#scan();
      at = this.#index.get(name);
    }
    if (!at) return undefined;
    const entry = parseEntry(this.#readLine(at));
    if (entry === undefined || entry.key !== name) {
      this.#index.delete(name);
      return undefined;
    }
    return { value: entry.value as Value, expires: entry.expires };
  }

  async set(key: string, data: unknown): Promise<boolean> {
    // keyv hands over `{ value, expires }` because serialisation is turned off.
    await this.#yieldSometimes();
    const record = (data ?? {}) as { value?: unknown; expires?: number };
    const name = fileKey(key);
    const line: EntryLine = { key: name, ...(typeof record.expires === 'number' ? { expires: record.expires } : {}), value: record.value };
    this.#append(name, `${JSON.stringify(line)}\n`, true);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const name = fileKey(key);
    if (this.#lastScan === Number.NEGATIVE_INFINITY) this.#scan();
    const existed = this.#index.delete(name);
    try {
      this.#append(name, `${keyPrefix.toString()}${name}${tombstoneTail}\n`, false);
    } catch {
      // Forgotten here at least; another process may still serve it.
    }
    return existed;
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Removes the journal files (and files of the earlier per-entry layout); anything else in the directory is left alone. */
  async clear(): Promise<void> {
    this.#closeAll();
    const names = this.#list();
    for (const name of names) {
      if (journalFile.test(name)) this.#tryUnlink(join(this.opts.directory, name));
      else if (oldFanOutFolder.test(name)) this.#removeOldFolder(join(this.opts.directory, name));
    }
    this.#journals.clear();
    this.#index.clear();
    this.#lastScan = Number.NEGATIVE_INFINITY;
  }

  async disconnect(): Promise<void> {
    this.#closeAll();
  }

  on(): this {
    return this;
  }

  /**
   * The file work is synchronous (it is cheaper so); a run answered wholly
   * from the cache would otherwise never let timers, progress or Ctrl+C in.
   */
  async #yieldSometimes(): Promise<void> {
    if ((++this.#operations & 63) === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  #append(name: string, text: string, index: boolean): void {
    const bytes = Buffer.from(text);
    try {
      const { journal, offset } = this.#writer.append(bytes);
      if (index) this.#index.set(name, { journal, offset, length: bytes.length });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot write cache entry in ${this.opts.directory}: ${reason}`, { cause: error });
    }
  }

  /** Reads what other journals gained since the last scan, oldest journal first so newer lines win. */
  #scan(): void {
    this.#lastScan = this.#now();
    for (const name of this.#list().filter((candidate) => journalFile.test(candidate)).sort()) {
      let journal = this.#journals.get(name);
      if (journal && journal === this.#writer.journal) continue;
      if (!journal) {
        journal = { name, path: join(this.opts.directory, name), consumed: 0 };
        this.#journals.set(name, journal);
      }
      if (journal.valid !== false) this.#readNew(journal);
    }
  }

  #readNew(journal: Journal): void {
    try {
      const fd = this.#readFd(journal);
      const size = this.#fs.fstatSync(fd).size;
      let position = journal.consumed;
      let chunk = Buffer.allocUnsafe(Math.min(chunkBytes, Math.max(0, size - position)));
      // Bytes at the start of `chunk` that belong to a line not yet whole.
      let carry = 0;
      while (position < size) {
        if (carry === chunk.length) {
          // A line longer than the chunk (a very large answer): read on with room for it.
          const bigger = Buffer.allocUnsafe(Math.min(chunk.length * 2 || chunkBytes, carry + (size - position)));
          chunk.copy(bigger, 0, 0, carry);
          chunk = bigger;
        }
        const got = this.#fs.readSync(fd, chunk, carry, Math.min(chunk.length - carry, size - position), position);
        if (got <= 0) return;
        position += got;
        const filled = carry + got;
        const used = this.#indexLines(journal, chunk, filled);
        if (journal.valid === false) return;
        journal.consumed += used;
        carry = filled - used;
        chunk.copy(chunk, 0, used, filled);
      }
    } catch {
      // Unreadable now (removed, permissions): what is indexed stays, the rest is a miss.
    }
  }

  /** Indexes the whole lines in `chunk[0, filled)`; returns how many bytes they took. */
  #indexLines(journal: Journal, chunk: Buffer, filled: number): number {
    let start = 0;
    if (journal.consumed === 0) {
      const end = chunk.indexOf(10, 0);
      if (end < 0 || end >= filled) return 0;
      if (end + 1 !== headerBytes.length || chunk.compare(headerBytes, 0, headerBytes.length, 0, end + 1) !== 0) {
        // Another format or a future version: not ours to read.
        journal.valid = false;
        return 0;
      }
      journal.valid = true;
      start = end + 1;
    }
    for (;;) {
      const end = chunk.indexOf(10, start);
      if (end < 0 || end >= filled) return start;
      const length = end + 1 - start;
      if (length > keyEnd + 1 && chunk.compare(keyPrefix, 0, keyPrefix.length, start, start + keyPrefix.length) === 0 && chunk[start + keyEnd] === 0x22) {
        const name = chunk.toString('latin1', start + keyPrefix.length, start + keyEnd);
        if (chunk.toString('latin1', start + keyEnd, end) === tombstoneTail) this.#index.delete(name);
        else this.#index.set(name, { journal, offset: journal.consumed + start, length });
      }
      start = end + 1;
    }
  }

  /**
   * Reads ahead: a run that repeats a batch asks for entries in about the order
   * they were written, and one read per entry costs a system call each. A few
   * journals keep a window each, since a cache written by several runs
   * interleaves them.
   */
  #readLine(at: Location): string | undefined {
    const journal = at.journal;
    const window = journal.window;
    if (window && at.offset >= window.offset && at.offset + at.length <= window.offset + window.filled) {
      const start = at.offset - window.offset;
      return utf8Slice(window.bytes, start, start + at.length);
    }
    try {
      const fd = this.#readFd(journal);
      const bytes = at.length > readAheadBytes ? Buffer.allocUnsafe(at.length) : (window?.bytes ?? this.#windowBuffer(journal));
      journal.window = undefined;
      const filled = this.#fs.readSync(fd, bytes, 0, bytes.length, at.offset);
      if (filled < at.length) return undefined;
      if (bytes.length === readAheadBytes) journal.window = { offset: at.offset, filled, bytes };
      return utf8Slice(bytes, 0, at.length);
    } catch {
      return undefined;
    }
  }

  /** A window buffer for `journal`, taken from the journal that read least recently once several hold one. */
  #windowBuffer(journal: Journal): Buffer {
    this.#windowed = this.#windowed.filter((other) => other !== journal && other.window !== undefined);
    this.#windowed.push(journal);
    if (this.#windowed.length <= maxWindows) return Buffer.allocUnsafe(readAheadBytes);
    const oldest = this.#windowed.shift()!;
    const reused = oldest.window!.bytes;
    oldest.window = undefined;
    return reused;
  }

  #readFd(journal: Journal): number {
    journal.readFd ??= this.#fs.openSync(journal.path, 'r');
    return journal.readFd;
  }

  #list(): string[] {
    try {
      return this.#fs.readdirSync(this.opts.directory);
    } catch {
      return [];
    }
  }

  #closeAll(): void {
    this.#writer.close();
    for (const journal of this.#windowed) journal.window = undefined;
    this.#windowed = [];
    for (const journal of this.#journals.values()) {
      if (journal.readFd === undefined) continue;
      try {
        this.#fs.closeSync(journal.readFd);
      } catch {
        // Already closed.
      }
      journal.readFd = undefined;
    }
  }

  #tryUnlink(path: string): void {
    try {
      this.#fs.unlinkSync(path);
    } catch {
      // Gone already, or not ours to remove.
    }
  }

  #removeOldFolder(folder: string): void {
    let names: string[];
    try {
      names = this.#fs.readdirSync(folder);
    } catch {
      return;
    }
    for (const name of names) if (oldEntryFile.test(name)) this.#tryUnlink(join(folder, name));
    try {
      this.#fs.rmdirSync(folder);
    } catch {
      // Something else lives there too.
    }
  }
}

/** Cache keys are already sha256 hex; anything else is hashed into that shape. */
function fileKey(key: string): string {
  return hexKey.test(key) ? key : createHash('sha256').update(key).digest('hex');
}

function parseEntry(text: string | undefined): EntryLine | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const line = parsed as Partial<EntryLine>;
  if (typeof line.key !== 'string' || !('value' in line)) return undefined;
  if (line.expires !== undefined && typeof line.expires !== 'number') return undefined;
  return line as EntryLine;
}
