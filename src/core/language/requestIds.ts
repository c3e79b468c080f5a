/**
 * Request ids: readable (`translate[model=gpt-4o-mini,lang=French]#row3~2`),
 * stable for an unchanged file, and unique within it.
 */

const maxValueLength = 40;

/** A swept value as it appears in an id: text as written, anything else as JSON, long values shortened. */
export function idValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      // Only absurdly deep values get here; the id stays unique through its suffix.
      text = Array.isArray(value) ? '[…]' : '{…}';
    }
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > maxValueLength ? `${text.slice(0, maxValueLength - 1)}…` : text;
}

/** `key=value` for one swept setting. */
export function sweepLabel(key: string, value: unknown): string {
  return `${key}=${idValue(value)}`;
}

/** The id of a request before it is made unique. */
export function requestIdBase(blockName: string, labels: readonly string[], row: number | undefined): string {
  let id = labels.length > 0 ? `${blockName}[${labels.join(',')}]` : blockName;
  if (row !== undefined) id += `#row${row}`;
  return id;
}

/** Hands out ids, adding `(2)`, `(3)` … to any that was already taken. */
export class UniqueNames {
  private readonly taken = new Set<string>();
  private readonly nextSuffix = new Map<string, number>();

  claim(base: string): string {
    if (!this.taken.has(base)) {
      this.taken.add(base);
      return base;
    }
    let n = this.nextSuffix.get(base) ?? 2;
    while (this.taken.has(`${base}(${n})`)) n++;
    const name = `${base}(${n})`;
    this.nextSuffix.set(base, n + 1);
    this.taken.add(name);
    return name;
  }

  has(name: string): boolean {
    return this.taken.has(name);
  }
}
