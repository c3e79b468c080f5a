import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLlmbatch } from '../../../src/core/language/parseLlmbatch';
import { repoRoot } from './grammarHarness';

interface Snippet {
  readonly prefix: string | string[];
  readonly body: string[];
}

const snippets = JSON.parse(readFileSync(join(repoRoot(), 'snippets', 'llmbatch.json'), 'utf8')) as Record<string, Snippet>;

/** The text a snippet inserts when every placeholder keeps its default (first choice). */
function insert(snippet: Snippet): string {
  return snippet.body
    .join('\n')
    .replace(/\$\{\d+\|([^,|]*)[^|]*\|\}/g, '$1')
    .replace(/\$\{\d+:([^}]*)\}/g, '$1')
    .replace(/\$\d+/g, '');
}

function snippet(name: string): string {
  const found = snippets[name];
  assert.ok(found, `snippet ${name}`);
  return insert(found);
}

describe('snippets', () => {
  it('insert a file that parses without problems and expands as their descriptions say', () => {
    const text = [snippet('Sweep'), '', snippet('Request block'), '', snippet('Data block'), '', '### pair', snippet('System and user messages')].join('\n');
    const result = parseLlmbatch(text, { defaultProvider: 'echo', baseDir: '/data', readFile: () => 'column\nfirst\nsecond\n' });
    assert.deepEqual(
      result.diagnostics.filter((diagnostic) => diagnostic.severity !== 'info'),
      [],
    );
    // The model sweep doubles every block; the data block runs once per row.
    assert.deepEqual(
      result.blocks.map((block) => [block.name, block.requestCount]),
      [
        ['ask', 2],
        ['rows', 4],
        ['pair', 2],
      ],
    );
    assert.equal(result.items.find((item) => item.block === 'pair')?.request.messages[0]?.role, 'system');
  });
});
