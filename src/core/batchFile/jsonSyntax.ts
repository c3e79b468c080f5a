/**
 * Locates the first syntax error in JSON text. `JSON.parse` only sometimes
 * reports a position, and its messages quote the whole input, which is no use
 * in an editor diagnostic for a long line.
 */
import { maxJsonDepth } from '../jsonDepth';

export interface JsonSyntaxError {
  /** 0-based offset into the text where parsing could not continue. */
  readonly offset: number;
  /** What was wrong there, e.g. `expected ',' or '}' after a property value`. */
  readonly problem: string;
}

class SyntaxAt extends Error {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {
    super(problem);
  }
}

// A line wraps the request, which wraps its parameters.
const maxLineDepth = maxJsonDepth + 2;
const escapes = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * The first syntax error in `text`, or undefined when it is valid JSON. Nesting
 * past what a Batch input line may hold is reported where it starts, so the
 * scan never recurses deeper than that.
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  let depth = 0;
  const enter = (): void => {
    if (++depth > maxLineDepth) fail(`lists and objects nested more than ${maxJsonDepth} levels deep inside a request`);
    at++;
  };
  const fail = (problem: string, offset = at): never => {
    throw new SyntaxAt(offset, at >= text.length ? `${problem}, but the line ends` : problem);
  };
  const skipSpace = (): void => {
    while (at < text.length && (text[at] === ' ' || text[at] === '\t' || text[at] === '\n' || text[at] === '\r')) at++;
  };
  const string = (): void => {
    at++;
    for (;;) {
      if (at >= text.length) fail('unterminated string');
      const char = text.charCodeAt(at);
      if (char === 0x22) {
        at++;
        return;
      }
      if (char < 0x20) fail('control character inside a string (write it as an escape such as \\n)');
      if (char === 0x5c) {
        const next = text[at + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) fail('invalid \\u escape in a string');
          at += 6;
        } else if (next !== undefined && escapes.has(next)) {
          at += 2;
        } else {
          fail('invalid escape in a string');
        }
      } else {
        at++;
      }
    }
  };
  const value = (): void => {
    skipSpace();
    const char = text[at];
    if (char === '{') return object();
    if (char === '[') return array();
    if (char === '"') return string();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, at)) {
        at += literal.length;
        return;
      }
    }
    numberPattern.lastIndex = at;
    if (numberPattern.test(text)) {
      at = numberPattern.lastIndex;
      return;
    }
    fail('expected a value');
  };
  const object = (): void => {
    enter();
    skipSpace();
    if (text[at] === '}') {
      at++;
      depth--;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[at] !== '"') fail('expected a property name in double quotes');
      string();
      skipSpace();
      if (text[at] !== ':') fail("expected ':' after a property name");
      at++;
      value();
      skipSpace();
      if (text[at] === '}') {
        at++;
        depth--;
        return;
      }
      if (text[at] !== ',') fail("expected ',' or '}' after a property value");
      at++;
    }
  };
  const array = (): void => {
    enter();
    skipSpace();
    if (text[at] === ']') {
      at++;
      depth--;
      return;
    }
    for (;;) {
      value();
      skipSpace();
      if (text[at] === ']') {
        at++;
        depth--;
        return;
      }
      if (text[at] !== ',') fail("expected ',' or ']' after an array element");
      at++;
    }
  };
  try {
    value();
    skipSpace();
    if (at < text.length) fail('unexpected text after the JSON value');
    return undefined;
  } catch (error) {
    if (error instanceof SyntaxAt) return { offset: error.offset, problem: error.problem };
    throw error;
  }
}
