/**
 * Finds where and why a JSON text is invalid, for pointing at the exact character;
 * `JSON.parse` messages often lack a position and quote the whole input. Only run
 * once parsing has already failed. One locator serves `.llmbatch` values, data
 * files and Batch input lines, so the same mistake reads the same everywhere. It
 * scans with an explicit stack rather than recursion: hostile nesting costs memory
 * in proportion to the text, never the call stack.
 */

export interface JsonSyntaxError {
  /** Offset of the offending character (the text length when input ended too soon). */
  readonly offset: number;
  readonly message: string;
}

const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const escapePattern = /["\\/bfnrt]|u[0-9a-fA-F]{4}/y;

function describe(text: string, offset: number): string {
  if (offset >= text.length) return 'the value ends too soon';
  const code = text.codePointAt(offset) ?? 0;
  return `unexpected ${JSON.stringify(String.fromCodePoint(code))}`;
}

function skipSpace(text: string, offset: number): number {
  let i = offset;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else return i;
  }
}

/** Returns the end of the string starting at `offset` (a `"`), or an error. */
function scanString(text: string, offset: number): number | JsonSyntaxError {
  let i = offset + 1;
  for (;;) {
    if (i >= text.length) return { offset: offset, message: 'this string is never closed' };
    const c = text.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c < 32) return { offset: offset, message: 'this string is never closed on its line' };
    if (c === 92) {
      escapePattern.lastIndex = i + 1;
      if (!escapePattern.test(text)) return { offset: i, message: 'invalid escape in a string' };
      i = escapePattern.lastIndex;
    } else i++;
  }
}

type Frame = 'array' | 'object';

export interface JsonSyntaxOptions {
  /** Lists and objects nested deeper than this are an error at the bracket that goes too deep. */
  readonly maxDepth?: number;
  /** How the error names that limit, e.g. `nested more than 64 levels deep inside a request`. */
  readonly depthProblem?: string;
}

/** Undefined when `text` is valid JSON (and, with `maxDepth`, nested no deeper than that). */
export function findJsonSyntaxError(text: string, options: JsonSyntaxOptions = {}): JsonSyntaxError | undefined {
  const maxDepth = options.maxDepth ?? Infinity;
  const stack: { frame: Frame; start: number }[] = [];
  let i = skipSpace(text, 0);
  // `value`: a value is expected; `after`: a value just ended.
  let state: 'value' | 'after' = 'value';
  let keyExpected = false;
  for (;;) {
    i = skipSpace(text, i);
    const top = stack[stack.length - 1];
    if (state === 'value') {
      if (i >= text.length) {
        const open = stack[stack.length - 1];
        return open
          ? { offset: open.start, message: `this ${open.frame === 'array' ? '[' : '{'} is never closed` }
          : { offset: i, message: 'the value is empty' };
      }
      const c = text.charCodeAt(i);
      if (keyExpected) {
        keyExpected = false;
        if (c === 125 && top && text.charCodeAt(skipBack(text, i)) === 123) {
          stack.pop();
          i++;
          state = 'after';
          continue;
        }
        if (c !== 34) return { offset: i, message: `${describe(text, i)}: expected a "quoted" property name` };
        const end = scanString(text, i);
        if (typeof end !== 'number') return end;
        i = skipSpace(text, end);
        if (text.charCodeAt(i) !== 58) return { offset: i, message: `${describe(text, i)}: expected ":" after the property name` };
        i++;
        continue;
      }
      if (c === 91 || c === 123) {
        if (stack.length >= maxDepth) return { offset: i, message: options.depthProblem ?? `lists and objects nested more than ${maxDepth} levels deep` };
        stack.push({ frame: c === 91 ? 'array' : 'object', start: i });
        i++;
        if (c === 123) keyExpected = true;
        else if (text.charCodeAt(skipSpace(text, i)) === 93) {
          i = skipSpace(text, i) + 1;
          stack.pop();
          state = 'after';
        }
        continue;
      }
      if (c === 34) {
        const end = scanString(text, i);
        if (typeof end !== 'number') return end;
        i = end;
      } else if (text.startsWith('true', i)) i += 4;
      else if (text.startsWith('false', i)) i += 5;
      else if (text.startsWith('null', i)) i += 4;
      else {
        numberPattern.lastIndex = i;
        if (!numberPattern.test(text)) {
          const message = c === 93 || c === 125 ? `${describe(text, i)}: a value is missing before it` : `${describe(text, i)}: expected a value (text must be "quoted")`;
          return { offset: i, message };
        }
        i = numberPattern.lastIndex;
      }
      state = 'after';
      continue;
    }
    if (!top) {
      return i >= text.length ? undefined : { offset: i, message: `${describe(text, i)}: extra text after the value` };
    }
    if (i >= text.length) return { offset: top.start, message: `this ${top.frame === 'array' ? '[' : '{'} is never closed` };
    const c = text.charCodeAt(i);
    const close = top.frame === 'array' ? 93 : 125;
    if (c === close) {
      stack.pop();
      i++;
    } else if (c === 44) {
      i++;
      state = 'value';
      keyExpected = top.frame === 'object';
    } else {
      return { offset: i, message: `${describe(text, i)}: expected "," or "${top.frame === 'array' ? ']' : '}'}"` };
    }
  }
}

/** Index of the last non-space character before `offset`. */
function skipBack(text: string, offset: number): number {
  let i = offset - 1;
  while (i > 0) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i--;
    else break;
  }
  return i;
}
