/**
 * How much text filling in placeholders may make. Forty lines of
 * `@vN = {{vN-1}}{{vN-1}}` describe a terabyte; a sweep of 100 000 values
 * copies a long template 100 000 times. Both are stopped with a located error
 * before the text is built, rather than by running out of memory.
 */
import type { SourceRange } from '../../models';
import { describeSize } from '../../inputFiles';

export const textLimits = {
  /** Filled-in text of one request: the 10 MB a Batch input line may hold. */
  perRequest: 10 * 1024 * 1024,
  /** Filled-in text of a whole file's requests. */
  perFile: 256 * 1024 * 1024,
} as const;

/** Thrown when filling in would pass a limit; `place` is the setting or message being filled in. */
export class TextLimitExceeded extends Error {
  place: { readonly what: string; readonly range: SourceRange } | undefined;

  constructor(
    readonly scope: 'request' | 'file',
    readonly limit: number,
  ) {
    super(`filled-in text over the ${describeSize(limit, 'characters')} limit per ${scope}`);
  }

  /** Names the innermost place being filled in; outer ones leave it. */
  locate(what: string, range: SourceRange): void {
    this.place ??= { what, range };
  }

  describe(): string {
    const what = this.place?.what ?? 'this block';
    const size = describeSize(this.limit, 'characters');
    if (this.scope === 'file') return `${what}: filling in placeholders makes more than ${size} of text for this file's requests, the most one file may make; this block and the ones after it are not expanded`;
    // A few lines of variables that each repeat the one before grow past any limit: say why.
    const why = what.startsWith('@') ? ' (each variable that repeats another multiplies its size)' : '';
    return `${what}: filling in placeholders makes more than ${size} of text for one request, the most a request may hold${why}; this block's requests from here on are left out`;
  }
}

/** Counts filled-in characters (and copied JSON elements) per request and per file. */
export class TextBudget {
  private request = 0;
  private file = 0;

  constructor(
    private readonly perRequest: number = textLimits.perRequest,
    private readonly perFile: number = textLimits.perFile,
  ) {}

  /** True once the file's budget is spent: nothing more is filled in. */
  get exhausted(): boolean {
    return this.file > this.perFile;
  }

  startRequest(): void {
    this.request = 0;
  }

  /** Charges `amount`, throwing {@link TextLimitExceeded} before the text is made. */
  spend(amount: number): void {
    this.request += amount;
    this.file += amount;
    if (this.file > this.perFile) throw new TextLimitExceeded('file', this.perFile);
    if (this.request > this.perRequest) throw new TextLimitExceeded('request', this.perRequest);
  }
}
