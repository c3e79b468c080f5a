import type { SourceRange } from './models';

/** A problem found in a user's file, shown at `range` (0-based lines and columns). */
export interface Diagnostic {
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly range: SourceRange;
  /** A stable identifier for the kind of problem, e.g. `duplicate-id`. */
  readonly code?: string;
}
