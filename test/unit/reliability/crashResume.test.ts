import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chatCompletionFor } from '../../mock/mockResponses';
import { batchText, comparable, outputLines, runCli, startCli, waitFor } from './reliabilityFixtures';
import { useMockServer } from '../fixtures/useMockServer';

const count = 400;
const concurrency = 20;

describe('crash and resume (CLI)', () => {
  const server = useMockServer({ latencyMs: 50 });
  // Answers the mock has finished sending, as opposed to requests it has received.
  let answered = 0;
  before(() => {
    server.route('POST', '/v1/chat/completions', (ctx) => {
      answered++;
      return { status: 200, headers: { 'x-request-id': `req_mock_${ctx.sequence}` }, body: chatCompletionFor(ctx.body as { messages: unknown[] }, ctx.sequence, Date.now()) };
    });
  });

  it('after kill -9 half-way, a second run sends only what is missing and writes the same results as an uninterrupted run', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-crash-'));
    const input = join(dir, 'batch.jsonl');
    writeFileSync(input, batchText(count));
    const out = join(dir, 'results.jsonl');
    const args = (outFile: string, cacheDir: string) => ['run', input, '--api-base', server.baseUrl, '--out', outFile, '--cache-dir', cacheDir, '--concurrency', String(concurrency)];

    const interrupted = startCli(args(out, join(dir, 'cache')));
    await waitFor(() => server.requests.length >= count / 2);
    interrupted.child.kill('SIGKILL');
    const answeredBeforeKill = answered;
    const first = await interrupted.done;
    assert.equal(first.signal, 'SIGKILL');
    assert.ok(answeredBeforeKill < count, 'the run was killed before it finished');
    assert.equal(existsSync(out), false, 'an interrupted run leaves no results file that looks complete');
    assert.equal(existsSync(`${out}.partial`), true, 'the partial output is where a crash leaves it');

    server.resetRecords();
    const resumed = await runCli(args(out, join(dir, 'cache')));
    assert.equal(resumed.code, 0, resumed.stderr);
    const sentAgain = server.requests.length;
    t.diagnostic(`killed after ${answeredBeforeKill} answers; the second run sent ${sentAgain} of ${count}`);
    assert.ok(sentAgain <= count - answeredBeforeKill + concurrency, `the second run sent ${sentAgain}; ${answeredBeforeKill} had been answered before the kill`);
    assert.ok(sentAgain >= count - answeredBeforeKill, 'whatever was not answered before the kill is sent now');
    assert.equal(existsSync(`${out}.partial`), false);
    const resumedLines = outputLines(readFileSync(out, 'utf8'));
    assert.equal(resumedLines.filter((line) => line.llmbatch.cached).length, count - sentAgain, 'every line not sent again came from the cache');

    server.resetRecords();
    const referenceDir = mkdtempSync(join(tmpdir(), 'llmbatch-reference-'));
    const referenceOut = join(referenceDir, 'results.jsonl');
    const reference = await runCli(args(referenceOut, join(referenceDir, 'cache')));
    assert.equal(reference.code, 0, reference.stderr);
    const referenceLines = outputLines(readFileSync(referenceOut, 'utf8'));
    assert.equal(resumedLines.length, count);
    assert.deepEqual(resumedLines.map(comparable), referenceLines.map(comparable));
    assert.equal(resumedLines[count - 1]?.response?.body.choices[0].message.content, `mock: question ${count - 1}`);
  });

  it('on Ctrl+C stops sending, writes and caches every finished answer, and a re-run sends only the cancelled rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-cancel-'));
    const input = join(dir, 'batch.jsonl');
    writeFileSync(input, batchText(count));
    const out = join(dir, 'results.jsonl');
    const args = ['run', input, '--api-base', server.baseUrl, '--out', out, '--cache-dir', join(dir, 'cache'), '--concurrency', String(concurrency)];
    server.resetRecords();
    const startAnswered = answered;
    const running = startCli(args);
    await waitFor(() => answered - startAnswered >= count / 4);
    running.child.kill('SIGINT');
    const cancelled = await running.done;
    assert.equal(cancelled.code, 1, cancelled.stderr);
    assert.match(cancelled.stderr, /cancelling — finished answers are kept/);
    const sentBeforeCancel = server.requests.length;
    assert.ok(sentBeforeCancel < count, 'sending stopped');

    const lines = outputLines(readFileSync(out, 'utf8'));
    assert.equal(lines.length, count, 'one line per request, cancelled ones included');
    const finished = lines.filter((line) => line.error === null);
    const unfinished = lines.filter((line) => line.error !== null);
    assert.ok(finished.length >= count / 4);
    assert.ok(unfinished.every((line) => line.error?.code === 'cancelled'));
    for (const line of finished) assert.equal(line.response?.body.choices[0].message.content, `mock: question ${line.custom_id.slice('req-'.length)}`);

    server.resetRecords();
    const rerun = await runCli(args);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(server.requests.length, unfinished.length, 'exactly the cancelled requests are sent again');
    const sentAgain = new Set(server.requests.map((request) => (request.body as { messages: { content: string }[] }).messages[0]!.content));
    assert.deepEqual(sentAgain, new Set(unfinished.map((line) => `question ${line.custom_id.slice('req-'.length)}`)));
  });

  it('stops quietly when whoever reads its output goes away (llmbatch run … | head)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmbatch-pipe-'));
    const input = join(dir, 'batch.jsonl');
    writeFileSync(input, batchText(1_000));
    const reader = startCli(['run', input, '--provider', 'echo', '--no-cache', '--quiet']);
    reader.child.stdout?.once('data', () => reader.child.stdout?.destroy());
    const result = await reader.done;
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /EPIPE|Unhandled/);
  });
});
