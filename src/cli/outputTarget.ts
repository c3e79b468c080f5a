/**
 * Where results may be written, decided before anything is sent: a regular
 * file (created, or replaced whole when the run ends), or a FIFO or character
 * device written into as a stream, as a shell's `>` would. Anything else is
 * refused, and nothing but a regular file is ever replaced — running as root,
 * `--out /dev/full` once turned the device into a file.
 */
import * as nodeFs from 'node:fs';
import { dirname } from 'node:path';

/** What an existing path is; node's `Stats` is one. */
export interface FileKind {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  readonly mode: number;
}

/** The synchronous file operations output needs; node's `fs` by default, one that fails on cue in tests. */
export interface OutputFileSystem {
  lstatSync(path: string): FileKind;
  statSync(path: string): FileKind;
  realpathSync(path: string): string;
  readlinkSync(path: string): string;
  accessSync(path: string, mode: number): void;
  openSync(path: string, flags: string | number, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  ftruncateSync(fd: number, length: number): void;
  fchmodSync(fd: number, mode: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

export const nodeOutputFs: OutputFileSystem = nodeFs;

export type OutputTarget =
  /** Written to `<path>.partial` beside it and renamed over `path` at the end; `mode` keeps a replaced file's permissions. */
  | { readonly kind: 'file'; readonly path: string; readonly mode?: number }
  /** Opened for appending and written in order, never renamed; a FIFO is opened only once someone reads it. */
  | { readonly kind: 'stream'; readonly path: string; readonly fifo: boolean }
  /** This process's own standard output. */
  | { readonly kind: 'stdout' };

// The shell's names for descriptors it already opened; opening one again appends to whatever it is.
const ownStdout = /^\/(dev\/stdout|dev\/fd\/1|proc\/self\/fd\/1)$/;
const ownDescriptor = /^\/(dev\/(stderr|fd\/\d+)|proc\/self\/fd\/\d+)$/;

/** Where results for the absolute `path` would go, or why they cannot go there (with the error code where there is one, for scripts). */
export function checkOutputTarget(path: string, fs: OutputFileSystem = nodeOutputFs): OutputTarget | { readonly refused: string } {
  if (process.platform !== 'win32') {
    if (ownStdout.test(path)) return { kind: 'stdout' };
    if (ownDescriptor.test(path)) return existing(path, () => ({ kind: 'stream', path, fifo: false }), fs);
  }
  let entry: FileKind;
  try {
    entry = fs.lstatSync(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return newFile(path, fs);
    return { refused: codeOf(error) === 'ENOTDIR' ? notFolder(path, fs) : messageOf(error) };
  }
  if (!entry.isSymbolicLink()) return classify(path, entry, fs);
  let real: string;
  try {
    real = fs.realpathSync(path);
  } catch (error) {
    if (codeOf(error) !== 'ENOENT') return { refused: `it is a symbolic link that cannot be followed (${messageOf(error)})` };
    return { refused: `ENOENT: it is a symbolic link to ${linkTarget(path, fs)}, which does not exist` };
  }
  return existing(real, (target) => classify(real, target, fs), fs);
}

function existing(path: string, then: (entry: FileKind) => OutputTarget | { refused: string }, fs: OutputFileSystem): OutputTarget | { refused: string } {
  try {
    return then(fs.statSync(path));
  } catch (error) {
    return { refused: messageOf(error) };
  }
}

function classify(path: string, entry: FileKind, fs: OutputFileSystem): OutputTarget | { refused: string } {
  if (entry.isDirectory()) return { refused: 'EISDIR: it is a directory' };
  if (entry.isFIFO()) return { kind: 'stream', path, fifo: true };
  if (entry.isCharacterDevice()) return { kind: 'stream', path, fifo: false };
  if (!entry.isFile()) return { refused: 'it is neither a regular file, a FIFO nor a character device' };
  const folder = checkFolder(dirname(path), fs);
  if (folder) return { refused: folder };
  try {
    fs.accessSync(path, nodeFs.constants.W_OK);
  } catch (error) {
    return { refused: `it cannot be written (${messageOf(error)})` };
  }
  return { kind: 'file', path, mode: entry.mode & 0o777 };
}

function newFile(path: string, fs: OutputFileSystem): OutputTarget | { refused: string } {
  const folder = checkFolder(dirname(path), fs);
  return folder ? { refused: folder } : { kind: 'file', path };
}

/** Why files cannot be made in `folder`, if they cannot. */
function checkFolder(folder: string, fs: OutputFileSystem): string | undefined {
  let entry: FileKind;
  try {
    entry = fs.statSync(folder);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return `ENOENT: the folder ${folder} does not exist`;
    if (codeOf(error) === 'ENOTDIR') return notFolder(folder, fs);
    return messageOf(error);
  }
  if (!entry.isDirectory()) return `ENOTDIR: ${folder} is not a folder`;
  try {
    fs.accessSync(folder, nodeFs.constants.W_OK | nodeFs.constants.X_OK);
  } catch (error) {
    return `files cannot be created in ${folder} (${messageOf(error)})`;
  }
  return undefined;
}

/** Names the first part of `path` that exists but is not a folder. */
function notFolder(path: string, fs: OutputFileSystem): string {
  for (let folder = dirname(path); dirname(folder) !== folder; folder = dirname(folder)) {
    try {
      if (!fs.statSync(folder).isDirectory()) return `ENOTDIR: ${folder} is not a folder`;
    } catch {
      // Not there either: look further up.
    }
  }
  return `ENOTDIR: a part of ${path} is not a folder`;
}

function linkTarget(path: string, fs: OutputFileSystem): string {
  try {
    return fs.readlinkSync(path);
  } catch {
    return 'a file';
  }
}

export function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
