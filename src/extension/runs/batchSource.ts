/**
 * Reads a runnable file — `.llmbatch`, or OpenAI Batch input `.jsonl` — into
 * batch items, with what a run needs to know about where each came from. The
 * text of an open editor wins over the file on disk, so unsaved edits run.
 */
import * as vscode from 'vscode';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BatchItem, SourceRange } from '../../core/models';
import type { Diagnostic } from '../../core/diagnostics';
import type { LocatedValue } from '../../core/endpoints/endpointPlan';
import { parseBatchInput } from '../../core/batchFile/batchJsonl';
import { parseDocument } from '../../core/language/parser';
import { expandDocument } from '../../core/language/expand';
import type { BlockSummary, LlmbatchItem } from '../../core/language/expansion';
import type { ParsedFile } from '../editor/parsedDocuments';

export interface BatchBlock {
  /** The block's name, or undefined for `###` without one. */
  readonly name?: string;
  readonly index: number;
  readonly range: SourceRange;
}

export interface LoadedBatch {
  readonly kind: 'llmbatch' | 'jsonl';
  readonly items: BatchItem[];
  readonly diagnostics: readonly Diagnostic[];
  readonly blocks: readonly BatchBlock[];
  blockOf(item: BatchItem): BatchBlock | undefined;
  apiBaseOf(item: BatchItem): LocatedValue | undefined;
  providerRangeOf(item: BatchItem): SourceRange | undefined;
}

/** The editor's shared parse of an open document, when it has one (see `EditorSupport.getParsed`). */
export type GetParsed = (document: vscode.TextDocument) => ParsedFile | undefined;

/**
 * Reads and expands `uri`; never throws for problems in the file (they become
 * diagnostics). An open document is taken as the editor shows it, reusing the
 * editor's parse of that version when there is one.
 */
export async function loadBatch(uri: vscode.Uri, defaultProvider: string, getParsed?: GetParsed): Promise<LoadedBatch> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  const parsed = open && getParsed?.(open);
  if (parsed?.kind === 'llmbatch') return fromExpansion(parsed.expansion.items, parsed.diagnostics, parsed.expansion.blocks);
  if (parsed?.kind === 'batchInput') return fromBatchInput([...parsed.items], parsed.diagnostics);
  const text = open ? open.getText() : await readText(uri);
  if (/\.jsonl$/i.test(uri.path)) {
    const { items, diagnostics } = parseBatchInput(text, { fileName: uri.fsPath, provider: defaultProvider });
    return fromBatchInput(items, diagnostics);
  }
  const document = parseDocument(text);
  const baseDir = uri.scheme === 'file' ? dirname(uri.fsPath) : vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  const expansion = expandDocument(document, {
    fileName: uri.fsPath,
    defaultProvider,
    ...(baseDir !== undefined && { baseDir }),
    readFile: (path: string) => readFileSync(path, 'utf8'),
  });
  return fromExpansion(expansion.items, expansion.diagnostics, expansion.blocks);
}

function fromBatchInput(items: BatchItem[], diagnostics: readonly Diagnostic[]): LoadedBatch {
  return { kind: 'jsonl', items, diagnostics, blocks: [], blockOf: () => undefined, apiBaseOf: () => undefined, providerRangeOf: () => undefined };
}

/** A `.llmbatch` expansion as a run sees it: items, blocks, and where each item's endpoint settings are written. */
export function fromExpansion(items: LlmbatchItem[], diagnostics: readonly Diagnostic[], summaries: readonly BlockSummary[]): LoadedBatch {
  const blocks: BatchBlock[] = summaries.map((block) => ({ name: block.name, index: block.index, range: block.range }));
  const summaryOf = new Map<BatchItem, BlockSummary>();
  for (const summary of summaries) {
    for (let i = summary.firstItem; i < summary.firstItem + summary.itemCount; i++) {
      const item = items[i];
      if (item) summaryOf.set(item, summary);
    }
  }
  return {
    kind: 'llmbatch',
    items,
    diagnostics,
    blocks,
    blockOf: (item) => {
      const summary = summaryOf.get(item);
      return summary ? blocks.find((block) => block.index === summary.index) : undefined;
    },
    apiBaseOf: (item) => (item as LlmbatchItem).apiBase,
    providerRangeOf: (item) => summaryOf.get(item)?.settings.find((setting) => setting.key === 'provider')?.valueRange,
  };
}

async function readText(uri: vscode.Uri): Promise<string> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  return new TextDecoder('utf-8').decode(bytes);
}
