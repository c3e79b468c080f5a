/**
 * The way in to the `.llmbatch` language for the editor, the CLI and tests:
 *
 * - `parseAndExpand` parses and expands a file and keeps the parsed document —
 *   what the editor needs for diagnostics, hovers, CodeLens and folding
 *   (`parseLlmbatch` is the same in one object, for tests and tools).
 * - `expandText` gives the same requests and diagnostics in one pass, for
 *   callers that need the requests but not the document (a run, through
 *   `loadBatchText`). Each block is expanded as soon as it is read and then
 *   dropped, so a long file's parsed blocks never pile up in memory: keeping
 *   them all until the last was read made garbage collection a large part of
 *   loading one.
 *
 * Underneath: `syntax/` reads the text, `settings/` says what each setting
 * means, `expand/` turns blocks into requests, `data/` reads `@data` files.
 */
import { DiagnosticSink } from './diagnosticSink';
import type { Block, LlmbatchDocument } from './syntax/document';
import { DocumentExpansion, expandDocument } from './expand/expandDocument';
import type { ExpandOptions, ExpansionResult } from './expand/expansionResult';
import { isKnownSetting } from './settings/parameters';
import { parseDocument, parseDocumentBlocks } from './syntax/parseDocument';
import { headerNamesSettled, namesUsedIn } from './settings/settingNames';

function expandWhileParsing(text: string, options: ExpandOptions): ExpansionResult {
  const unreadable = text.includes('\uFFFD');
  let expansion: DocumentExpansion | undefined;
  // Set when the header's names depend on every block: then blocks are kept and expanded at the end.
  let held: Block[] | undefined;
  // Names the blocks use, gathered only when the header has a variable to look for.
  let blockUses: Set<string> | undefined;
  const document = parseDocumentBlocks(text, (block, header, lines) => {
    if (!expansion) {
      expansion = new DocumentExpansion(header, unreadable, options, new DiagnosticSink(), true, lines);
      if (!headerNamesSettled(header)) held = [];
      else if (!header.settings.every((setting) => isKnownSetting(setting.key))) blockUses = new Set();
    }
    if (held) {
      held.push(block);
      return;
    }
    expansion.checkBlockNames(block);
    if (blockUses) namesUsedIn(block, blockUses);
    expansion.expandBlock(block);
  });
  if (!expansion) return expandDocument(document, options);
  if (held) return expandDocument({ ...document, blocks: held }, options);
  const uses = blockUses;
  expansion.checkHeaderNames((into) => {
    if (uses) for (const name of uses) into.add(name);
  });
  return expansion.finish(document.diagnostics);
}

/**
 * Parses and expands `.llmbatch` text: the same items, blocks and diagnostics
 * as `expandDocument(parseDocument(text), options)`, without keeping the
 * document. Never throws.
 */
export function expandText(text: string, options: ExpandOptions = {}): ExpansionResult {
  try {
    return expandWhileParsing(typeof text === 'string' ? text : String(text), options);
  } catch {
    // Whatever failed, the whole-document path reports it the way it always does.
    return expandDocument(parseDocument(text), options);
  }
}

/** A parsed file with its expansion, kept apart so the expansion's lazy parts (block summaries) stay lazy. */
export interface ParsedAndExpanded {
  readonly document: LlmbatchDocument;
  readonly expansion: ExpansionResult;
}

/** Parses `.llmbatch` text and expands it, keeping both (the editor's shared parse). Never throws. */
export function parseAndExpand(text: string, options: ExpandOptions = {}): ParsedAndExpanded {
  const document = parseDocument(text);
  return { document, expansion: expandDocument(document, options) };
}

export interface ParsedLlmbatch extends ExpansionResult {
  readonly document: LlmbatchDocument;
}

/**
 * Parses `.llmbatch` text and expands it into batch items; `diagnostics` holds
 * every problem found, syntax and expansion alike. Never throws.
 */
export function parseLlmbatch(text: string, options: ExpandOptions = {}): ParsedLlmbatch {
  const { document, expansion } = parseAndExpand(text, options);
  return { ...expansion, document };
}
