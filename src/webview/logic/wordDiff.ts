/**
 * A word-level diff of two answers: Myers' shortest edit script over word,
 * whitespace and punctuation tokens, after trimming the common head and tail.
 */

export interface DiffPart {
  readonly kind: 'same' | 'added' | 'removed';
  readonly text: string;
}

export interface WordDiffOptions {
  /** Past this many edited tokens the answers count as wholly different (bounds time and memory). */
  readonly maxEdits?: number;
}

/** Words (letters, digits, `_`, inner apostrophes), runs of whitespace, and single other characters. */
export function tokenize(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+(?:['’][\p{L}\p{N}_]+)*|\s+|[^\s\p{L}\p{N}_]/gu) ?? [];
}

/** The parts that turn `before` into `after`: `removed` only in `before`, `added` only in `after`. */
export function wordDiff(before: string, after: string, options: WordDiffOptions = {}): DiffPart[] {
  const a = tokenize(before);
  const b = tokenize(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const parts: DiffPart[] = [];
  const push = (kind: DiffPart['kind'], text: string) => {
    if (text === '') return;
    const last = parts[parts.length - 1];
    if (last?.kind === kind) parts[parts.length - 1] = { kind, text: last.text + text };
    else parts.push({ kind, text });
  };

  push('same', a.slice(0, head).join(''));
  const middleA = a.slice(head, a.length - tail);
  const middleB = b.slice(head, b.length - tail);
  const script = editScript(middleA, middleB, options.maxEdits ?? 2000);
  if (script) {
    for (const [kind, token] of script) push(kind, token);
  } else {
    push('removed', middleA.join(''));
    push('added', middleB.join(''));
  }
  push('same', a.slice(a.length - tail).join(''));
  return parts;
}

type Edit = [DiffPart['kind'], string];

/** Myers' O((n+m)·D) algorithm; undefined when more than `maxEdits` edits are needed. */
function editScript(a: readonly string[], b: readonly string[], maxEdits: number): Edit[] | undefined {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((token) => ['added', token]);
  if (m === 0) return a.map((token) => ['removed', token]);

  // Interned ids make the inner loop compare integers, not strings.
  const ids = new Map<string, number>();
  const intern = (token: string) => {
    let id = ids.get(token);
    if (id === undefined) ids.set(token, (id = ids.size));
    return id;
  };
  const ia = Int32Array.from(a, intern);
  const ib = Int32Array.from(b, intern);

  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v for diagonals -d-1..d+1 as it was when step d began.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && ia[x] === ib[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, n, m);
    }
  }
  return undefined;
}

function backtrack(a: readonly string[], b: readonly string[], trace: readonly Int32Array[], n: number, m: number): Edit[] {
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const saved = trace[d]!;
    const at = (k: number) => saved[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push(['same', a[x - 1]!]);
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) edits.push(['added', b[y - 1]!]);
      else edits.push(['removed', a[x - 1]!]);
    }
    x = prevX;
    y = prevY;
  }
  return edits.reverse();
}
