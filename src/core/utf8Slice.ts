/**
 * `bytes[start, end)` as text. Node 20's UTF-8 decoder manages a few hundred
 * MB/s; ASCII — most batch files and answers — reads the same as Latin-1,
 * which is a plain copy.
 */
import { isAscii } from 'node:buffer';

export function utf8Slice(bytes: Buffer, start: number, end: number): string {
  return bytes.toString(isAscii(bytes.subarray(start, end)) ? 'latin1' : 'utf8', start, end);
}
