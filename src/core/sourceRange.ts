/** Where something came from in a source file: the one position type of the language, the engine and both hosts. */

/** 0-based lines and columns, end exclusive. */
export interface SourceRange {
  readonly file?: string;
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
}
