/** The shipped example, parsed and expanded as the editor does (its data file read from disk). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandDocument } from '../../../src/core/language/expand/expandDocument';
import { parseDocument } from '../../../src/core/language/syntax/parseDocument';
import { repoRoot } from '../grammar/grammarHarness';

export function parseText(text: string, fileName = join(repoRoot(), 'examples', 'inline.llmbatch')) {
  const document = parseDocument(text);
  return { document, expansion: expandDocument(document, { fileName, defaultProvider: 'openai' }) };
}

export function loadExample() {
  const fileName = join(repoRoot(), 'examples', 'translate.llmbatch');
  const text = readFileSync(fileName, 'utf8');
  const lines = text.split(/\r?\n/);
  /** 0-based line and column of the first occurrence of `needle` on a line starting with `prefix`. */
  const find = (prefix: string, needle = prefix): [number, number] => {
    const line = lines.findIndex((candidate) => candidate.startsWith(prefix));
    if (line < 0) throw new Error(`the example has no line starting with ${JSON.stringify(prefix)}`);
    return [line, (lines[line] ?? '').indexOf(needle)];
  };
  return { ...parseText(text, fileName), find };
}
