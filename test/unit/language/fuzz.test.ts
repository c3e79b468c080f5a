import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findJsonSyntaxError } from '../../../src/core/jsonSyntax';
import { parseLlmbatch } from '../../../src/core/language/parseLlmbatch';
import type { SourceRange } from '../../../src/core/models';

/** mulberry32: small, fast and reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const example = readFileSync(join(process.cwd(), 'examples/translate.llmbatch'), 'utf8');
const reviews = readFileSync(join(process.cwd(), 'examples/reviews.csv'), 'utf8');
const fragments = [
  '{{', '}}', '{{lang}}', '{{ lnag }}', '\\{{', '{{{x}}}', '###', '### ', '####', '#', '@', '@x', '@temperature = ', '@data = ', '@repeat = ',
  '[', ']', '{', '}', '"', '\\', ',', '=', ':', 'user:', 'system:', 'tool (id):', 'assistant', '\n', '\r\n', '\r', '\t', ' ', 'null', '[]', '[[]]',
  '\uFEFF', '\uFFFD', '\u0000', '\uD800', '\uDC00', '😀', 'é', '\u2028', '\u00A0', '1e999', '-0', '0.7', '3', '"x"', '["a", "b"]',
];

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)] as T;
}

function randomText(next: () => number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    const roll = next();
    if (roll < 0.5) text += pick(next, fragments);
    else if (roll < 0.8) text += String.fromCharCode(32 + Math.floor(next() * 95));
    else text += String.fromCharCode(Math.floor(next() * 0x10000));
  }
  return text;
}

function huge(next: () => number): string {
  const size = 20_000 + Math.floor(next() * 80_000);
  switch (Math.floor(next() * 5)) {
    case 0:
      return '['.repeat(size);
    case 1:
      return `[${Array.from({ length: size / 10 }, (_, i) => i).join(',')}]`;
    case 2:
      return '{{'.repeat(size / 2);
    case 3:
      return `"${'x'.repeat(size)}"`;
    default:
      return '[['.repeat(size / 4) + ']]'.repeat(size / 4);
  }
}

/** Applies a few random edits to the lines and characters of `text`. */
function mutate(next: () => number, text: string): string {
  const lines = text.split('\n');
  const edits = 1 + Math.floor(next() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * (lines.length + 1));
    const line = lines[at] ?? '';
    const column = Math.floor(next() * (line.length + 1));
    switch (Math.floor(next() * 8)) {
      case 0:
        lines.splice(at, 1);
        break;
      case 1:
        lines.splice(at, 0, lines[Math.floor(next() * lines.length)] ?? '');
        break;
      case 2:
        lines.splice(at, 0, randomText(next, 1 + Math.floor(next() * 12)));
        break;
      case 3:
        lines[at] = line.slice(0, column) + randomText(next, 1 + Math.floor(next() * 4)) + line.slice(column);
        break;
      case 4:
        lines[at] = line.slice(0, column) + line.slice(column + 1 + Math.floor(next() * 5));
        break;
      case 5:
        lines[at] = line.slice(0, column) + line.slice(column, column + 1).repeat(2) + line.slice(column + 1);
        break;
      case 6:
        if (next() < 0.1) lines[at] = line.slice(0, column) + huge(next) + line.slice(column);
        break;
      default:
        lines.splice(at, 0, `@${pick(next, ['model', 'temperature', 'lang', 'stop', 'data', 'name', 'repeat', 'tools'])} = ${randomText(next, 3)}`);
    }
  }
  return lines.join('\n');
}

function lineLengths(text: string): number[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.split(/\r\n|\r|\n/).map((line) => line.length);
}

function assertInside(range: SourceRange, lengths: readonly number[], context: string): void {
  const { startLine, startColumn, endLine, endColumn } = range;
  const ok =
    Number.isInteger(startLine) && Number.isInteger(endLine) && startLine >= 0 && endLine < lengths.length &&
    startColumn >= 0 && endColumn >= 0 && startColumn <= (lengths[startLine] ?? -1) && endColumn <= (lengths[endLine] ?? -1) &&
    (startLine < endLine || (startLine === endLine && startColumn <= endColumn));
  assert.ok(ok, `${context}: range ${JSON.stringify(range)} is outside the file (line lengths ${JSON.stringify(lengths.slice(0, 40))})`);
}

function check(text: string, csv: string, label: string): void {
  let result;
  try {
    result = parseLlmbatch(text, { fileName: '/project/fuzz.llmbatch', defaultProvider: 'echo', readFile: () => csv, maxRequests: 300 });
  } catch (error) {
    assert.fail(`${label}: threw ${String(error)} on ${JSON.stringify(text.slice(0, 300))}`);
  }
  const lengths = lineLengths(text);
  assert.equal(result.document.lineCount, lengths.length, label);
  for (const diagnostic of result.diagnostics) {
    assertInside(diagnostic.range, lengths, `${label} (${diagnostic.message})`);
    assert.notEqual(diagnostic.code, 'internal-error', `${label}: ${diagnostic.message}`);
    assert.ok(diagnostic.message.length > 0);
  }
  for (const item of result.items) if (item.source) assertInside(item.source, lengths, `${label} item ${item.id}`);
  assert.equal(new Set(result.items.map((item) => item.id)).size, result.items.length, `${label}: ids are unique`);
}

describe('the parser under random input', () => {
  it('never throws and keeps every diagnostic inside the file, on mutated examples', () => {
    const next = random(20240611);
    for (let round = 0; round < 1500; round++) {
      let text = example;
      const generations = 1 + Math.floor(next() * 3);
      for (let g = 0; g < generations; g++) text = mutate(next, text);
      const csv = next() < 0.2 ? mutate(next, reviews) : reviews;
      check(text, csv, `mutated #${round}`);
    }
  });

  it('never throws on random text and random bytes read as text', () => {
    const next = random(7);
    for (let round = 0; round < 500; round++) {
      const text = next() < 0.5 ? randomText(next, Math.floor(next() * 200)) : Buffer.from(Array.from({ length: 300 }, () => Math.floor(next() * 256))).toString('utf8');
      check(text, randomText(next, 50), `random #${round}`);
    }
  });

  it('locates JSON errors exactly when JSON.parse rejects the text', () => {
    const next = random(99);
    const pieces = ['[', ']', '{', '}', '"a"', '"', ':', ',', '1', '-', '1.5e3', 'true', 'nul', 'null', ' ', '\n', '\\', '"\\u12"', '"\\n"', '0', '01'];
    for (let round = 0; round < 3000; round++) {
      const text = Array.from({ length: Math.floor(next() * 10) }, () => pick(next, pieces)).join('');
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      const error = findJsonSyntaxError(text);
      assert.equal(error === undefined, valid, `${JSON.stringify(text)}: ${JSON.stringify(error)}`);
      if (error) assert.ok(error.offset >= 0 && error.offset <= text.length);
    }
  });
});
