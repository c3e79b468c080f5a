/**
 * Finds where a property sits in the text of valid JSON, so diagnostics can
 * point at the offending value instead of the whole line.
 */

/** Offsets of one property: where its name starts, and where its value starts and ends (exclusive). */
export interface PropertySpan {
  readonly keyStart: number;
  readonly start: number;
  readonly end: number;
}

/**
 * The span of property `key` directly inside the object starting at
 * `objectStart` (default: the first object in `text`). `text` must be valid JSON.
 */
export function locateTopLevelValue(text: string, key: string, objectStart?: number): PropertySpan | undefined {
  let at = objectStart ?? text.indexOf('{');
  if (at < 0 || text[at] !== '{') return undefined;
  at++;
  for (;;) {
    at = skipSpace(text, at);
    if (text[at] !== '"') return undefined;
    const keyStart = at;
    at = skipString(text, at);
    const name = JSON.parse(text.slice(keyStart, at)) as string;
    at = skipSpace(text, at);
    at = skipSpace(text, at + 1);
    const start = at;
    at = skipValue(text, at);
    if (name === key) return { keyStart, start, end: at };
    at = skipSpace(text, at);
    if (text[at] !== ',') return undefined;
    at++;
  }
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && /\s/.test(text[at]!)) at++;
  return at;
}

function skipString(text: string, at: number): number {
  at++;
  while (at < text.length && text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
  return at + 1;
}

function skipValue(text: string, at: number): number {
  const open = text[at];
  if (open === '"') return skipString(text, at);
  if (open !== '{' && open !== '[') {
    while (at < text.length && !/[\s,}\]]/.test(text[at]!)) at++;
    return at;
  }
  let depth = 0;
  while (at < text.length) {
    const char = text[at];
    if (char === '"') {
      at = skipString(text, at);
      continue;
    }
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    at++;
    if (depth === 0) return at;
  }
  return at;
}
