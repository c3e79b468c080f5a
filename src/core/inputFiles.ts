/**
 * Reading the files a batch names — its input and its `@data` files — when the
 * name may come from someone else's file: only regular files are read, never
 * more than a cap, and opening never waits (a FIFO would block until a writer
 * came; /dev/zero never ends). Each file is checked through its open
 * descriptor, so it cannot be swapped for a pipe between the check and the read.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';

const mebibyte = 1024 * 1024;

/** The caps, in bytes; docs/reliability.md explains each. */
export const inputFileLimits = {
  /** A `.llmbatch` file; Batch input that the editor runs from disk, which it reads whole. */
  wholeFileBytes: 64 * mebibyte,
  /** A data file named by `@data`. */
  dataFileBytes: 64 * mebibyte,
  /**
   * Batch input `.jsonl` for `llmbatch run` and `submit`, read a megabyte at a time: a million
   * requests take about 300 MB, and checking a file this size keeps under 350 MB of memory.
   */
  streamedInputBytes: 384 * mebibyte,
} as const;

/** Why a file was not read; the message reads well after "<file>: ". */
export class InputFileError extends Error {
  constructor(
    message: string,
    readonly code: 'not-regular' | 'too-large' | 'would-block' | 'changed',
  ) {
    super(message);
    this.name = 'InputFileError';
  }
}

/** `12 MB`, `10.5 MB`, `900 bytes` (binary megabytes, as the limits are set); text may be counted in characters. */
export function describeSize(amount: number, unit: 'bytes' | 'characters' = 'bytes'): string {
  const megabytes = amount / mebibyte;
  if (megabytes >= 1) return `${Number.isInteger(megabytes) ? megabytes : megabytes.toFixed(1)} MB`;
  return `${amount} ${unit}`;
}

function kindOf(stats: BigIntStats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

function tooLarge(size: number, maxBytes: number, what: string): InputFileError {
  return new InputFileError(`it is ${describeSize(size)}, over the ${describeSize(maxBytes)} limit for ${what}`, 'too-large');
}

// O_NONBLOCK makes opening a FIFO return at once; it does not exist on Windows, where FIFOs do not either.
const openFlags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Where bytes are read from, at any position; each pass over a file reads it again. */
export interface ByteSource {
  /** Reads up to `buffer.length - offset` bytes at `position` into `buffer`; returns how many (0 at the end). */
  read(buffer: Buffer, offset: number, position: number): number;
}

/** Bytes already in memory, as a {@link ByteSource}. */
export function bufferSource(bytes: Buffer): ByteSource {
  return { read: (buffer, offset, position) => (position >= bytes.length ? 0 : bytes.copy(buffer, offset, position)) };
}

/**
 * An open regular file of at most `maxBytes`; throws {@link InputFileError} (or
 * fs errors such as ENOENT). Every read checks that the file is still as it was
 * opened, so bytes read in two passes are the same bytes.
 */
export class RegularFile implements ByteSource {
  private constructor(
    readonly fd: number,
    readonly size: number,
    private readonly opened: BigIntStats,
  ) {}

  static open(path: string, maxBytes: number, what: string): RegularFile {
    const fd = openSync(path, openFlags);
    try {
      const stats = fstatSync(fd, { bigint: true });
      if (!stats.isFile()) throw new InputFileError(`this is ${kindOf(stats)}, not a regular file; llmbatch reads only regular files`, 'not-regular');
      const size = Number(stats.size);
      if (size > maxBytes) throw tooLarge(size, maxBytes, what);
      return new RegularFile(fd, size, stats);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  read(buffer: Buffer, offset: number, position: number): number {
    let count: number;
    try {
      count = readSync(this.fd, buffer, offset, buffer.length - offset, position);
    } catch (error) {
      // A regular file on a special file system (/proc/kmsg) can still say "try again later".
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') throw new InputFileError('it cannot be read without waiting', 'would-block');
      throw error;
    }
    const now = fstatSync(this.fd, { bigint: true });
    if (now.size !== this.opened.size || now.mtimeNs !== this.opened.mtimeNs || now.ctimeNs !== this.opened.ctimeNs) {
      throw new InputFileError('it changed on disk while it was being read; run it again once it is saved', 'changed');
    }
    return count;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * The bytes of the regular file at `path`, refused when it is larger than
 * `maxBytes` (`what` names the kind of file in that message). A file that grows
 * while it is read is refused the same way.
 */
export function readRegularFile(path: string, maxBytes: number, what: string): Buffer {
  const file = RegularFile.open(path, maxBytes, what);
  try {
    // One byte more than the size announced, to notice a file that grew (or a /proc file that announces 0).
    let buffer = Buffer.allocUnsafe(Math.min(maxBytes, file.size) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooLarge(length, maxBytes, what);
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(2 * buffer.length, 65_536)));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const count = file.read(buffer, length, length);
      if (count === 0) break;
      length += count;
    }
    if (length > maxBytes) throw tooLarge(length, maxBytes, what);
    return buffer.subarray(0, length);
  } finally {
    file.close();
  }
}

/** A data file's text, as `fs.readFileSync(path, 'utf8')` gives it, within the data file limit. */
export function readDataFile(path: string): string {
  return readRegularFile(path, inputFileLimits.dataFileBytes, 'a data file').toString('utf8');
}
