/**
 * The lines of a UTF-8 file read a chunk at a time, so a Batch input file of
 * any size is read in bounded memory: about a megabyte is decoded at once, and
 * a line too long to be a request is counted, never held or decoded.
 */
import { isUtf8 } from 'node:buffer';
import type { ByteSource } from '../inputFiles';
import { utf8Slice } from '../utf8Slice';

/** What a line reads as: its text, or only its size when it is too long to hold. */
export type ByteLine = string | { readonly tooLong: number };

/** The first bytes that are not UTF-8: `line` lines after the first line of this piece, at `column`. */
export interface NotUtf8 {
  readonly line: number;
  readonly column: number;
}

const chunkBytes = 1 << 20;

/**
 * The lines of `text` from `start`, without their `\r`. What follows the last
 * newline is a line too when `last` (empty when the text ends with one), so a
 * whole file gives its lines as `split('\n')` would.
 */
export function* linesOf(text: string, start: number, last: boolean): Generator<string, void, undefined> {
  for (;;) {
    const newline = text.indexOf('\n', start);
    if (newline < 0) break;
    yield withoutCarriageReturn(text.slice(start, newline));
    start = newline + 1;
  }
  if (last) yield withoutCarriageReturn(text.slice(start));
}

function withoutCarriageReturn(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

function notUtf8At(bytes: Buffer): NotUtf8 {
  const lossy = new TextDecoder('utf-8').decode(bytes);
  const before = lossy.slice(0, Math.max(0, lossy.indexOf('\ufffd')));
  const line = before.split('\n').length - 1;
  return { line, column: before.length - (before.lastIndexOf('\n') + 1) };
}

/**
 * The lines of the UTF-8 bytes of `source` (a leading BOM skipped), as
 * {@link linesOf} gives them for the whole text. A line of more than
 * `maxLineBytes` bytes is given as its size. With `onNotUtf8`, bytes that are
 * not UTF-8 end the lines and are reported (counting lines from the next line
 * to be given); without it they read as U+FFFD.
 */
export function* byteLines(source: ByteSource, maxLineBytes: number, onNotUtf8?: (where: NotUtf8) => void): Generator<ByteLine, void, undefined> {
  let buffer = Buffer.allocUnsafe(Math.min(chunkBytes, maxLineBytes + 1));
  // Bytes [0, end) of the buffer are read and not yet given as lines.
  let end = 0;
  let position = 0;
  let ended = false;
  // Gives the whole lines read so far (every line at the end); false once bytes that are not UTF-8 stop the reading.
  function* give(): Generator<ByteLine, boolean, undefined> {
    // A newline byte never occurs inside a multi-byte character, so the text up to one decodes alone.
    const cut = ended ? end : end === 0 ? 0 : buffer.lastIndexOf(10, end - 1) + 1;
    if (cut === 0 && !ended) return true;
    const piece = buffer.subarray(0, cut);
    if (onNotUtf8 && !isUtf8(piece)) {
      onNotUtf8(notUtf8At(piece));
      return false;
    }
    yield* linesOf(utf8Slice(buffer, 0, cut), 0, ended);
    buffer.copy(buffer, 0, cut, end);
    end -= cut;
    return true;
  }
  while (!ended) {
    if (end === buffer.length && buffer.length <= maxLineBytes) {
      const grown = Buffer.allocUnsafe(Math.min(2 * buffer.length, maxLineBytes + 1));
      buffer.copy(grown, 0, 0, end);
      buffer = grown;
    } else if (end === buffer.length) {
      // Too long to be a request: only counted, up to its newline.
      let size = end;
      end = 0;
      for (;;) {
        const count = source.read(buffer, 0, position);
        position += count;
        const newline = buffer.subarray(0, count).indexOf(10);
        if (count === 0 || newline >= 0) {
          size += count === 0 ? 0 : newline;
          if (count === 0) ended = true;
          else {
            buffer.copy(buffer, 0, newline + 1, count);
            end = count - newline - 1;
          }
          break;
        }
        size += count;
      }
      yield { tooLong: size };
      // After the last line nothing follows, not even an empty line.
      if (ended) return;
      if (!(yield* give())) return;
      continue;
    }
    const count = source.read(buffer, end, position);
    if (position === 0 && count >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) {
      buffer.copy(buffer, 0, 3, count);
      end -= 3;
    }
    position += count;
    end += count;
    ended = count === 0;
    if (!(yield* give())) return;
  }
}
