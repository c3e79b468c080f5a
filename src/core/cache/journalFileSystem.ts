/**
 * The synchronous file operations the disk cache's journals need — node's `fs`
 * by default, a failing one in tests (a full disk). A file of its own so the
 * journal store and the journal writer share it without importing each other.
 */
export interface JournalFileSystem {
  readdirSync(path: string): string[];
  mkdirSync(path: string, options: { recursive: true }): unknown;
  openSync(path: string, flags: 'a' | 'r'): number;
  writeSync(fd: number, data: Uint8Array): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  fstatSync(fd: number): { size: number };
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  unlinkSync(path: string): void;
  rmdirSync(path: string): void;
}
