/**
 * How deep JSON in a request may nest. `JSON.parse` reads any depth, but the
 * walks that follow — the cache key's canonical form, `JSON.stringify` before
 * sending, error messages — recurse, and a schema nested 100 000 deep overflowed
 * the stack of each. Inputs are checked against this limit where they are read,
 * so no request that passes the checks can overflow anything later.
 */

/** Levels a request parameter's value may nest: `{"a": 1}` is one, `[[1]]` two. Real schemas use a few dozen at most. */
export const maxJsonDepth = 64;

/** True when `value` nests more than `limit` levels of arrays and objects. Iterative: any depth is safe. */
export function nestsDeeperThan(value: unknown, limit: number = maxJsonDepth): boolean {
  if (typeof value !== 'object' || value === null) return false;
  // Two stacks rather than one of pairs: batch input checks every line, so this walk allocates little.
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const next = values.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    for (const key in next) {
      const child = next[key];
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/**
 * The offset in JSON text `text` of the bracket that opens level `limit + 1`
 * (counting from `from`), or undefined when nothing nests that deep. Strings are
 * skipped, so brackets inside them do not count.
 */
export function deepNestingOffset(text: string, limit: number = maxJsonDepth, from = 0): number | undefined {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip the string, escapes included.
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 91 || c === 123) {
      if (++depth > limit) return i;
    } else if (c === 93 || c === 125) {
      depth--;
    }
  }
  return undefined;
}
