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
  if (labels.length === 0 && row === undefined) return blockName;
  // One join makes one flat string; adding pieces up would keep each of them per request.
  const pieces = labels.length > 0 ? [blockName, '[', labels.join(','), ']'] : [blockName];
  if (row !== undefined) pieces.push('#row', String(row));
  return pieces.join('');
}

/** Hands out ids, adding `(2)`, `(3)` … to any that was already taken. */
export class UniqueNames {
  private taken: Set<string> | undefined;
  /**
   * Names taken so far while each sorted after the one before, as generated
   * names (`q000001`, `q000002` …) do: those are distinct without a lookup.
   * The set is built from them on the first name out of order.
   */
  private readonly ascending: string[] = [];
  private readonly nextSuffix = new Map<string, number>();

  private takenSet(): Set<string> {
    if (!this.taken) {
      this.taken = new Set(this.ascending);
      this.ascending.length = 0;
    }
    return this.taken;
  }

  claim(base: string): string {
    if (this.addAscending(base)) return base;
    const taken = this.takenSet();
    if (!taken.has(base)) {
      taken.add(base);
      return base;
    }
    let n = this.nextSuffix.get(base) ?? 2;
    while (taken.has(`${base}(${n})`)) n++;
    const name = `${base}(${n})`;
    this.nextSuffix.set(base, n + 1);
    taken.add(name);
    return name;
  }

  has(name: string): boolean {
    return this.takenSet().has(name);
  }

  /** Marks a name as taken without looking it up, for one known to be free. */
  reserve(name: string): void {
    if (!this.addAscending(name)) this.takenSet().add(name);
  }

  private addAscending(name: string): boolean {
    if (this.taken) return false;
    const ascending = this.ascending;
    const last = ascending[ascending.length - 1];
    if (last !== undefined && !(name > last)) return false;
    ascending.push(name);
    return true;
  }
}

/** Characters that give an id its structure; a name or label holding one might make two ids alike. */
const idSyntax = /[[\]#~(),]/;

/**
 * Request ids for one file. Ids of a block are unique by construction when its
 * name and swept labels hold no id syntax, no sweep repeats a label and no
 * `@id` is written: those are handed out as they are, without a lookup. From
 * the first block where that does not hold, every id is checked against all
 * earlier ones, so clashes get `(2)`, `(3)` … exactly as if all had been.
 */
export class RequestIds {
  private names: UniqueNames | undefined;

  /** `issued` are the ids handed out so far, read when lookups begin. */
  constructor(private readonly issued: readonly { readonly id: string }[]) {}

  /**
   * How a block names its requests: `undefined` when its ids need no check,
   * else the function that makes each unique.
   */
  forBlock(blockName: string, labelledAxes: readonly { readonly elements: readonly { readonly label: string }[] }[], customIds: boolean): ((base: string) => string) | undefined {
    if (!this.names && !customIds && !idSyntax.test(blockName) && labelledAxes.every(distinctPlainLabels)) return undefined;
    if (!this.names) {
      this.names = new UniqueNames();
      for (const item of this.issued) this.names.reserve(item.id);
    }
    const names = this.names;
    return (base) => names.claim(base);
  }
}

function distinctPlainLabels(axis: { readonly elements: readonly { readonly label: string }[] }): boolean {
  const seen = new Set<string>();
  for (const element of axis.elements) {
    if (idSyntax.test(element.label) || seen.has(element.label)) return false;
    seen.add(element.label);
  }
  return true;
}
