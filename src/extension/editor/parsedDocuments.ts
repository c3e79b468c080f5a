/**
 * One parse per document version, shared by diagnostics, hovers, CodeLens, folding
 * and runs: `.llmbatch` files are parsed and expanded, OpenAI Batch input `.jsonl`
 * files are read into items. Entries are dropped when their document closes.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type * as vscode from 'vscode';
import { parseBatchInput } from '../../core/batchFile/batchJsonl';
import type { Diagnostic } from '../../core/diagnostics';
import type { BatchItem } from '../../core/models';
import type { LlmbatchDocument } from '../../core/language/syntax/document';
import type { ExpansionResult } from '../../core/language/expand/expansionResult';
import { parseAndExpand } from '../../core/language/parseLlmbatch';
import { isBatchInputCandidate } from './batchInputDetection';

/** The parts of `vscode.TextDocument` the cache reads (tests pass plain objects). */
export type DocumentLike = Pick<vscode.TextDocument, 'version' | 'languageId' | 'lineCount' | 'lineAt' | 'getText'> & {
  readonly uri: Pick<vscode.Uri, 'scheme' | 'fsPath' | 'path' | 'toString'>;
};

export interface ParsedLlmbatch {
  readonly kind: 'llmbatch';
  readonly uri: string;
  readonly version: number;
  readonly document: LlmbatchDocument;
  readonly expansion: ExpansionResult;
  /** Parse diagnostics followed by expansion diagnostics. */
  readonly diagnostics: readonly Diagnostic[];
}

export interface ParsedBatchInput {
  readonly kind: 'batchInput';
  readonly uri: string;
  readonly version: number;
  readonly items: readonly BatchItem[];
  readonly diagnostics: readonly Diagnostic[];
}

export type ParsedFile = ParsedLlmbatch | ParsedBatchInput;

export interface ParsedDocumentsOptions {
  /** Reads a data file (`@data`) as UTF-8; defaults to `fs.readFileSync`. */
  readonly readFile?: (absolutePath: string) => string;
  /** Modification time of a data file, or undefined when it is missing; defaults to `fs.statSync`. */
  readonly modifiedTime?: (absolutePath: string) => number | undefined;
  /** The provider profile of blocks without `@provider`. */
  readonly defaultProvider?: (document: DocumentLike) => string;
}

interface Entry {
  readonly version: number;
  readonly parsed: ParsedFile;
  /** Data files the expansion read, with their modification times then. */
  readonly dataFiles: ReadonlyMap<string, number | undefined>;
}

function defaultModifiedTime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

export class ParsedDocuments {
  readonly #entries = new Map<string, Entry>();
  readonly #readFile: (absolutePath: string) => string;
  readonly #modifiedTime: (absolutePath: string) => number | undefined;
  readonly #defaultProvider: (document: DocumentLike) => string;

  constructor(options: ParsedDocumentsOptions = {}) {
    this.#readFile = options.readFile ?? ((path) => readFileSync(path, 'utf8'));
    this.#modifiedTime = options.modifiedTime ?? defaultModifiedTime;
    this.#defaultProvider = options.defaultProvider ?? (() => 'openai');
  }

  /** True for documents this cache parses: `.llmbatch`, and `.jsonl`/JSON that looks like OpenAI Batch input. */
  handles(document: DocumentLike): boolean {
    return document.languageId === 'llmbatch' || isBatchInputCandidate(document);
  }

  /**
   * The parse of the document's current version, computed at most once per version
   * (and again when a data file it reads changes on disk); undefined for other documents.
   */
  get(document: DocumentLike): ParsedFile | undefined {
    const key = document.uri.toString();
    const entry = this.#entries.get(key);
    if (entry && entry.version === document.version && !this.#dataChanged(entry)) return entry.parsed;
    if (!this.handles(document)) {
      this.#entries.delete(key);
      return undefined;
    }
    const fresh = document.languageId === 'llmbatch' ? this.#parseLlmbatch(document, key) : this.#parseBatchInput(document, key);
    this.#entries.set(key, fresh);
    return fresh.parsed;
  }

  /** True when a cached parse is out of date only because a data file it read changed on disk. */
  hasStaleData(document: DocumentLike): boolean {
    const entry = this.#entries.get(document.uri.toString());
    return entry !== undefined && entry.version === document.version && this.#dataChanged(entry);
  }

  /** The cached parse without computing one. */
  peek(uri: string): ParsedFile | undefined {
    return this.#entries.get(uri)?.parsed;
  }

  /** Forgets a document (on close). */
  delete(uri: string): void {
    this.#entries.delete(uri);
  }

  /** Uris of cached documents that read the data file at `absolutePath`. */
  readersOf(absolutePath: string): string[] {
    const readers: string[] = [];
    for (const [uri, entry] of this.#entries) if (entry.dataFiles.has(absolutePath)) readers.push(uri);
    return readers;
  }

  clear(): void {
    this.#entries.clear();
  }

  #dataChanged(entry: Entry): boolean {
    for (const [path, time] of entry.dataFiles) if (this.#modifiedTime(path) !== time) return true;
    return false;
  }

  #parseLlmbatch(document: DocumentLike, key: string): Entry {
    const dataFiles = new Map<string, number | undefined>();
    const isFile = document.uri.scheme === 'file';
    const { document: parsedDocument, expansion } = parseAndExpand(document.getText(), {
      defaultProvider: this.#defaultProvider(document),
      ...(isFile && { fileName: document.uri.fsPath, baseDir: dirname(document.uri.fsPath) }),
      readFile: (path) => {
        if (!isFile) throw new Error(`data files are read relative to a file on disk; save this document first`);
        dataFiles.set(path, this.#modifiedTime(path));
        return this.#readFile(path);
      },
    });
    const parsed: ParsedLlmbatch = {
      kind: 'llmbatch',
      uri: key,
      version: document.version,
      document: parsedDocument,
      expansion,
      diagnostics: expansion.diagnostics,
    };
    return { version: document.version, parsed, dataFiles };
  }

  #parseBatchInput(document: DocumentLike, key: string): Entry {
    const isFile = document.uri.scheme === 'file';
    const { items, diagnostics } = parseBatchInput(document.getText(), {
      provider: this.#defaultProvider(document),
      ...(isFile && { fileName: document.uri.fsPath }),
    });
    return { version: document.version, parsed: { kind: 'batchInput', uri: key, version: document.version, items, diagnostics }, dataFiles: new Map() };
  }
}
