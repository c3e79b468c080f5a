import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, wordDiff } from '../../../src/webview/logic/wordDiff';
import type { DiffPart } from '../../../src/webview/logic/wordDiff';

/** Both sides rebuilt from the parts must give back the inputs. */
function sides(parts: readonly DiffPart[]): { before: string; after: string } {
  return {
    before: parts.filter((part) => part.kind !== 'added').map((part) => part.text).join(''),
    after: parts.filter((part) => part.kind !== 'removed').map((part) => part.text).join(''),
  };
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) table[i]![j] = a[i - 1] === b[j - 1] ? table[i - 1]![j - 1]! + 1 : Math.max(table[i - 1]![j]!, table[i]![j - 1]!);
  }
  return table[a.length]![b.length]!;
}

describe('word diff', () => {
  it('splits words, spaces and punctuation, keeping contractions whole', () => {
    assert.deepEqual(tokenize("Don't panic, Zoë!"), ["Don't", ' ', 'panic', ',', ' ', 'Zoë', '!']);
  });

  it('marks a replaced word and keeps the rest as common text', () => {
    assert.deepEqual(wordDiff('The sky is blue today.', 'The sky is grey today.'), [
      { kind: 'same', text: 'The sky is ' },
      { kind: 'removed', text: 'blue' },
      { kind: 'added', text: 'grey' },
      { kind: 'same', text: ' today.' },
    ]);
  });

  it('finds insertions and deletions in the middle of long answers', () => {
    const before = 'one two three four five six seven eight nine ten';
    const after = 'one two four five five-and-a-half six seven nine ten eleven';
    const parts = wordDiff(before, after);
    assert.deepEqual(sides(parts), { before, after });
    const removed = parts.filter((part) => part.kind === 'removed').map((part) => part.text.trim());
    assert.ok(removed.includes('three'));
    assert.ok(removed.includes('eight'));
    assert.ok(parts.some((part) => part.kind === 'added' && part.text.includes('eleven')));
    // An edit script that is short: the unchanged words stay common.
    const same = parts.filter((part) => part.kind === 'same').map((part) => part.text).join('');
    for (const word of ['one', 'two', 'four', 'six', 'seven', 'nine', 'ten']) assert.ok(same.includes(word), word);
  });

  it('returns a single common part for identical answers and handles empty sides', () => {
    assert.deepEqual(wordDiff('same text', 'same text'), [{ kind: 'same', text: 'same text' }]);
    assert.deepEqual(wordDiff('', 'new answer'), [{ kind: 'added', text: 'new answer' }]);
    assert.deepEqual(wordDiff('old answer', ''), [{ kind: 'removed', text: 'old answer' }]);
    assert.deepEqual(wordDiff('', ''), []);
  });

  it('treats answers needing more edits than the limit as wholly replaced', () => {
    const parts = wordDiff('a b c d e f', 'u v w x y z', { maxEdits: 4 });
    assert.deepEqual(parts, [
      { kind: 'removed', text: 'a b c d e f' },
      { kind: 'added', text: 'u v w x y z' },
    ]);
  });

  it('keeps as much in common as the longest common subsequence of tokens, on random edits', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const words = ['alpha', 'beta', 'gamma', 'delta', 'the', 'a', ',', '.'];
    for (let round = 0; round < 50; round++) {
      const make = () => Array.from({ length: Math.floor(random() * 40) }, () => words[Math.floor(random() * words.length)]).join(' ');
      const before = make();
      const after = make();
      const parts = wordDiff(before, after);
      assert.deepEqual(sides(parts), { before, after });
      const common = parts.filter((part) => part.kind === 'same').reduce((sum, part) => sum + tokenize(part.text).length, 0);
      assert.equal(common, lcsLength(tokenize(before), tokenize(after)));
    }
  });
});
