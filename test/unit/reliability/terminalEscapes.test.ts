import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockServer } from '../../mock/mockServer';
import { addBatchApiRoutes } from '../../mock/batchApiRoutes';
import type { MockBatchApi } from '../../mock/batchApiRoutes';
import { printable, printableLines } from '../../../src/core/printable';
import { logLine } from '../../../src/extension/output/runText';
import { batchLine, outputLines, runCli } from './reliabilityFixtures';

// Retitles the window, clears the screen, returns to the line's start to overwrite it with a fake
// summary, an 8-bit CSI, and a right-to-left override.
const hostile = 'model overloaded\x1b]0;pwned\x07\x1b[2J\r\nllmbatch: 0 failed\x9b31m\u202etxt.exe';

/** Control characters a terminal would act on: every C0 but tab and newline, DEL, C1, bidi controls. */
const controls = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('printable text', () => {
  it('writes each control character as a visible escape and keeps the rest as it was', () => {
    assert.equal(printable('plain text, tabs\tand ünïcödé 日本'), 'plain text, tabs\tand ünïcödé 日本');
    assert.equal(printable(hostile), 'model overloaded\\x1b]0;pwned\\x07\\x1b[2J\\r\\nllmbatch: 0 failed\\x9b31m\\u202etxt.exe');
    assert.equal(printable('\x00\x7f\u2066'), '\\x00\\x7f\\u2066');
  });

  it('keeps newlines only where text is meant to span lines', () => {
    assert.equal(printableLines('at one\n\x1b[1Aat two\r'), 'at one\n\\x1b[1Aat two\\r');
  });

  it('makes each line of the editor\'s output channel one printable line, redacted', () => {
    const line = logLine(`q1: ${hostile} key sk-abcdefghijklmnop`);
    assert.doesNotMatch(line, controls);
    assert.doesNotMatch(line, /\n/);
    assert.match(line, /pwned\\x07/);
    assert.match(line, /sk-\[redacted\]/);
  });
});

describe('server text on the terminal (CLI)', () => {
  let server: MockServer;
  let batch: MockBatchApi;
  let dir: string;
  before(async () => {
    server = await MockServer.start();
    batch = addBatchApiRoutes(server);
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.setScript(undefined);
    batch.behaviour = {};
    dir = mkdtempSync(join(tmpdir(), 'llmbatch-escapes-'));
  });

  function write(name: string, lines: string[]): string {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  it('prints a failure message full of escape sequences as visible text, and keeps it exact in the JSONL', async () => {
    server.setScript(({ body }) => (JSON.stringify(body).includes('hostile') ? { kind: 'status', status: 400, body: { error: { message: hostile } } } : undefined));
    const input = write('batch.jsonl', [batchLine('fine', 'plain question'), batchLine('hostile', 'hostile question')]);
    const result = await runCli(['run', input, '--api-base', server.baseUrl, '--no-cache', '--retries', '0']);
    assert.equal(result.code, 1, result.stderr);
    assert.doesNotMatch(result.stderr, controls);
    assert.match(result.stderr, /^ {2}hostile: bad_request: 400 model overloaded\\x1b\]0;pwned\\x07\\x1b\[2J\\r\\nllmbatch: 0 failed/m);
    assert.equal(result.stderr.split('\n').filter((line) => line.startsWith('llmbatch: ')).length, 1, 'no fake summary line');
    const lines = outputLines(result.stdout);
    assert.equal(lines[1]?.error?.message, `400 ${hostile}`, 'the output file keeps what the server said');
  });

  it('prints ids from the input as visible text in a dry run', async () => {
    const input = write('batch.jsonl', [batchLine('row\x1b[2J\x1b]0;x\x07', 'question')]);
    const result = await runCli(['run', input, '--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, controls);
    assert.match(result.stdout, /^row\\x1b\[2J\\x1b\]0;x\\x07\topenai\tgpt-4o-mini$/m);
  });

  it('lists batch jobs whose errors carry escape sequences as visible text', async () => {
    batch.behaviour = { failLine: ({ customId }) => (customId === 'b' ? { status: 400, message: hostile } : undefined) };
    const input = write('batch.jsonl', [batchLine('a', 'first'), batchLine('b', 'second')]);
    const common = ['--api-base', server.baseUrl, '--cache-dir', join(dir, 'cache')];
    assert.equal((await runCli(['submit', input, ...common], { cwd: dir })).code, 0);
    const waited = await runCli(['status', '--wait', '--poll-interval', '0.02', ...common], { cwd: dir });
    assert.equal(waited.code, 1, waited.stderr);
    assert.doesNotMatch(waited.stderr, controls);
    assert.match(waited.stderr, /^ {2}b: \S+: model overloaded\\x1b\]0;pwned/m);

    batch.behaviour = { failValidation: hostile };
    assert.equal((await runCli(['submit', input, ...common], { cwd: dir })).code, 0);
    const listed = await runCli(['status', ...common], { cwd: dir });
    assert.doesNotMatch(listed.stdout + listed.stderr, controls);
    assert.match(listed.stdout, /failed {2}1 request — .*model overloaded\\x1b\]0;pwned/);
  });
});
