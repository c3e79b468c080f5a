/**
 * Hover, CodeLens and folding for `.llmbatch` files: thin adapters from the shared
 * parse to VS Code's provider interfaces.
 */
import * as vscode from 'vscode';
import { foldingRegions } from './foldingRegions';
import { hoverAt } from './hoverContent';
import { lensesFor } from './lensModel';
import type { PassRates } from './passRates';
import type { ParsedDocuments, ParsedLlmbatch } from './parsedDocuments';
import { toRange } from './diagnostics';

function llmbatchParse(parsed: ParsedDocuments, document: vscode.TextDocument): ParsedLlmbatch | undefined {
  const result = parsed.get(document);
  return result?.kind === 'llmbatch' ? result : undefined;
}

export class LlmbatchHoverProvider implements vscode.HoverProvider {
  constructor(private readonly parsed: ParsedDocuments) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const result = llmbatchParse(this.parsed, document);
    if (!result) return undefined;
    const content = hoverAt(result.document, result.expansion, position.line, position.character);
    if (!content) return undefined;
    // Untrusted: no command links, no HTML.
    const markdown = new vscode.MarkdownString(content.markdown);
    markdown.isTrusted = false;
    markdown.supportHtml = false;
    return new vscode.Hover(markdown, toRange(content.range));
  }
}

export class LlmbatchCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  readonly #onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.#onDidChange.event;

  constructor(
    private readonly parsed: ParsedDocuments,
    private readonly passRates?: PassRates,
  ) {}

  /** Asks the editor for fresh lenses (a data file changed, so counts may have). */
  refresh(): void {
    this.#onDidChange.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const result = llmbatchParse(this.parsed, document);
    if (!result) return [];
    const fileUri = document.uri.toString();
    const passRates = this.passRates;
    return lensesFor(result.document, result.expansion, passRates && ((block) => passRates.of(fileUri, block))).map((lens) => {
      const range = new vscode.Range(lens.line, 0, lens.line, 0);
      const args: unknown[] = lens.withUri ? [document.uri.toString(), ...(lens.blockIndex === undefined ? [] : [lens.blockIndex])] : [];
      return new vscode.CodeLens(range, { title: lens.title, tooltip: lens.tooltip, command: lens.command, arguments: args });
    });
  }

  dispose(): void {
    this.#onDidChange.dispose();
  }
}

export class LlmbatchFoldingProvider implements vscode.FoldingRangeProvider {
  constructor(private readonly parsed: ParsedDocuments) {}

  provideFoldingRanges(document: vscode.TextDocument): vscode.FoldingRange[] {
    const result = llmbatchParse(this.parsed, document);
    if (!result) return [];
    return foldingRegions(result.document).map((region) => new vscode.FoldingRange(region.start, region.end));
  }
}
