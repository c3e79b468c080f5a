/**
 * An output file system that fails on cue: a full disk or a broken one, without
 * root or a real full disk. Writes to files whose path matches `where` fail from
 * the `fromWrite`-th such write on (1-based), optionally after writing part of
 * the data, as a disk filling up does.
 */
import * as nodeFs from 'node:fs';
import { Writable } from 'node:stream';
import type { OutputFileSystem } from '../../../src/cli/outputTarget';

export interface FailingFsOptions {
  readonly where: (path: string) => boolean;
  readonly fromWrite: number;
  readonly code?: 'ENOSPC' | 'EIO';
  /** Bytes of the failing write that still reach the file before the error. */
  readonly partialBytes?: number;
  /** Opening a matching file for writing fails too (a disk with no room for a new file). */
  readonly failOpen?: boolean;
}

export function failingOutputFs(options: FailingFsOptions): OutputFileSystem & { readonly failedWrites: number } {
  const paths = new Map<number, string>();
  let matchingWrites = 0;
  let failedWrites = 0;
  const failure = () => {
    failedWrites++;
    const code = options.code ?? 'ENOSPC';
    return Object.assign(new Error(code === 'ENOSPC' ? 'ENOSPC: no space left on device, write' : 'EIO: i/o error, write'), { code });
  };
  return {
    ...nodeFs,
    get failedWrites() {
      return failedWrites;
    },
    openSync: (path, flags, mode) => {
      if (options.failOpen && flags !== 'r' && options.where(path)) throw failure();
      const fd = nodeFs.openSync(path, flags, mode);
      paths.set(fd, path);
      return fd;
    },
    writeSync: (fd, buffer, offset, length) => {
      const path = paths.get(fd);
      if (path === undefined || !options.where(path) || ++matchingWrites < options.fromWrite) return nodeFs.writeSync(fd, buffer, offset, length);
      if (options.partialBytes) nodeFs.writeSync(fd, buffer, offset, Math.min(length, options.partialBytes));
      throw failure();
    },
  };
}

/** A stdout whose every write fails. */
export function brokenStream(): Writable {
  return collectingStream({ failFromWrite: 1 });
}

/** A stdout that keeps what it is given; with `failFromWrite`, writes fail from that one on (1-based). */
export function collectingStream(options: { failFromWrite?: number } = {}): Writable & { readonly text: string } {
  let text = '';
  let writes = 0;
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      if (options.failFromWrite !== undefined && ++writes >= options.failFromWrite) return done(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
      text += chunk.toString();
      done();
    },
  });
  return Object.defineProperty(stream, 'text', { get: () => text }) as Writable & { readonly text: string };
}
