/**
 * Turns the text of a runnable file — a `.llmbatch` file, or OpenAI Batch input
 * `.jsonl` — into batch items plus what a run needs to know about where each
 * came from. The editor and the CLI both load files through here, so a file
 * means the same thing in both.
 */
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BatchItem, SourceRange } from '../models';
import type { Diagnostic } from '../diagnostics';
import type { LocatedValue } from '../endpoints/endpointPlan';
import { parseBatchInput } from './batchJsonl';
import type { BatchItemList } from './batchJsonl';
import { expandText } from '../language/parseLlmbatch';
import type { BlockSummary, FileRateLimits, LlmbatchItem } from '../language/expand/expansionResult';

export interface BatchBlock {
  /** The block's name, or undefined for `###` without one. */
  readonly name?: string;
  readonly index: number;
  readonly range: SourceRange;
}

/** `Items` is a {@link BatchItemList} when the items are read again on each pass (see `readBatchInputLazily`). */
export interface LoadedBatch<Items extends BatchItemList = BatchItem[]> {
  readonly kind: 'llmbatch' | 'jsonl';
  readonly items: Items;
  readonly diagnostics: readonly Diagnostic[];
  readonly blocks: readonly BatchBlock[];
  blockOf(item: BatchItem): BatchBlock | undefined;
  apiBaseOf(item: BatchItem): LocatedValue | undefined;
  providerRangeOf(item: BatchItem): SourceRange | undefined;
  /** The file's `@rpm` / `@tpm`, when its header sets them. */
  readonly rateLimits?: FileRateLimits;
}

export interface LoadBatchOptions {
  /** Path of the file; its extension picks the format and its folder anchors `@data` paths. */
  readonly fileName: string;
  /** Provider of requests that name none (JSONL lines, blocks without `@provider`). */
  readonly defaultProvider: string;
  /** Folder for relative `@data` paths when the file's own folder is not on disk. */
  readonly baseDir?: string;
  readonly readFile?: (absolutePath: string) => string;
}

/** True for files read as OpenAI Batch input rather than `.llmbatch`. */
export function isBatchJsonl(fileName: string): boolean {
  return /\.jsonl$/i.test(fileName);
}

/** Reads and expands `text`; problems in it become diagnostics, never exceptions. */
export function loadBatchText(text: string, options: LoadBatchOptions): LoadedBatch {
  if (isBatchJsonl(options.fileName)) {
    const { items, diagnostics } = parseBatchInput(text, { fileName: options.fileName, provider: options.defaultProvider });
    return fromBatchInput(items, diagnostics);
  }
  const expansion = expandText(text, {
    fileName: options.fileName,
    defaultProvider: options.defaultProvider,
    baseDir: options.baseDir ?? dirname(options.fileName),
    readFile: options.readFile ?? ((path: string) => readFileSync(path, 'utf8')),
  });
  // Blocks passed as a getter: their summaries are made only if the run asks about blocks.
  return fromExpansion(expansion.items, expansion.diagnostics, () => expansion.blocks, expansion.rateLimits);
}

/** Batch input lines as a run sees them: no blocks, no endpoint settings. */
export function fromBatchInput<Items extends BatchItemList>(items: Items, diagnostics: readonly Diagnostic[]): LoadedBatch<Items> {
  return { kind: 'jsonl', items, diagnostics, blocks: [], blockOf: () => undefined, apiBaseOf: () => undefined, providerRangeOf: () => undefined };
}

/**
 * A `.llmbatch` expansion as a run sees it: items, blocks, and where each item's
 * endpoint settings are written. An item is traced to its block by the block
 * name it carries (unique within an expansion), so loading builds nothing per item.
 * `blockSummaries` may be a function giving them, called when first needed.
 */
export function fromExpansion(
  items: LlmbatchItem[],
  diagnostics: readonly Diagnostic[],
  blockSummaries: readonly BlockSummary[] | (() => readonly BlockSummary[]),
  rateLimits?: FileRateLimits,
): LoadedBatch {
  // All made on first use: a run of a long file may ask for none.
  let summaryList: readonly BlockSummary[] | undefined;
  let blocks: BatchBlock[] | undefined;
  let positionOf: Map<string, number> | undefined;
  const summariesOf = (): readonly BlockSummary[] => (summaryList ??= typeof blockSummaries === 'function' ? blockSummaries() : blockSummaries);
  const blockList = (): BatchBlock[] => (blocks ??= summariesOf().map((block) => ({ name: block.name, index: block.index, range: block.range })));
  const positionOfItem = (item: BatchItem): number | undefined => {
    if (item.block === undefined) return undefined;
    if (!positionOf) {
      const summaries = summariesOf();
      positionOf = new Map();
      for (let i = 0; i < summaries.length; i++) positionOf.set((summaries[i] as BlockSummary).name, i);
    }
    return positionOf.get(item.block);
  };
  const providerRanges: (SourceRange | null | undefined)[] = [];
  return {
    kind: 'llmbatch',
    items,
    diagnostics,
    get blocks() {
      return blockList();
    },
    ...(rateLimits && { rateLimits }),
    blockOf: (item) => {
      const position = positionOfItem(item);
      return position === undefined ? undefined : blockList()[position];
    },
    apiBaseOf: (item) => (item as LlmbatchItem).apiBase,
    providerRangeOf: (item) => {
      const position = positionOfItem(item);
      if (position === undefined) return undefined;
      // Null marks a block without `@provider`; its settings are made once, on first ask.
      let range = providerRanges[position];
      if (range === undefined) {
        range = summariesOf()[position]?.settings.find((setting) => setting.key === 'provider')?.valueRange ?? null;
        providerRanges[position] = range;
      }
      return range ?? undefined;
    },
  };
}

/**
 * Decodes file bytes as UTF-8, refusing invalid bytes rather than sending
 * replacement characters to a model. Returns the 0-based line and column of the
 * first bad byte otherwise.
 */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; line: number; column: number; message: string } {
  const checked = checkUtf8(bytes);
  if (!checked.ok) return checked;
  const text = new TextDecoder('utf-8').decode(bytes);
  return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

/** Like {@link decodeUtf8} without making the text: for a reader that decodes line by line. */
export function checkUtf8(bytes: Uint8Array): { ok: true } | { ok: false; line: number; column: number; message: string } {
  if (isUtf8(bytes)) return { ok: true };
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { ok: true };
  } catch {
    const lossy = new TextDecoder('utf-8').decode(bytes);
    const bad = lossy.indexOf('\ufffd');
    const before = lossy.slice(0, Math.max(0, bad));
    const line = before.split('\n').length - 1;
    const column = before.length - (before.lastIndexOf('\n') + 1);
    return { ok: false, line, column, message: 'the file is not valid UTF-8 text (save it as UTF-8)' };
  }
}
