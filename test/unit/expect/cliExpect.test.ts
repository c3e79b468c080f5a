import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockServer } from '../../mock/mockServer';
import { addBatchApiRoutes } from '../../mock/batchApiRoutes';
import { runCli } from '../reliability/reliabilityFixtures';

/** The mock answers `mock: <last user message>`; the grader model gets a verdict instead. */
function verdictFor(body: unknown): { pass: boolean; reason: string } | string | undefined {
  const request = body as { model?: string; messages: { content: string }[] } | undefined;
  if (request?.model !== 'grader') return undefined;
  const prompt = request.messages[0]?.content ?? '';
  if (prompt.includes('<answer>\nmock: garbage')) return 'Hmm, hard to say.';
  return { pass: prompt.includes('<answer>\nmock: Say hi'), reason: 'looked at it' };
}

function graderBody(content: string) {
  return { id: 'chatcmpl-grader', object: 'chat.completion', created: 0, model: 'grader', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 } };
}

const chatRequests = (server: MockServer, model?: string) => server.requests.filter((request) => request.path.endsWith('/chat/completions') && (model === undefined || (request.body as { model?: string }).model === model)).length;

describe('llmbatch run with expectations', () => {
  let server: MockServer;
  let dir: string;

  before(async () => {
    server = await MockServer.start();
    addBatchApiRoutes(server);
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.resetRecords();
    server.setScript(({ body }) => {
      const verdict = verdictFor(body);
      if (verdict === undefined) return undefined;
      return { kind: 'ok', body: graderBody(typeof verdict === 'string' ? verdict : JSON.stringify(verdict)) };
    });
    dir = mkdtempSync(join(tmpdir(), 'llmbatch-expect-'));
  });

  const run = (file: string, ...extra: string[]) => runCli(['run', file, '--api-base', server.baseUrl, '--cache-dir', join(dir, 'cache'), ...extra]);
  const write = (lines: string[]) => {
    const file = join(dir, 'test.llmbatch');
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  };
  const outputs = (stdout: string) => stdout.trim().split('\n').map((line) => JSON.parse(line) as { custom_id: string; llmbatch: { expect?: { pass: boolean; checks: { check: string; pass: boolean; reason: string }[] } } });

  it('writes each verdict, the pass count and a scoreboard, and exits 1 on a failed expectation unless --min-pass-rate allows it', async () => {
    const file = write(['@model = ["small", "large"]', 'expect: not contains sorry', '', '### greet', '@lang = ["French", "German"]', 'user: Say hi in {{lang}}', 'expect: contains French']);
    const first = await run(file);
    assert.equal(first.code, 1, first.stderr);
    const lines = outputs(first.stdout);
    assert.deepEqual(lines.map((line) => [line.custom_id, line.llmbatch.expect?.pass]), [
      ['greet[model=small,lang=French]', true],
      ['greet[model=small,lang=German]', false],
      ['greet[model=large,lang=French]', true],
      ['greet[model=large,lang=German]', false],
    ]);
    assert.deepEqual(lines[1]?.llmbatch.expect?.checks, [
      { check: 'not contains sorry', pass: true, reason: 'the answer does not contain "sorry"' },
      { check: 'contains French', pass: false, reason: 'the answer does not contain "French"' },
    ]);
    assert.match(first.stderr, / · 2\/4 passed \(50%\)\n/);
    assert.match(first.stderr, /scoreboard · greet · lang\n {2}French +100% {2}2\/2 passed · \d+ ms · \d+ tokens\n {2}German +0% {2}0\/2 passed/);
    assert.match(first.stderr, /scoreboard · greet · model\n/);
    assert.equal((await run(file, '--min-pass-rate', '0.5')).code, 0);
    assert.equal((await run(file, '--min-pass-rate', '0.51')).code, 1);
  });

  it('re-scores edited expectations from the cache without sending a chat request', async () => {
    const before = ['### a', '@n = [1, 2, 3]', 'user: Say hi {{n}}'];
    const plain = await run(write(before));
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(chatRequests(server), 3);
    assert.equal(outputs(plain.stdout)[0]?.llmbatch.expect, undefined);
    server.resetRecords();
    const scored = await run(write([...before, 'expect: contains hi 2']));
    assert.equal(scored.code, 1);
    assert.equal(chatRequests(server), 0, 'edited expectations sent chat requests');
    assert.deepEqual(outputs(scored.stdout).map((line) => line.llmbatch.expect?.pass), [false, true, false]);
    assert.match(scored.stderr, /3 cached .* 1\/3 passed \(33%\)/);
  });

  it('asks the grader through the same engine and cache, counted apart, and reads garbage as an error', async () => {
    const file = write(['@judge_model = grader', '### a', '@topic = ["Say hi", "garbage", "other"]', 'user: {{topic}}', 'expect: judge It greets.']);
    const first = await run(file);
    const lines = outputs(first.stdout);
    assert.deepEqual(lines.map((line) => line.llmbatch.expect?.checks[0]?.pass), [true, false, false]);
    assert.equal(lines[0]?.llmbatch.expect?.checks[0]?.reason, 'looked at it');
    assert.equal(lines[1]?.llmbatch.expect?.checks[0]?.reason, 'the grader\'s reply is neither {"pass": …, "reason": …} nor PASS/FAIL: "Hmm, hard to say."');
    assert.equal(chatRequests(server, 'grader'), 3);
    assert.match(first.stderr, /llmbatch: 3 requests · 0 failed · 0 cached · .* · 1\/3 passed \(33%\) · judge: 3 requests, 0 cached, 180 tokens\n/);
    server.resetRecords();
    const again = await run(file);
    assert.equal(chatRequests(server), 0);
    assert.match(again.stderr, /judge: 3 requests, 3 cached/);
  });

  it('fails a transport error as a request, not as a check, and exits 1 whatever --min-pass-rate says', async () => {
    server.setScript(({ body }) => ((body as { messages: { content: string }[] }).messages[0]?.content === 'boom' ? { kind: 'status', status: 400 } : undefined));
    const result = await run(write(['### a', '@q = ["boom", "fine"]', 'user: {{q}}', 'expect: contains fine']), '--min-pass-rate', '0');
    assert.equal(result.code, 1);
    const lines = outputs(result.stdout);
    assert.deepEqual(lines.map((line) => line.llmbatch.expect?.pass), [undefined, true]);
    assert.match(result.stderr, /1 failed .* 1\/1 passed \(100%\)/);
  });

  it('scores answers collected from Batch API jobs the same way', async () => {
    const file = write(['### a', '@q = ["Say hi", "Say bye"]', 'user: {{q}}', 'expect: contains hi']);
    const env = { OPENAI_API_KEY: 'sk-test-expect-0123456789abcdef' };
    const common = ['--api-base', server.baseUrl, '--cache-dir', join(dir, 'cache')];
    const submitted = await runCli(['submit', file, ...common], { env, cwd: dir });
    assert.equal(submitted.code, 0, submitted.stderr);
    const out = join(dir, 'results.jsonl');
    const waited = await runCli(['status', '--wait', '--poll-interval', '0.02', '--out', out, ...common], { env, cwd: dir });
    assert.equal(waited.code, 1, waited.stderr);
    assert.deepEqual(outputs(readFileSync(out, 'utf8')).map((line) => line.llmbatch.expect?.pass), [true, false]);
    assert.match(waited.stderr, /2 answered, 0 without an answer · 1\/2 passed \(50%\)/);
    const allowed = await runCli(['status', '--out', out, '--min-pass-rate', '0.5', ...common], { env, cwd: dir });
    assert.equal(allowed.code, 0, allowed.stderr);
  });
});
