/**
 * Reads a runnable file — `.llmbatch`, or OpenAI Batch input `.jsonl` — into
 * batch items, with what a run needs to know about where each came from. The
 * text of an open editor wins over the file on disk, so unsaved edits run.
 */
import * as vscode from 'vscode';
import { dirname } from 'node:path';
import type { LoadedBatch } from '../../core/batchFile/loadBatch';
import { fromBatchInput, fromExpansion, loadBatchText } from '../../core/batchFile/loadBatch';
import type { ParsedFile } from '../editor/parsedDocuments';

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
  if (parsed?.kind === 'llmbatch') {
    const loaded = fromExpansion(parsed.expansion.items, parsed.diagnostics, parsed.expansion.blocks);
    // The header's @rpm/@tpm live beside the items: without them an open file would run unthrottled.
    return parsed.expansion.rateLimits ? { ...loaded, rateLimits: parsed.expansion.rateLimits } : loaded;
  }
  if (parsed?.kind === 'batchInput') return fromBatchInput([...parsed.items], parsed.diagnostics);
  const text = open ? open.getText() : await readText(uri);
  // Relative @data paths need a folder on disk; outside file: URIs the workspace folder stands in.
  const baseDir = uri.scheme === 'file' ? dirname(uri.fsPath) : vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
  return loadBatchText(text, { fileName: uri.fsPath, defaultProvider, ...(baseDir !== undefined && { baseDir }) });
}

async function readText(uri: vscode.Uri): Promise<string> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  return new TextDecoder('utf-8').decode(bytes);
}
