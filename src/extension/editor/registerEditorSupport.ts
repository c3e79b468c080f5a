/**
 * Editing support for `.llmbatch` files (and diagnostics for OpenAI Batch input
 * `.jsonl`): problems, hovers, CodeLens and folding, all from one shared parse.
 * Works in untrusted workspaces: nothing here sends requests.
 */
import * as vscode from 'vscode';
import { LlmbatchDiagnostics } from './diagnostics';
import { LlmbatchCodeLensProvider, LlmbatchFoldingProvider, LlmbatchHoverProvider } from './languageFeatures';
import { PassRates } from './passRates';
import type { RunEvent } from '../runs/runEvents';
import { ParsedDocuments } from './parsedDocuments';
import type { ParsedDocumentsOptions, ParsedFile } from './parsedDocuments';

export interface EditorSupportDeps {
  /** The provider profile for blocks without `@provider` (the `llmbatch.defaultProvider` setting). */
  readonly defaultProvider?: (uri: vscode.Uri) => string;
  /** Quiet time after typing before problems are recomputed; 250 ms by default. */
  readonly diagnosticDelayMs?: number;
  readonly readFile?: ParsedDocumentsOptions['readFile'];
}

export interface EditorSupport {
  /**
   * The parse of a `.llmbatch` or Batch input document at its current version,
   * shared with the editor features (computed at most once per version); undefined
   * for any other document.
   */
  getParsed(document: vscode.TextDocument): ParsedFile | undefined;
  /** Shows each block's pass rate in its CodeLens once a run of `runEvents` has scored it. */
  followRuns(runEvents: vscode.Event<RunEvent>): vscode.Disposable;
}

export const llmbatchSelector: vscode.DocumentSelector = { language: 'llmbatch' };

export function registerEditorSupport(context: vscode.ExtensionContext, deps: EditorSupportDeps = {}): EditorSupport {
  const { defaultProvider } = deps;
  const parsed = new ParsedDocuments({
    ...(deps.readFile && { readFile: deps.readFile }),
    ...(defaultProvider && { defaultProvider: (document) => defaultProvider(document.uri as vscode.Uri) }),
  });
  const diagnostics = new LlmbatchDiagnostics(parsed, deps.diagnosticDelayMs === undefined ? {} : { delayMs: deps.diagnosticDelayMs });
  const passRates = new PassRates();
  const lenses = new LlmbatchCodeLensProvider(parsed, passRates);
  context.subscriptions.push(
    diagnostics,
    lenses,
    // A re-check can change counts without an edit to this document (a data file was saved).
    diagnostics.onDidUpdate(() => lenses.refresh()),
    vscode.languages.registerHoverProvider(llmbatchSelector, new LlmbatchHoverProvider(parsed)),
    vscode.languages.registerCodeLensProvider(llmbatchSelector, lenses),
    vscode.languages.registerFoldingRangeProvider(llmbatchSelector, new LlmbatchFoldingProvider(parsed)),
    { dispose: () => parsed.clear() },
  );
  return {
    getParsed: (document) => parsed.get(document),
    followRuns: (runEvents) => runEvents((event) => passRates.take(event) && lenses.refresh()),
  };
}
