import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = process.cwd();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** The source files `file` imports by relative path (type-only imports included: they tie modules together for a reader too). */
function importsOf(file: string): string[] {
  const specifiers = [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^;]*?from\s+['"](\.[^'"]+)['"]/gm)].map((match) => match[1]!);
  return specifiers.map((specifier) => resolve(dirname(file), specifier)).map((path) => (/\.tsx?$/.test(path) ? path : `${path}.ts`));
}

/** Every import cycle among `files`, each as the files along it (relative to the root). */
function importCycles(files: readonly string[]): string[][] {
  const known = new Set(files);
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'visiting');
    path.push(file);
    for (const target of importsOf(file).filter((target) => known.has(target))) {
      if (state.get(target) === 'visiting') cycles.push(path.slice(path.indexOf(target)).map((step) => relative(root, step)));
      else if (!state.has(target)) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

describe('source conventions', () => {
  it('keeps the engine free of the editor: nothing under src/core imports vscode', () => {
    const offenders = sourceFiles(join(root, 'src/core')).filter((file) =>
      /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]vscode['"]/.test(readFileSync(file, 'utf8')),
    );
    assert.deepEqual(offenders.map((file) => relative(root, file)), []);
  });

  it('sets every timer of the engine through the overflow-safe helper', () => {
    // Node fires a setTimeout past 2^31-1 ms after 1 ms; a server-announced wait must never become a busy loop.
    const helper = join(root, 'src/core/engine/timers.ts');
    const offenders = sourceFiles(join(root, 'src/core')).filter((file) => file !== helper && /\b(?:setTimeout|setInterval)\s*\(|AbortSignal\.timeout\s*\(/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offenders.map((file) => relative(root, file)), []);
  });

  it('has no default exports and no barrel index files', () => {
    const files = sourceFiles(join(root, 'src'));
    assert.ok(files.length > 0);
    const defaults = files.filter((file) => /^\s*export\s+default\b/m.test(readFileSync(file, 'utf8')));
    assert.deepEqual(defaults.map((file) => relative(root, file)), []);
    const barrels = files.filter((file) => /[\\/]index\.tsx?$/.test(file));
    assert.deepEqual(barrels.map((file) => relative(root, file)), []);
  });

  it('has no import cycles in the engine (language, providers, caches included)', () => {
    assert.deepEqual(importCycles(sourceFiles(join(root, 'src/core'))), []);
  });

  it('lets the CLI commands share terminal I/O through cli/io.ts, never through the run command', () => {
    const runCommand = join(root, 'src/cli/runCommand.ts');
    const importers = sourceFiles(join(root, 'src')).filter((file) => importsOf(file).includes(runCommand));
    assert.deepEqual(importers.map((file) => relative(root, file)), ['src/cli/main.ts']);
  });

  it('keeps the folders of the editor host one-way: no two of them import each other', () => {
    const extension = join(root, 'src/extension');
    const folderOf = (file: string) => relative(extension, dirname(file)) || '.';
    const edges = new Set<string>();
    for (const file of sourceFiles(extension)) {
      for (const target of importsOf(file)) {
        if (!target.startsWith(extension) || folderOf(target) === folderOf(file)) continue;
        edges.add(`${folderOf(file)} -> ${folderOf(target)}`);
      }
    }
    const both = [...edges].filter((edge) => {
      const [from, to] = edge.split(' -> ');
      return from! < to! && edges.has(`${to} -> ${from}`);
    });
    assert.deepEqual(both, []);
  });

  it('lets the editor and the CLI parse and expand .llmbatch text only through core/language/parseLlmbatch.ts', () => {
    const language = join(root, 'src/core/language');
    const steps = [join(language, 'syntax/parseDocument.ts'), join(language, 'expand/expandDocument.ts')];
    const outside = sourceFiles(join(root, 'src')).filter((file) => !file.startsWith(language));
    const reaching = outside.filter((file) => importsOf(file).some((target) => steps.includes(target)));
    assert.deepEqual(reaching.map((file) => relative(root, file)), []);
  });
});
