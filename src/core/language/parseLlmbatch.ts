/** Parsing and expanding a `.llmbatch` file in one call, for the CLI and tests. */
import type { LlmbatchDocument } from './syntax/document';
import { expandDocument } from './expand/expandDocument';
import type { ExpandOptions, ExpansionResult } from './expand/expansionResult';
import { parseDocument } from './syntax/parseDocument';

export interface ParsedLlmbatch extends ExpansionResult {
  readonly document: LlmbatchDocument;
}

/**
 * Parses `.llmbatch` text and expands it into batch items; `diagnostics` holds
 * every problem found, syntax and expansion alike. Never throws.
 */
export function parseLlmbatch(text: string, options: ExpandOptions = {}): ParsedLlmbatch {
  const document = parseDocument(text);
  return { ...expandDocument(document, options), document };
}
