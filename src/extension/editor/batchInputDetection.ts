/**
 * Telling OpenAI Batch input files apart from other JSON Lines files (data rows,
 * logs, results): only the former get batch diagnostics and runs.
 */
import type * as vscode from 'vscode';

type LineSource = Pick<vscode.TextDocument, 'languageId' | 'lineCount' | 'lineAt'> & {
  readonly uri: Pick<vscode.Uri, 'path'>;
};

/** Blank lines at the top of a file worth skipping before giving up. */
const maxLeadingBlankLines = 200;

/** True when the first non-empty line of `text` carries a `custom_id` key. */
export function looksLikeBatchInput(firstNonEmptyLine: string | undefined): boolean {
  return firstNonEmptyLine !== undefined && /^\s*\{.*"custom_id"\s*:/.test(firstNonEmptyLine);
}

/**
 * A `.jsonl` file (or a document in the JSON Lines / JSON language) whose first
 * non-empty line looks like a Batch API request.
 */
export function isBatchInputCandidate(document: LineSource): boolean {
  const jsonLanguage = document.languageId === 'jsonl' || document.languageId === 'json';
  if (!jsonLanguage && !/\.jsonl$/i.test(document.uri.path)) return false;
  const limit = Math.min(document.lineCount, maxLeadingBlankLines);
  for (let line = 0; line < limit; line++) {
    const text = document.lineAt(line).text;
    if (text.trim() !== '') return looksLikeBatchInput(text);
  }
  return false;
}
