/**
 * Endpoint problems in `.llmbatch` files — an unknown `@provider`, a keyed
 * profile pointed at another host with `@api_base` — shown on the line
 * responsible while the file is edited, and again when a run is refused. They
 * depend on settings, which the file's own checks cannot see.
 */
import * as vscode from 'vscode';
import type { Diagnostic } from '../../core/diagnostics';
import { planEndpoints } from '../../core/endpoints/endpointPlan';
import { readProfiles } from '../config/settings';
import type { GetParsed } from '../batchFile/batchSource';
import { fromExpansion } from '../../core/batchFile/loadBatch';

const refreshDelayMs = 300;

export class EndpointDiagnostics implements vscode.Disposable {
  #collection: vscode.DiagnosticCollection | undefined;
  readonly #subscriptions: vscode.Disposable[] = [];
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly getParsed?: GetParsed) {
    if (!getParsed) return;
    this.#subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((document) => this.refresh(document)),
      vscode.workspace.onDidSaveTextDocument((document) => this.refresh(document)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.contentChanges.length) this.#schedule(event.document);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => this.clear(document.uri)),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('llmbatch')) for (const document of vscode.workspace.textDocuments) this.refresh(document);
      }),
    );
    for (const document of vscode.workspace.textDocuments) this.refresh(document);
  }

  /** Recomputes the endpoint problems of an open `.llmbatch` document. */
  refresh(document: vscode.TextDocument): void {
    this.#cancel(document.uri);
    if (document.languageId !== 'llmbatch' || !this.getParsed) return;
    const parsed = this.getParsed(document);
    if (parsed?.kind !== 'llmbatch') return;
    const batch = fromExpansion(parsed.expansion.items, parsed.diagnostics, parsed.expansion.blocks);
    const plan = planEndpoints(batch.items, { profiles: readProfiles(), apiBaseOf: batch.apiBaseOf, providerRangeOf: batch.providerRangeOf });
    this.show(document.uri, plan.problems);
  }

  show(uri: vscode.Uri, problems: readonly Diagnostic[]): void {
    if (problems.length === 0) return this.clear(uri);
    this.#collection ??= vscode.languages.createDiagnosticCollection('llmbatch-endpoints');
    this.#collection.set(uri, problems.map(toVscodeDiagnostic));
  }

  clear(uri: vscode.Uri): void {
    this.#cancel(uri);
    this.#collection?.delete(uri);
  }

  #schedule(document: vscode.TextDocument): void {
    if (document.languageId !== 'llmbatch') return;
    const key = document.uri.toString();
    this.#cancel(document.uri);
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        if (!document.isClosed) this.refresh(document);
      }, refreshDelayMs),
    );
  }

  #cancel(uri: vscode.Uri): void {
    const key = uri.toString();
    const timer = this.#timers.get(key);
    if (timer) clearTimeout(timer);
    this.#timers.delete(key);
  }

  dispose(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    for (const subscription of this.#subscriptions) subscription.dispose();
    this.#collection?.dispose();
  }
}

export function toVscodeDiagnostic(problem: Diagnostic): vscode.Diagnostic {
  const { range } = problem;
  const severity =
    problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : problem.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  const diagnostic = new vscode.Diagnostic(new vscode.Range(range.startLine, range.startColumn, range.endLine, range.endColumn), problem.message, severity);
  diagnostic.source = 'LLM Batch';
  if (problem.code !== undefined) diagnostic.code = problem.code;
  return diagnostic;
}
