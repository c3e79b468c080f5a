/**
 * A keyv store that keeps one JSON file per entry: pure JavaScript, readable by
 * a person, and safe with several writers. Files are fanned out into
 * subfolders named after the first two hex characters of the file name so no
 * directory grows huge.
 *
 * Every write goes to a temporary file in the entry's own folder and is then
 * renamed over the entry, so a reader (in this process or another) sees either
 * the previous whole entry or the new whole entry, never a half-written one.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

/** The file operations the store needs; node's `fs/promises` by default. */
export interface CacheFileSystem {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string, encoding: 'utf8'): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options: { recursive: true }): Promise<string | undefined>;
  readdir(path: string): Promise<string[]>;
  rmdir(path: string): Promise<void>;
}

export interface FileStoreOptions {
  readonly directory: string;
  readonly fs?: CacheFileSystem;
}

/** Tells entry files apart from anything else and from future layouts. */
export const cacheFileFormat = 'llmbatch-cache';
export const cacheFileVersion = 1;

interface EntryFile {
  readonly format: typeof cacheFileFormat;
  readonly version: typeof cacheFileVersion;
  readonly key: string;
  readonly expires?: number;
  readonly value: unknown;
}

const fanOutFolder = /^[0-9a-f]{2}$/;
const entryFile = /^[0-9a-f]{64}\.json(\.[0-9a-f]+\.tmp)?$/;
const hexKey = /^[0-9a-f]{64}$/;

export class FileStore implements KeyvStoreAdapter {
  readonly opts: { directory: string };
  namespace?: string | undefined;
  private readonly fs: CacheFileSystem;

  constructor(options: FileStoreOptions) {
    this.opts = { directory: options.directory };
    this.fs = options.fs ?? nodeFs;
  }

  /** The file holding `key`: `<directory>/<ab>/<ab…>.json`. */
  pathFor(key: string): string {
    // Cache keys are already sha256 hex; anything else is hashed into that shape.
    const name = hexKey.test(key) ? key : createHash('sha256').update(key).digest('hex');
    return join(this.opts.directory, name.slice(0, 2), `${name}.json`);
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    const path = this.pathFor(key);
    let text: string;
    try {
      text = await this.fs.readFile(path, 'utf8');
    } catch {
      return undefined;
    }
    const file = parseEntryFile(text);
    if (file === undefined || file.key !== key) {
      await this.fs.unlink(path).catch(() => undefined);
      return undefined;
    }
    return { value: file.value as Value, expires: file.expires };
  }

  async set(key: string, data: unknown): Promise<boolean> {
    const path = this.pathFor(key);
    // keyv hands over `{ value, expires }` because serialisation is turned off.
    const record = (data ?? {}) as { value?: unknown; expires?: number };
    const file: EntryFile = { format: cacheFileFormat, version: cacheFileVersion, key, ...(typeof record.expires === 'number' ? { expires: record.expires } : {}), value: record.value };
    const text = `${JSON.stringify(file, null, 2)}\n`;
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await this.writeThenRename(temporary, path, text);
    } catch (error) {
      await this.fs.unlink(temporary).catch(() => undefined);
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot write cache entry in ${this.opts.directory}: ${reason}`, { cause: error });
    }
    return true;
  }

  async delete(key: string): Promise<boolean> {
    try {
      await this.fs.unlink(this.pathFor(key));
      return true;
    } catch {
      return false;
    }
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Removes the entry files and fan-out folders this store made; anything else in the directory is left alone. */
  async clear(): Promise<void> {
    const folders = await this.fs.readdir(this.opts.directory).catch(() => [] as string[]);
    for (const folder of folders.filter((name) => fanOutFolder.test(name))) {
      const folderPath = join(this.opts.directory, folder);
      const names = await this.fs.readdir(folderPath).catch(() => [] as string[]);
      await Promise.all(names.filter((name) => entryFile.test(name)).map((name) => this.fs.unlink(join(folderPath, name)).catch(() => undefined)));
      await this.fs.rmdir(folderPath).catch(() => undefined);
    }
  }

  async disconnect(): Promise<void> {}

  /** Failures surface as rejected promises, so there are no events to listen to. */
  on(_event: string, _listener: (...args: unknown[]) => void): this {
    return this;
  }

  private async writeThenRename(temporary: string, path: string, text: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.fs.writeFile(temporary, text, 'utf8');
        await this.fs.rename(temporary, path);
        return;
      } catch (error) {
        // The fan-out folder may not exist yet, or another process's clear() just removed it.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
        await this.fs.mkdir(dirname(path), { recursive: true });
      }
    }
  }
}

function parseEntryFile(text: string): EntryFile | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const file = parsed as Partial<EntryFile>;
  if (file.format !== cacheFileFormat || file.version !== cacheFileVersion || typeof file.key !== 'string' || !('value' in file)) return undefined;
  if (file.expires !== undefined && typeof file.expires !== 'number') return undefined;
  return file as EntryFile;
}
