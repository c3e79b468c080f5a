/**
 * Collects diagnostics without flooding the editor: identical reports are kept
 * once, and one place gets at most a handful (a bad column in 10 000 rows is one
 * problem to the user, not 10 000).
 */
import type { Diagnostic } from '../diagnostics';
import type { SourceRange } from '../models';

const perRangeLimit = 5;
const totalLimit = 1000;

function rangeKey(range: SourceRange): string {
  return `${range.startLine}:${range.startColumn}:${range.endLine}:${range.endColumn}`;
}

/** Where problems found while expanding are reported. */
export interface DiagnosticReporter {
  add(severity: Diagnostic['severity'], message: string, range: SourceRange, code: string): void;
}

/**
 * Problems kept in the order reported, for a sink to take later: expanding
 * block by block finds them in another order than the sink must see them in.
 */
export class DiagnosticList implements DiagnosticReporter {
  readonly list: Diagnostic[] = [];

  add(severity: Diagnostic['severity'], message: string, range: SourceRange, code: string): void {
    this.list.push({ severity, message, range, code });
  }
}

export class DiagnosticSink implements DiagnosticReporter {
  private readonly list: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  private readonly counts = new Map<string, number>();
  private readonly suppressed = new Map<string, { range: SourceRange; count: number }>();

  add(severity: Diagnostic['severity'], message: string, range: SourceRange, code: string): void {
    this.push({ severity, message, range, code });
  }

  push(diagnostic: Diagnostic): void {
    const where = rangeKey(diagnostic.range);
    const key = `${where}|${diagnostic.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const count = this.counts.get(where) ?? 0;
    if (count >= perRangeLimit || this.list.length >= totalLimit) {
      const entry = this.suppressed.get(where) ?? { range: diagnostic.range, count: 0 };
      entry.count++;
      this.suppressed.set(where, entry);
      return;
    }
    this.counts.set(where, count + 1);
    this.list.push(diagnostic);
  }

  /** Everything reported, in order of position in the file. */
  finish(): Diagnostic[] {
    for (const { range, count } of this.suppressed.values()) {
      this.list.push({ severity: 'info', message: `…and ${count} more problem${count === 1 ? '' : 's'} here`, range, code: 'more-problems' });
    }
    return sortByPosition(this.list);
  }
}

/** Sorts by start position, keeping the order of reports made at the same place. */
export function sortByPosition(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort((a, b) => a.range.startLine - b.range.startLine || a.range.startColumn - b.range.startColumn);
}
