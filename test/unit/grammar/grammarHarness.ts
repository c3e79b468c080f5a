/**
 * Loads the shipped `.llmbatch` TextMate grammar with the same engine VS Code uses
 * (vscode-textmate over the Oniguruma WASM build) and tokenizes text line by line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';

export interface Token {
  readonly text: string;
  readonly startIndex: number;
  readonly scopes: readonly string[];
}

/** The repository root, found from wherever the bundled test runs. */
export function repoRoot(): string {
  const starts = typeof __dirname === 'string' ? [__dirname, process.cwd()] : [process.cwd()];
  for (const start of starts) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'syntaxes', 'llmbatch.tmLanguage.json'))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error('cannot find the repository root from ' + starts.join(' or '));
}

let grammarPromise: Promise<textmate.IGrammar> | undefined;

export function loadGrammar(): Promise<textmate.IGrammar> {
  grammarPromise ??= (async () => {
    const root = repoRoot();
    const wasm = readFileSync(join(root, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
        createOnigString: (text) => new oniguruma.OnigString(text),
      }),
      loadGrammar: async (scopeName) => {
        if (scopeName !== 'source.llmbatch') return null;
        const path = join(root, 'syntaxes', 'llmbatch.tmLanguage.json');
        return textmate.parseRawGrammar(readFileSync(path, 'utf8'), path);
      },
    });
    const grammar = await registry.loadGrammar('source.llmbatch');
    if (!grammar) throw new Error('source.llmbatch did not load');
    return grammar;
  })();
  return grammarPromise;
}

/** Tokens of every line, carrying the rule stack across lines as an editor does. */
export async function tokenize(text: string): Promise<Token[][]> {
  const grammar = await loadGrammar();
  let state = textmate.INITIAL;
  return text.split(/\r?\n/).map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((token) => ({
      text: line.slice(token.startIndex, token.endIndex),
      startIndex: token.startIndex,
      scopes: token.scopes,
    }));
  });
}

/** The scopes of the first token on `line` whose text is exactly `text`. */
export function scopesOf(lines: readonly Token[][], line: number, text: string): readonly string[] {
  const token = lines[line]?.find((candidate) => candidate.text === text);
  if (!token) {
    const seen = (lines[line] ?? []).map((candidate) => JSON.stringify(candidate.text)).join(' ');
    throw new Error(`no token ${JSON.stringify(text)} on line ${line}; tokens: ${seen}`);
  }
  return token.scopes;
}
