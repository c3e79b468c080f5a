import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = process.cwd();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
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
});
