import { parseLlmbatch } from '../../../src/core/language/parseLlmbatch';
import type { ParsedLlmbatch } from '../../../src/core/language/parseLlmbatch';
import type { Diagnostic } from '../../../src/core/diagnostics';
import type { ExpandOptions } from '../../../src/core/language/expand/expansionResult';
import type { SourceRange } from '../../../src/core/models';

/**
 * Parses and expands `text` as if it were `/project/test.llmbatch`, with data files
 * served from `files` (keyed by path relative to /project); records every read.
 */
export function expandText(text: string, files: Record<string, string> = {}, options: Pick<ExpandOptions, 'defaultProvider' | 'maxRequests' | 'maxTextPerFile'> = {}): ParsedLlmbatch & { reads: string[] } {
  const reads: string[] = [];
  const readFile = (path: string): string => {
    reads.push(path);
    const relative = path.startsWith('/project/') ? path.slice('/project/'.length) : path;
    const content = files[relative];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return content;
  };
  const result = parseLlmbatch(text, { fileName: '/project/test.llmbatch', defaultProvider: 'echo', readFile, ...options });
  return { ...result, reads };
}

/** `[startLine, startColumn, endLine, endColumn]`, for compact range assertions. */
export function at(range: SourceRange): [number, number, number, number] {
  return [range.startLine, range.startColumn, range.endLine, range.endColumn];
}

export function errors(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
}

/** The one diagnostic with `code`; fails when there is not exactly one. */
export function only(diagnostics: readonly Diagnostic[], code: string): Diagnostic {
  const found = diagnostics.filter((diagnostic) => diagnostic.code === code);
  if (found.length !== 1) throw new Error(`expected one ${code} diagnostic, got ${JSON.stringify(diagnostics, null, 1)}`);
  return found[0] as Diagnostic;
}

export function contents(result: ParsedLlmbatch): (string | null | unknown)[][] {
  return result.items.map((item) => item.request.messages.map((message) => message.content));
}
