/**
 * Live problems for `.llmbatch` and OpenAI Batch input files: immediately on open
 * and save, shortly after typing stops, gone when the file closes.
 */
import * as vscode from 'vscode';
import type { Diagnostic } from '../../core/diagnostics';
import type { SourceRange } from '../../core/models';
import type { ParsedDocuments } from './parsedDocuments';

export const diagnosticSource = 'LLM Batch';

/** Quiet time after the last keystroke before the file is checked again. */
export const defaultDiagnosticDelayMs = 250;

export function toRange(range: SourceRange): vscode.Range {
  return new vscode.Range(range.startLine, range.startColumn, range.endLine, range.endColumn);
}

export function toVscodeDiagnostic(problem: Diagnostic): vscode.Diagnostic {
  const severity =
    problem.severity === 'error'
      ? vscode.DiagnosticSeverity.Error
      : problem.severity === 'warning'
        ? vscode.DiagnosticSeverity.Warning
        : vscode.DiagnosticSeverity.Information;
  const diagnostic = new vscode.Diagnostic(toRange(problem.range), problem.message, severity);
  diagnostic.source = diagnosticSource;
  if (problem.code !== undefined) diagnostic.code = problem.code;
  return diagnostic;
}

export interface DiagnosticsOptions {
  readonly delayMs?: number;
}

export class LlmbatchDiagnostics implements vscode.Disposable {
  readonly #collection = vscode.languages.createDiagnosticCollection('llmbatch');
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Problems a document reported in other files (a data file's rows), by document, then by file. */
  readonly #elsewhere = new Map<string, Map<string, vscode.Diagnostic[]>>();
  readonly #onDidUpdate = new vscode.EventEmitter<vscode.Uri>();
  readonly #subscriptions: vscode.Disposable[];
  readonly #delayMs: number;

  /** Fires after a document's problems were recomputed (its parse may have changed). */
  readonly onDidUpdate = this.#onDidUpdate.event;

  constructor(
    private readonly parsed: ParsedDocuments,
    options: DiagnosticsOptions = {},
  ) {
    this.#delayMs = options.delayMs ?? defaultDiagnosticDelayMs;
    this.#subscriptions = [
      vscode.workspace.onDidOpenTextDocument((document) => this.refresh(document)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length > 0) this.#schedule(event.document);
      }),
      vscode.workspace.onDidSaveTextDocument((document) => {
        this.refresh(document);
        if (document.uri.scheme === 'file') this.#refreshReadersOf(document.uri.fsPath);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)),
      // Data files edited outside the editor are noticed when the user comes back.
      vscode.window.onDidChangeWindowState((state) => {
        if (!state.focused) return;
        for (const document of vscode.workspace.textDocuments) if (this.parsed.hasStaleData(document)) this.refresh(document);
      }),
    ];
    for (const document of vscode.workspace.textDocuments) this.refresh(document);
  }

  /** Checks the document now (cancelling a pending delayed check). */
  refresh(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    this.#cancel(key);
    const parsed = this.parsed.get(document);
    if (!parsed) {
      if (this.#collection.has(document.uri)) this.forget(document.uri);
      return;
    }
    const own: vscode.Diagnostic[] = [];
    const elsewhere = new Map<string, vscode.Diagnostic[]>();
    const ownPath = document.uri.scheme === 'file' ? document.uri.fsPath : undefined;
    for (const problem of parsed.diagnostics) {
      const file = problem.range.file;
      if (file === undefined || file === ownPath || ownPath === undefined) {
        own.push(toVscodeDiagnostic(problem));
      } else {
        const list = elsewhere.get(file) ?? [];
        list.push(toVscodeDiagnostic(problem));
        elsewhere.set(file, list);
      }
    }
    this.#collection.set(document.uri, own);
    this.#setElsewhere(key, elsewhere);
    this.#onDidUpdate.fire(document.uri);
  }

  /** Drops a closed document's problems and its cached parse. */
  forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.#cancel(key);
    this.#collection.delete(uri);
    this.#setElsewhere(key, new Map());
    this.parsed.delete(key);
  }

  dispose(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const subscription of this.#subscriptions) subscription.dispose();
    this.#collection.dispose();
    this.#onDidUpdate.dispose();
  }

  #schedule(document: vscode.TextDocument): void {
    if (!this.parsed.handles(document) && !this.#collection.has(document.uri)) return;
    const key = document.uri.toString();
    this.#cancel(key);
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        if (!document.isClosed) this.refresh(document);
      }, this.#delayMs),
    );
  }

  #cancel(key: string): void {
    const timer = this.#timers.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(key);
  }

  /** A saved data file changes the expansion of every open file that reads it. */
  #refreshReadersOf(path: string): void {
    const readers = new Set(this.parsed.readersOf(path));
    if (readers.size === 0) return;
    for (const document of vscode.workspace.textDocuments) {
      if (readers.has(document.uri.toString())) this.refresh(document);
    }
  }

  #setElsewhere(source: string, files: Map<string, vscode.Diagnostic[]>): void {
    const previous = this.#elsewhere.get(source);
    if (files.size === 0) this.#elsewhere.delete(source);
    else this.#elsewhere.set(source, files);
    const touched = new Set([...(previous?.keys() ?? []), ...files.keys()]);
    for (const file of touched) {
      const merged = [...this.#elsewhere.values()].flatMap((byFile) => byFile.get(file) ?? []);
      const uri = vscode.Uri.file(file);
      if (merged.length > 0) this.#collection.set(uri, merged);
      else this.#collection.delete(uri);
    }
  }
}
